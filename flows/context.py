"""What the rules may consult besides the records: stages, users, permission sets, describe.

Read from the org once per run (a handful of calls, whatever the org's size); the engine turns
the rows into a plain :class:`engine.model.Context`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from connectors.salesforce import SalesforceClient
from engine.model import Context, FieldInfo
from engine.orgdata import ASSIGNMENTS_SOQL, STAGES_SOQL, USERS_SOQL, context_from_rows


def read_describe(client: SalesforceClient,
                  objects: Iterable[str]) -> dict[str, dict[str, FieldInfo]]:
    return {name: client.describe_fields(name) for name in objects}


def build_context(client: SalesforceClient, *, today: date, objects: Iterable[str]) -> Context:
    return context_from_rows(
        today,
        stages=list(client.query(STAGES_SOQL)),
        users=list(client.query(USERS_SOQL)),
        assignments=list(client.query(ASSIGNMENTS_SOQL)),
        fields=read_describe(client, objects),
    )
