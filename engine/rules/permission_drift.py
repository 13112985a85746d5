"""permission_drift: permission sets that let more people edit a field than its policy allows.

Who *can* change the data? If the answer includes reps where the policy says Sales Ops, that is
a finding: one per permission set and field, on the PermissionSet record (profiles own one
permission set each, so a profile's grants show up as its permission set, named after the
profile). The policies are the ``policies`` of the rule files (see engine/permissions.py); a
permission set may grant edit when its Name, Label or owning profile is among the policy's
editors in any state.

Keys: ``fields``: only these policy fields (``Opportunity.Amount``), default all policies.
Object: PermissionSet. Actions: report, task (route it to whoever administers the org, e.g.
``routing: admin@example.com``); a permission is never changed automatically.

Example, with the policy ``Opportunity.Probability: [Sales Manager, Sales Ops]``::

    - id: permission-drift
      kind: permission_drift
      object: PermissionSet

passes ``{Name: Sales_Ops, Label: Sales Ops, FieldPerms: [{Field: Opportunity.Probability,
PermissionsEdit: true}]}``; fails the profile-owned set of "Sales Rep" with the same row, with
"profile 'Sales Rep' can edit Opportunity.Probability; the policy allows Sales Manager, Sales Ops".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property

from pydantic import Field

from engine.located import Problem
from engine.model import Action, Context, Record
from engine.permissions import FieldPolicy, permission_set_grants
from engine.rules.base import Needs, ParamsBase, Violation
from engine.values import children

KIND = "permission_drift"
ACTIONS = (Action.REPORT, Action.TASK)
OBJECTS = ("PermissionSet",)
USES_POLICIES = True


class Params(ParamsBase):
    fields: list[str] | None = Field(default=None, min_length=1,
                                     description="policy fields to check (Object.Field)")

    @cached_property
    def policies(self) -> dict[str, FieldPolicy]:
        """The policies checked, by field; filled by :meth:`use_policies` at load."""
        return {}

    def use_policies(self, policies: Sequence[FieldPolicy]) -> Iterator[Problem]:
        by_key = {policy.key: policy for policy in policies}
        if not by_key:
            yield Problem(("kind",), "no field policy to check: declare them under 'policies'")
            return
        wanted = self.fields if self.fields is not None else list(by_key)
        for index, key in enumerate(wanted):
            if key not in by_key:
                yield Problem(("fields", index), f"no policy for {key}; policies cover "
                                                 + ", ".join(sorted(by_key)))
        self.policies.update({key: by_key[key] for key in wanted if key in by_key})


def needs(params: Params) -> Needs:
    return Needs(
        fields=frozenset({"Name", "Label", "IsOwnedByProfile", "ProfileId", "Profile.Name"}),
        children={"FieldPerms": frozenset({"Field", "SobjectType", "PermissionsEdit"}),
                  "Assignments": frozenset({"AssigneeId"})},
    )


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    policies = params.policies
    grants, called = permission_set_grants(record)
    reported: set[str] = set()
    for row in children(record, "FieldPerms"):
        key = row.get("Field")
        if row.get("PermissionsEdit") is not True or key in reported or not isinstance(key, str):
            continue
        policy = policies.get(key)
        if policy is None or grants & policy.anyone:
            continue
        reported.add(key)
        allowed = ", ".join(policy.anyone_shown)
        assignees = len(children(record, "Assignments"))
        yield Violation(
            field=key,
            message=f"{called} can edit {key}; the policy allows {allowed}",
            evidence={"permission_set": record.get("Name"), "granted_to": called,
                      "allowed": list(policy.anyone_shown), "assignees": assignees},
        )
