"""SOQL text -> :class:`~sandbox.soql.nodes.Query`, or a MALFORMED_QUERY error with its position.

Grammar of the subset (keywords case-insensitive)::

    query     := SELECT item (',' item)* FROM name [WHERE cond] [ORDER BY order (',' order)*]
                 [LIMIT int] [OFFSET int]
    item      := path | COUNT '(' ')' | '(' query ')'            -- the last: a child subquery
    cond      := term (AND term)* | term (OR term)*             -- mixing needs parentheses
    term      := NOT term | '(' cond ')' | path op value | path [NOT] IN '(' values | query ')'
    op        := = != <> < <= > >= LIKE
    value     := string | number | date | datetime | TRUE | FALSE | NULL | DATE_CONSTANT[:n]
    order     := path [ASC | DESC] [NULLS (FIRST | LAST)]

What Salesforce accepts beyond this (GROUP BY, aggregates, TYPEOF, WITH, FOR UPDATE, functions,
aliases, ...) is refused here by name, at its position: a rehearsal must never get a silently
different answer from the one the real org would give.
"""

from __future__ import annotations

from sandbox.soql.dates import KNOWN_UNSUPPORTED, NEEDS_N, SUPPORTED
from sandbox.soql.errors import MALFORMED_QUERY, SoqlError, outside_subset
from sandbox.soql.lexer import Token, tokenize
from sandbox.soql.nodes import (
    And,
    ChildQuery,
    Comparison,
    ComparisonOp,
    Condition,
    CountAll,
    DateConstant,
    FieldPath,
    InList,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SelectItem,
    SemiJoin,
)

#: Salesforce's reserved words: never a field name
RESERVED = frozenset({
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES",
    "LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH",
})
#: clauses and keywords of full SOQL that the subset does not answer
_UNSUPPORTED_CLAUSES = {
    "WITH": "WITH", "USING": "USING SCOPE", "GROUP": "GROUP BY", "HAVING": "HAVING",
    "FOR": "FOR VIEW / FOR REFERENCE / FOR UPDATE", "UPDATE": "UPDATE TRACKING / VIEWSTAT",
}
_MAX_LIMIT_DIGITS = 10


