"""edit_violation: history showing a policy field edited by someone the policy does not allow.

Who *did* change the data? For every field under a policy (see engine/permissions.py) the rule
reads the record's field history, works out who was allowed to edit at that moment — the
policy's states are evaluated on the record as it was just before the edit, so an Amount
changed after the deal was Closed Won is judged by the Closed Won editors — and flags the edits
made by anyone else. An edit stays a finding until someone allowed edits the field again.

Changes Salesforce makes on its own are not edits: Probability and ForecastCategoryName
changing in the same save as StageName follow the stage. Users the context does not know are
skipped (their profile cannot be checked).

Keys: ``fields``: only these policy fields of the object (default all); ``since_days``: ignore
edits older than this (default: as far back as the org keeps history).
Actions: report; task (with ``routing: editor_manager``, the editor's manager reviews it);
revert — write the value back as it was before the unauthorised edits, but only while the field
still holds what the editor wrote (otherwise the finding is reported without a fix).

Example, with the Amount policy above::

    - id: opportunity-unauthorised-edit
      kind: edit_violation
      object: Opportunity
      action: revert

passes an Amount change by a Sales Manager while the deal was open; fails an Amount change by a
Sales Rep after the deal was Closed Won, proposing to write the previous Amount back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from functools import cached_property

from pydantic import Field

from engine.conditions import uses_stages
from engine.history import (
    FIELD_HISTORY,
    FIELD_HISTORY_FIELDS,
    OPPORTUNITY_HISTORY,
    OPPORTUNITY_HISTORY_FIELDS,
    Change,
    as_of,
    field_changes,
    stage_changes,
)
from engine.located import Problem
from engine.model import Action, Context, FieldChange, Record
from engine.permissions import FieldPolicy, user_grants
from engine.rules.base import Needs, ParamsBase, Violation
from engine.values import display, like, same_value

KIND = "edit_violation"
ACTIONS = (Action.REPORT, Action.TASK, Action.REVERT)
OBJECTS = ("Account", "Contact", "Lead", "Opportunity")
USES_POLICIES = True

#: Fields Salesforce sets from the stage in the same save as a stage change.
STAGE_DERIVED = frozenset({"Probability", "ForecastCategoryName", "ForecastCategory"})


class Params(ParamsBase):
    fields: list[str] | None = Field(default=None, min_length=1,
                                     description="policy fields of the object to check")
    since_days: int | None = Field(default=None, ge=1, description="ignore older edits")

    @cached_property
    def policies(self) -> dict[str, FieldPolicy]:
        """The policies checked, by field; filled by :meth:`use_policies` at load."""
        return {}

    def use_policies(self, policies: Sequence[FieldPolicy]) -> Iterator[Problem]:
        mine = {policy.field: policy for policy in policies if policy.object == self.rule_object}
        if not mine:
            yield Problem(("object",), f"no field policy covers {self.rule_object}: declare one "
                                       "under 'policies'")
            return
        wanted = self.fields if self.fields is not None else list(mine)
        for index, name in enumerate(wanted):
            if name not in mine:
                covered = ", ".join(sorted(mine))
                yield Problem(("fields", index),
                              f"no policy for {self.rule_object}.{name}; policies cover {covered}")
        self.policies.update({name: mine[name] for name in wanted if name in mine})


def needs(params: Params) -> Needs:
    fields = set(params.policies)
    for policy in params.policies.values():
        fields |= policy.state_fields()
    kids = {FIELD_HISTORY: FIELD_HISTORY_FIELDS}
    if params.rule_object == "Opportunity":
        kids[OPPORTUNITY_HISTORY] = OPPORTUNITY_HISTORY_FIELDS
    stages = any(uses_stages(state.condition) for policy in params.policies.values()
                 for state in policy.states)
    return Needs(fields=frozenset(fields), children=kids, stages=stages, users=True)


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    changes = field_changes(record)
    if not changes:
        return
    stage_saves = {change.at for change in stage_changes(record)}
    stage_saves.update(change.at for change in changes if change.field == "StageName")
    cutoff = None
    if params.since_days is not None:
        cutoff = ctx.today - timedelta(days=params.since_days)
    for name, policy in params.policies.items():
        run: list[tuple[Change, tuple[str, ...]]] = []
        for change in changes:
            if change.field != name:
                continue
            if name in STAGE_DERIVED and change.at in stage_saves:
                continue
            grants = user_grants(ctx, change.by)
            if grants is None:
                continue
            before = as_of(record, policy.state_fields(), change.at) if policy.states else record
            allowed, shown = policy.editors_for(before, ctx)
            if grants & allowed:
                run = []  # an allowed edit settles the field again
            elif cutoff is None or change.at.date() >= cutoff:
                run.append((change, shown))
        if run:
            yield _violation(name, run, record, ctx)


def _violation(name: str, run: list[tuple[Change, tuple[str, ...]]], record: Record,
               ctx: Context) -> Violation:
    last, shown = run[-1]
    editor = ctx.users.get(last.by or "", {})
    editor_name = editor.get("Name") or last.by
    current = record.get(name)
    changes = None
    if same_value(current, last.new):
        changes = {name: FieldChange(current, like(current, run[0][0].old))}
    return Violation(
        field=name,
        message=(f"{name} changed from {display(last.old, quoted=False)} to "
                 f"{display(last.new, quoted=False)} by "
                 f"{editor_name} on {last.when[:10]}; only {', '.join(shown)} may edit it"),
        evidence={
            "editor_id": last.by, "editor": editor_name, "old": last.old, "new": last.new,
            "when": last.when, "allowed": list(shown),
            "edits": [{"by": change.by, "when": change.when, "old": change.old,
                       "new": change.new} for change, _ in run],
        },
        changes=changes,
        editor_id=last.by,
    )
