"""Query errors in Salesforce's shape: an errorCode and a message that points at the query.

Salesforce prints the query, a caret under the offending column and ``ERROR at Row:r:Column:c``
before the explanation; clients show that text verbatim, so the sandbox does the same.
"""

from __future__ import annotations

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_QUERY_FILTER_OPERATOR = "INVALID_QUERY_FILTER_OPERATOR"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"

_WSDL = "Please reference your WSDL or the describe call for the appropriate names."


class SoqlError(Exception):
    """A query Salesforce would refuse (or the sandbox cannot answer faithfully)."""

    error_code: str
    message: str
    #: the explanation alone, without the query and the caret
    text: str
    row: int
    column: int

    def __init__(self, error_code: str, message: str, *, text: str = "", row: int = 0,
                 column: int = 0) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.text = text or message
        self.row = row
        self.column = column

    @classmethod
    def at(cls, error_code: str, soql: str, offset: int, text: str) -> SoqlError:
        """An error pointing at character ``offset`` (0-based) of ``soql``."""
        offset = max(0, min(offset, len(soql)))
        row = soql.count("\n", 0, offset) + 1
        column = offset - (soql.rfind("\n", 0, offset) + 1) + 1
        message = f"\n{soql}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{text}"
        return cls(error_code, message, text=text, row=row, column=column)


def no_such_column(field: str, entity: str) -> str:
    return (f"No such column '{field}' on entity '{entity}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. " + _WSDL)


def unsupported_object(name: str) -> str:
    return (f"sObject type '{name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. " + _WSDL)


def unknown_relationship(name: str) -> str:
    return (f"Didn't understand relationship '{name}' in field path. If you are attempting to "
            "use a custom relationship, be sure to append the '__r' after the custom "
            "relationship name. " + _WSDL)


def unknown_child_relationship(name: str) -> str:
    return (f"Didn't understand relationship '{name}' in FROM part of query call. If you are "
            "attempting to use a custom relationship, be sure to append the '__r' after the "
            "custom relationship name. " + _WSDL)


def outside_subset(what: str) -> str:
    return f"{what} is outside the sandbox's SOQL subset"