def parse(soql: str) -> Query:
    """Parse one SOQL statement. Raises :class:`SoqlError` (MALFORMED_QUERY) with the position."""
    return _Parser(soql).statement()


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.index = 0

    # -- token helpers -------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def at_keyword(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "IDENT" and token.upper in words

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: str) -> Token:
        if self.peek().kind != kind:
            raise self.unexpected()
        return self.advance()

    def error(self, pos: int, text: str) -> SoqlError:
        return SoqlError.at(MALFORMED_QUERY, self.soql, pos, text)

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.peek()
        if token.kind == "IDENT" and token.upper in _UNSUPPORTED_CLAUSES:
            return self.error(token.pos, outside_subset(_UNSUPPORTED_CLAUSES[token.upper]))
        if token.kind == "IDENT" and token.upper in ("INCLUDES", "EXCLUDES", "TYPEOF"):
            return self.error(token.pos, outside_subset(token.upper))
        return self.error(token.pos, f"unexpected token: '{token.text}'")

    # -- statements ----------------------------------------------------------------------

    def statement(self) -> Query:
        query = self.query(nested=False)
        if self.peek().kind != "EOF":
            raise self.unexpected()
        return query

    def query(self, *, nested: bool) -> Query:
        start = self.expect_keyword("SELECT").pos
        items = [self.select_item()]
        while self.peek().kind == "COMMA":
            self.advance()
            items.append(self.select_item())
        self.expect_keyword("FROM")
        source = self.expect("IDENT")
        if source.upper in RESERVED:
            raise self.unexpected(source)
        follower = self.peek()
        if follower.kind == "IDENT" and follower.upper not in (
            "WHERE", "ORDER", "LIMIT", "OFFSET", *_UNSUPPORTED_CLAUSES,
        ):
            raise self.error(follower.pos, outside_subset(f"the object alias '{follower.text}'"))
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.condition()
        order_by: list[OrderItem] = []
        if self.at_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            order_by.append(self.order_item())
            while self.peek().kind == "COMMA":
                self.advance()
                order_by.append(self.order_item())
        limit = offset = None
        offset_pos = 0
        if self.at_keyword("LIMIT"):
            self.advance()
            limit = self.count_value()
        if self.at_keyword("OFFSET"):
            offset_pos = self.advance().pos
            offset = self.count_value()
        end = self.peek()
        if end.kind != ("RPAREN" if nested else "EOF"):
            raise self.unexpected(end)
        return Query(tuple(items), source.text, source.pos, where, tuple(order_by), limit,
                     offset, offset_pos, start)

    def count_value(self) -> int:
        token = self.peek()
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0 \
                or token.text[0] in "+-" or len(token.text) > _MAX_LIMIT_DIGITS:
            raise self.unexpected()
        self.advance()
        return token.value

    # -- select list ---------------------------------------------------------------------

    def select_item(self) -> SelectItem:
        token = self.peek()
        if token.kind == "LPAREN":
            self.advance()
            if not self.at_keyword("SELECT"):
                raise self.unexpected()
            query = self.query(nested=True)
            self.expect("RPAREN")
            return ChildQuery(query, token.pos)
        if token.kind == "IDENT" and self.peek(1).kind == "LPAREN":
            if token.upper == "COUNT" and self.peek(2).kind == "RPAREN":
                self.index += 3
                return CountAll(token.pos)
            raise self.function(token)
        if token.kind == "IDENT" and token.upper == "TYPEOF":
            raise self.error(token.pos, outside_subset("TYPEOF"))
        path = self.field_path()
        if self.peek().kind == "IDENT" and not self.at_keyword("FROM"):
            raise self.unexpected()
        return path

    def function(self, token: Token) -> SoqlError:
        if token.upper in ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"):
            what = f"the aggregate function {token.upper}(...)"
        else:
            what = f"the function {token.text}(...)"
        return self.error(token.pos, outside_subset(what))

    def field_path(self) -> FieldPath:
        first = self.peek()
        if first.kind != "IDENT" or first.upper in RESERVED:
            raise self.unexpected()
        if self.peek(1).kind == "LPAREN":
            raise self.function(first)
        parts = [self.advance().text]
        while self.peek().kind == "DOT":
            self.advance()
            part = self.peek()
            if part.kind != "IDENT" or part.upper in RESERVED:
                raise self.unexpected()
            parts.append(self.advance().text)
        return FieldPath(tuple(parts), first.pos)

    def order_item(self) -> OrderItem:
        path = self.field_path()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
        nulls_first = None
        if self.at_keyword("NULLS"):
            self.advance()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.unexpected()
            nulls_first = self.advance().upper == "FIRST"
        return OrderItem(path, descending, nulls_first)

    # -- conditions ----------------------------------------------------------------------

    def condition(self) -> Condition:
        first = self.term()
        if not self.at_keyword("AND", "OR"):
            return first
        joiner = self.peek().upper
        operands = [first]
        while self.at_keyword(joiner):
            self.advance()
            operands.append(self.term())
        if self.at_keyword("AND", "OR"):
            # Salesforce refuses `a AND b OR c`: the reader must say which they meant.
            raise self.unexpected()
        return And(tuple(operands)) if joiner == "AND" else Or(tuple(operands))

    def term(self) -> Condition:
        token = self.peek()
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.term(), token.pos)
        if token.kind == "LPAREN":
            self.advance()
            inner = self.condition()
            self.expect("RPAREN")
            return inner
        return self.field_expression()

    def field_expression(self) -> Condition:
        path = self.field_path()
        token = self.peek()
        if token.kind == "OP":
            self.advance()
            op: ComparisonOp = token.text  # type: ignore[assignment]
            return Comparison(path, op, self.value(), path.pos)
        if self.at_keyword("LIKE"):
            self.advance()
            return Comparison(path, "LIKE", self.value(), path.pos)
        negated = False
        if self.at_keyword("NOT") and self.at_keyword("IN", ahead=1):
            self.advance()
            negated = True
        if self.at_keyword("IN"):
            self.advance()
            self.expect("LPAREN")
            if self.at_keyword("SELECT"):
                query = self.query(nested=True)
                self.expect("RPAREN")
                return SemiJoin(path, negated, query, path.pos)
            values = [self.value()]
            while self.peek().kind == "COMMA":
                self.advance()
                values.append(self.value())
            self.expect("RPAREN")
            return InList(path, negated, tuple(values), path.pos)
        raise self.unexpected()

    def value(self) -> Literal:
        token = self.peek()
        kind = token.kind
        if kind == "STRING":
            self.advance()
            return Literal("string", token.value, token.pos, token.text, token.like,
                           token.like_escapes)
        if kind == "NUMBER":
            self.advance()
            return Literal("number", token.value, token.pos, token.text)
        if kind in ("DATE", "DATETIME"):
            self.advance()
            return Literal("date" if kind == "DATE" else "datetime", token.value, token.pos,
                           token.text)
        if kind != "IDENT":
            raise self.unexpected()
        word = token.upper
        if word in ("TRUE", "FALSE"):
            self.advance()
            return Literal("boolean", word == "TRUE", token.pos, token.text)
        if word == "NULL":
            self.advance()
            return Literal("null", None, token.pos, token.text)
        if word in SUPPORTED:
            return self.date_constant(token)
        if word in KNOWN_UNSUPPORTED:
            raise self.error(token.pos, outside_subset(f"the date literal {word}"))
        raise self.unexpected()

    def date_constant(self, token: Token) -> Literal:
        self.advance()
        n: int | None = None
        if token.upper in NEEDS_N:
            if self.peek().kind != "COLON":
                raise self.unexpected()
            self.advance()
            count = self.peek()
            if count.kind != "NUMBER" or not isinstance(count.value, int) or count.value < 0 \
                    or count.text[0] in "+-":
                raise self.unexpected()
            self.advance()
            n = count.value
        end = self.tokens[self.index - 1]
        text = self.soql[token.pos : end.pos + len(end.text)]
        return Literal("date_constant", DateConstant(token.upper, n), token.pos, text)
