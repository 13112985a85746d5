"""Rule test cases written in the rule files: records in; findings, fixes and tasks expected out.

::

    context:                      # defaults for the file's cases (all optional)
      today: 2026-11-22
      users:
        005000000000001AAA: {name: Ann Lee, profile: Sales Rep, manager: 005000000000002AAA}
    tests:
      - name: a lead with an email but no company is flagged
        rule: lead-company-required
        records:
          - {Id: 00Q000000000001AAA, Email: ann@acme.com, Company: null}
        expect:
          findings: [{record: 00Q000000000001AAA, field: Company}]

``expect.findings`` and ``expect.fixes`` must match exactly (a passing case expects
``findings: []``); an expected finding may also give part of its ``message`` and a subset of
its ``evidence``. ``expect.tasks`` is compared only when given. Without ``today`` a case runs on
2026-01-01; without ``stages``, on Salesforce's standard opportunity stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.located import Loc, Problem, did_you_mean
from engine.model import Context, Stage
from engine.pack.messages import problems_from
from engine.pack.model import ExpectedFinding, ExpectedFix, ExpectedTask, Rule, RuleCase, Source
from engine.pack.yaml_source import Document

DEFAULT_TODAY = date(2026, 1, 1)

#: Salesforce's standard opportunity stages (name, sort order, closed, won, probability).
STANDARD_STAGES: tuple[Stage, ...] = tuple(
    Stage(name, order, closed, won, True, probability)
    for name, order, closed, won, probability in (
        ("Prospecting", 1, False, False, 10.0), ("Qualification", 2, False, False, 10.0),
        ("Needs Analysis", 3, False, False, 20.0), ("Value Proposition", 4, False, False, 50.0),
        ("Id. Decision Makers", 5, False, False, 60.0),
        ("Perception Analysis", 6, False, False, 70.0),
        ("Proposal/Price Quote", 7, False, False, 75.0),
        ("Negotiation/Review", 8, False, False, 90.0), ("Closed Won", 9, True, True, 100.0),
        ("Closed Lost", 10, True, False, 0.0),
    )
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class StageSpec(_Strict):
    name: str
    sort_order: int | None = Field(default=None, description="default: position in the list")
    closed: bool = False
    won: bool = False
    probability: float | None = None
    active: bool = True


class UserSpec(_Strict):
    name: str | None = None
    username: str | None = None
    profile: str | None = None
    manager: str | None = Field(default=None, description="the manager's user id")
    permission_sets: list[str] = Field(default_factory=list)
    active: bool = True


class ContextSpec(_Strict):
    """What the rules may consult besides the records, for test cases."""

    today: date | None = None
    stages: list[StageSpec] | None = None
    users: dict[str, UserSpec] | None = None


class ExpectedFindingSpec(_Strict):
    record: str
    field: str | None
    message: str | None = Field(default=None, description="a part of the finding's message")
    evidence: dict[str, Any] | None = Field(default=None, description="a subset of its evidence")


class ExpectedFixSpec(_Strict):
    record: str
    changes: dict[str, Any] = Field(min_length=1, description="field -> the value written")


class ExpectedTaskSpec(_Strict):
    record: str | None
    owner: str = Field(description="the assignee's user id")


class ExpectSpec(_Strict):
    findings: list[ExpectedFindingSpec] = Field(default_factory=list)
    fixes: list[ExpectedFixSpec] = Field(default_factory=list)
    tasks: list[ExpectedTaskSpec] | None = None


class CaseSpec(_Strict):
    name: str = Field(min_length=1, description="what the case shows, in words")
    rule: str = Field(description="id of the rule under test")
    records: list[dict[str, Any]] = Field(min_length=1, description="records of the rule's object")
    context: ContextSpec | None = None
    expect: ExpectSpec


@dataclass(frozen=True, slots=True)
class CaseDefaults:
    context: ContextSpec

    @classmethod
    def read(cls, data: Any) -> CaseDefaults | list[Problem]:
        if data is None:
            return cls(ContextSpec())
        try:
            return cls(ContextSpec.model_validate(data))
        except ValidationError as error:
            return list(problems_from(error, ContextSpec))


def _context(spec: ContextSpec, defaults: ContextSpec) -> Context:
    today = spec.today or defaults.today or DEFAULT_TODAY
    stage_specs = spec.stages if spec.stages is not None else defaults.stages
    stages = STANDARD_STAGES if stage_specs is None else tuple(
        Stage(s.name, s.sort_order if s.sort_order is not None else index + 1, s.closed, s.won,
              s.active, s.probability)
        for index, s in enumerate(stage_specs)
    )
    user_specs = spec.users if spec.users is not None else (defaults.users or {})
    users: dict[str, Mapping[str, Any]] = {}
    permission_sets: dict[str, frozenset[str]] = {}
    for user_id, user in user_specs.items():
        users[user_id] = {"Id": user_id, "Name": user.name or user_id, "Username": user.username,
                          "ManagerId": user.manager, "Profile.Name": user.profile,
                          "IsActive": user.active}
        permission_sets[user_id] = frozenset(user.permission_sets)
    return Context(today=today, stages=stages, users=users, user_permission_sets=permission_sets)


def parse_cases(document: Document, rules: Mapping[str, Rule], known_ids: set[str],
                defaults: CaseDefaults) -> tuple[list[RuleCase], list[Problem]]:
    cases: list[RuleCase] = []
    problems: list[Problem] = []
    for index, data in enumerate(document.data.get("tests") or []):
        loc: Loc = ("tests", index)
        if not isinstance(data, dict):
            problems.append(Problem(loc, "a test case is a mapping with name, rule, records "
                                         "and expect"))
            continue
        try:
            spec = CaseSpec.model_validate(data)
        except ValidationError as error:
            problems.extend(problems_from(error, CaseSpec, loc))
            continue
        if spec.rule not in known_ids:
            problems.append(Problem((*loc, "rule"), f"no rule with id '{spec.rule}'"
                                                    f"{did_you_mean(spec.rule, known_ids)}"))
            continue
        rule = rules.get(spec.rule)
        if rule is None:
            continue  # the rule itself has errors, already reported
        bad_records = [i for i, record in enumerate(spec.records)
                       if not isinstance(record.get("Id"), str) or not record.get("Id")]
        for record_index in bad_records:
            problems.append(Problem((*loc, "records", record_index),
                                    "each test record needs an Id (text)"))
        if bad_records:
            continue
        mark = document.value_mark(loc)
        expect = spec.expect
        cases.append(RuleCase(
            name=spec.name, rule_id=spec.rule, records=tuple(spec.records),
            context=_context(spec.context or ContextSpec(), defaults.context),
            findings=tuple(ExpectedFinding(f.record, f.field, f.message, f.evidence)
                           for f in expect.findings),
            fixes=tuple(ExpectedFix(f.record, f.changes) for f in expect.fixes),
            tasks=None if expect.tasks is None else tuple(
                ExpectedTask(t.record, t.owner) for t in expect.tasks),
            source=Source(document.path, mark.line, mark.column),
        ))
    return cases, problems
