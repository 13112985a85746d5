"""The sandbox's SOQL subset: parse, compile to parameterised SQLite SQL, execute, shape.

    compiled = compile_query("SELECT Name, Owner.Name FROM Account", schema, today=date.today())
    result = execute(conn, compiled, include_deleted=False, api_version="59.0")
    result.total_size, result.records   # records in Salesforce's JSON shape

Errors are :class:`SoqlError` with Salesforce's errorCode and message (query, caret, row and
column). See parser.py for the grammar and filters.py for the null semantics.
"""

from sandbox.soql.compiler import CompiledQuery, compile_query
from sandbox.soql.errors import SoqlError
from sandbox.soql.executor import QueryResult, execute
from sandbox.soql.nodes import Query
from sandbox.soql.parser import parse
from sandbox.soql.shape import field_value

__all__ = ["CompiledQuery", "Query", "QueryResult", "SoqlError", "compile_query", "execute",
           "field_value", "parse"]
