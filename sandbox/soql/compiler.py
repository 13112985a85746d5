"""A parsed query + the schema -> parameterised SQLite SQL and the shape of its records.

The compiled query holds two plans, one for ``query`` (deleted rows hidden, as Salesforce
implies ``IsDeleted = false``) and one for ``queryAll``. Child subqueries become one SQL
statement per relationship, run by the executor for all parent ids at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sandbox.schema import Schema, SObject
from sandbox.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
    outside_subset,
    unknown_child_relationship,
    unsupported_object,
)
from sandbox.soql.filters import STRING_KINDS, ConditionCompiler, SemiJoinCompiler, is_long_text
from sandbox.soql.nodes import ChildQuery, CountAll, FieldPath, OrderItem, Query, SemiJoin
from sandbox.soql.parser import parse
from sandbox.soql.scope import Column, Scope, Sql, join_sql
from sandbox.soql.shape import RecordShape, Slot, converter

#: Salesforce's ceiling on OFFSET
MAX_OFFSET = 2000


@dataclass(frozen=True, slots=True)
class ChildPlan:
    """``(SELECT ... FROM Contacts ...)``: run as ``head + <fk> IN (ids) + tail``."""

    key: str  # the child relationship's name as describe spells it
    head: Sql
    foreign_key: str
    tail: Sql
    shape: RecordShape  # column 0 is the foreign key
    limit: int | None  # per parent record, as in Salesforce


@dataclass(frozen=True, slots=True)
class Plan:
    sql: str
    params: tuple[object, ...]
    shape: RecordShape | None  # None for COUNT()
    children: tuple[ChildPlan, ...] = ()
    #: the selected fields as describe spells them, parent paths dotted ("Account.Name"),
    #: in SELECT order; child subqueries are not included
    field_paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    soql: str
    object_name: str
    is_count: bool
    limit: int | None
    offset: int | None
    live: Plan
    with_deleted: Plan

    def plan(self, include_deleted: bool) -> Plan:
        return self.with_deleted if include_deleted else self.live

    @property
    def field_paths(self) -> tuple[str, ...]:
        """Selected fields as describe spells them (``Account.Name``): CSV column headers."""
        return self.live.field_paths

    @property
    def has_subqueries(self) -> bool:
        return bool(self.live.children)


def compile_query(soql: str, schema: Schema, *, today: date) -> CompiledQuery:
    """Parse and compile ``soql``. Raises :class:`SoqlError` (MALFORMED_QUERY, INVALID_FIELD,
    INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR, ...) pointing at the offending place."""
    query = parse(soql)
    live = _Compiler(soql, schema, today, include_deleted=False).top(query)
    with_deleted = _Compiler(soql, schema, today, include_deleted=True).top(query)
    return CompiledQuery(soql, live[0].name, live[1].shape is None, query.limit, query.offset,
                         live[1], with_deleted[1])


class _Columns:
    """The SELECT list being built; the same expression is selected once."""

    def __init__(self) -> None:
        self.items: list[Sql] = []
        self._index: dict[Sql, int] = {}

    def add(self, sql: Sql) -> int:
        if sql not in self._index:
            self._index[sql] = len(self.items)
            self.items.append(sql)
        return self._index[sql]

    def sql(self) -> Sql:
        return join_sql(self.items, ", ")


class _Compiler:
    def __init__(self, soql: str, schema: Schema, today: date, *, include_deleted: bool) -> None:
        self.soql = soql
        self.schema = schema
        self.today = today
        self.include_deleted = include_deleted
        self.semi_joins = 0

    def error(self, code: str, pos: int, text: str) -> SoqlError:
        return SoqlError.at(code, self.soql, pos, text)

    def sobject(self, name: str, pos: int) -> SObject:
        found = self.schema.object(name)
        if found is None:
            raise self.error(INVALID_TYPE, pos, unsupported_object(name))
        return found

    # -- the statement ----------------------------------------------------------------------

    def top(self, query: Query) -> tuple[SObject, Plan]:
        sobject = self.sobject(query.source, query.source_pos)
        scope = Scope(self.schema, sobject, "t", self.soql)
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise self.error(NUMBER_OUTSIDE_VALID_RANGE, query.offset_pos,
                             f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if any(isinstance(item, CountAll) for item in query.select):
            return sobject, self.count(query, scope)
        columns = _Columns()
        shape = RecordShape(sobject.name, columns.add(Sql(scope.root_column("Id"))))
        children: list[ChildPlan] = []
        paths: list[str] = []
        for item in query.select:
            if isinstance(item, ChildQuery):
                plan = self.child(sobject, item)
                if shape.slot(plan.key) is not None:
                    raise self.error(MALFORMED_QUERY, item.pos,
                                     f"duplicate field selected: {plan.key}")
                children.append(plan)
                shape.slots.append(Slot(plan.key, shape.id_index, child=True))
            else:
                assert isinstance(item, FieldPath)
                column = self.add_field(scope, columns, shape, item)
                paths.append(".".join([*(step.key for step in column.steps),
                                       column.field.name]))
        where = _prefixed(" WHERE ", self.conditions(scope, query))
        order = self.order_by(scope, query.order_by)
        window = Sql("")
        if query.limit is not None or query.offset is not None:
            window = Sql(" LIMIT ? OFFSET ?", (-1 if query.limit is None else query.limit,
                                               query.offset or 0))
        select = columns.sql()
        whole = join_sql([Sql(f"SELECT {select.text} FROM {scope.from_sql()}", select.params),
                          where, order, window], "")
        return sobject, Plan(whole.text, whole.params, shape, tuple(children), tuple(paths))

    def count(self, query: Query, scope: Scope) -> Plan:
        if len(query.select) > 1:
            counted = next(item for item in query.select if isinstance(item, CountAll))
            raise self.error(MALFORMED_QUERY, counted.pos,
                             "COUNT() must be the only element in the SELECT list")
        if query.order_by:
            raise self.error(MALFORMED_QUERY, query.order_by[0].field.pos,
                             outside_subset("ORDER BY with COUNT()"))
        where = _prefixed(" WHERE ", self.conditions(scope, query))
        whole = join_sql([Sql(f"SELECT COUNT(*) FROM {scope.from_sql()}"), where], "")
        return Plan(whole.text, whole.params, None)

    # -- pieces -----------------------------------------------------------------------------

    def add_field(self, scope: Scope, columns: _Columns, shape: RecordShape,
                  path: FieldPath) -> Column:
        column = scope.resolve(path)
        level = shape
        for step in column.steps:
            slot = level.slot(step.key)
            if slot is None or slot.parent is None:
                by_prefix = {}
                for name in step.targets:
                    target = self.schema.object(name)
                    if target is not None:
                        by_prefix[target.key_prefix] = target.name
                index = columns.add(step.id_sql)
                parent = RecordShape(step.targets[0] if len(step.targets) == 1 else None, index,
                                     by_prefix)
                slot = Slot(step.key, index, parent=parent)
                level.slots.append(slot)
            assert slot.parent is not None
            level = slot.parent
        key = column.field.name
        if level.slot(key) is not None:
            raise self.error(MALFORMED_QUERY, path.pos, f"duplicate field selected: {key}")
        level.slots.append(Slot(key, columns.add(column.sql), converter(column.field)))
        return column

    def conditions(self, scope: Scope, query: Query, refusal: str | None = None) -> Sql:
        """The query's WHERE with the implied ``IsDeleted = false``, joined by AND (or empty).

        ``refusal`` says why semi-joins are refused here; None allows them (top level only).
        """
        parts: list[Sql] = []
        if query.where is not None:
            semi_join = self.semi_join if refusal is None else self.refuse_semi_join(refusal)
            parts.append(ConditionCompiler(scope, self.today, semi_join).compile(query.where))
        if not self.include_deleted:
            parts.append(Sql(f"{scope.root_column('IsDeleted')} = 0"))
        return join_sql(parts, " AND ")

    def order_by(self, scope: Scope, items: tuple[OrderItem, ...]) -> Sql:
        if not items:
            return Sql("")
        parts = []
        for item in items:
            column = scope.resolve(item.field)
            if is_long_text(column.field):
                raise self.error(INVALID_FIELD, item.field.pos,
                                 f"field '{column.field.name}' can not be sorted in a query call")
            text_kind = column.field.type in STRING_KINDS
            nulls_first = (not item.descending) if item.nulls_first is None else item.nulls_first
            parts.append(Sql(
                f"{column.sql.text}{' COLLATE NOCASE' if text_kind else ''} "
                f"{'DESC' if item.descending else 'ASC'} "
                f"NULLS {'FIRST' if nulls_first else 'LAST'}",
                column.sql.params,
            ))
        combined = join_sql(parts, ", ")
        return Sql(f" ORDER BY {combined.text}", combined.params)

    # -- subqueries -------------------------------------------------------------------------

    def child(self, parent: SObject, item: ChildQuery) -> ChildPlan:
        query = item.query
        relationship = self.schema.child_relationship(parent.name, query.source)
        if relationship is None:
            raise self.error(INVALID_TYPE, query.source_pos,
                             unknown_child_relationship(query.source))
        sobject = self.sobject(relationship.child_object, query.source_pos)
        scope = Scope(self.schema, sobject, "c", self.soql)
        columns = _Columns()
        foreign_key = scope.root_column(relationship.field)
        columns.add(Sql(foreign_key))
        shape = RecordShape(sobject.name, columns.add(Sql(scope.root_column("Id"))))
        for field_item in query.select:
            if isinstance(field_item, CountAll):
                raise self.error(MALFORMED_QUERY, field_item.pos,
                                 outside_subset("COUNT() in a subquery"))
            if isinstance(field_item, ChildQuery):
                raise self.error(MALFORMED_QUERY, field_item.pos,
                                 outside_subset("a subquery inside a subquery"))
            self.add_field(scope, columns, shape, field_item)
        if query.offset is not None:
            raise self.error(MALFORMED_QUERY, query.offset_pos,
                             outside_subset("OFFSET in a subquery"))
        where = self.conditions(scope, query, "semi join sub-selects are not allowed in a "
                                              "child relationship subquery")
        order = self.order_by(scope, query.order_by)
        select = columns.sql()
        head = Sql(f"SELECT {select.text} FROM {scope.from_sql()} WHERE ", select.params)
        # the parent-id filter goes first (the executor fills it in); the rest follows
        tail = join_sql([_prefixed(" AND ", where), order], "")
        return ChildPlan(relationship.name, head, foreign_key, tail, shape, query.limit)

    def semi_join(self, leaf: SemiJoin) -> Sql:
        query = leaf.query
        sobject = self.sobject(query.source, query.source_pos)
        if len(query.select) != 1 or not isinstance(query.select[0], FieldPath):
            raise self.error(MALFORMED_QUERY, query.pos,
                             "a semi join sub-select must select exactly one Id or reference field")
        if query.order_by or query.limit is not None or query.offset is not None:
            raise self.error(MALFORMED_QUERY, query.pos,
                             outside_subset("ORDER BY, LIMIT or OFFSET in a semi join sub-select"))
        self.semi_joins += 1
        scope = Scope(self.schema, sobject, f"s{self.semi_joins}_", self.soql)
        path = query.select[0]
        column = scope.resolve(path)
        if column.steps:
            raise self.error(MALFORMED_QUERY, path.pos,
                             outside_subset("a relationship path in a semi join sub-select"))
        if column.field.type not in ("id", "reference"):
            raise self.error(INVALID_FIELD, path.pos,
                             f"Invalid semi join sub-select: '{column.field.name}' must be an "
                             "Id or reference field")
        where = self.conditions(scope, query, "Nesting of semi join sub-selects is not supported")
        # NULLs in the sub-select would make NOT IN false for every row
        not_null = Sql(f"{column.sql.text} IS NOT NULL")
        return join_sql([Sql(f"SELECT {column.sql.text} FROM {scope.from_sql()} WHERE "),
                         not_null, _prefixed(" AND ", where)], "")

    def refuse_semi_join(self, text: str) -> SemiJoinCompiler:
        def refuse(leaf: SemiJoin) -> Sql:
            raise self.error(MALFORMED_QUERY, leaf.pos, text)
        return refuse


def _prefixed(prefix: str, sql: Sql) -> Sql:
    return Sql(prefix + sql.text, sql.params) if sql.text else sql
