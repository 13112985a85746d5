"""required: a field must be filled in — always, or only when a condition holds.

Incomplete data is the kind you negotiate: decide who fills the field and when. Empty means
null, empty text or only spaces. Put the circumstances in the rule's ``when``.

Keys: ``field`` (or ``fields``: each is checked and reported on its own).
Actions: report, task.

Example — a lead with an email must name its company::

    - id: lead-company-required
      kind: required
      object: Lead
      field: Company
      when: {field: Email, present: true}

passes ``{Email: ann@acme.com, Company: Acme}`` and ``{Email: null, Company: null}``;
fails ``{Email: ann@acme.com, Company: "  "}`` with "Company is empty".
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.model import Action, Context, Record
from engine.rules.base import FieldsParams, Needs, Violation
from engine.values import is_blank

KIND = "required"
ACTIONS = (Action.REPORT, Action.TASK)
FIELD_PARAMS = ("field", "fields")


class Params(FieldsParams):
    pass


def needs(params: Params) -> Needs:
    return Needs(fields=frozenset(params.targets))


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    for name in params.targets:
        if is_blank(record.get(name)):
            yield Violation(field=name, message=f"{name} is empty")
