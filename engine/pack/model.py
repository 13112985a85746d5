"""A loaded rule pack: validated rules, field policies and rule test cases, ready to evaluate."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.conditions import Condition, ConditionData, Predicate, condition_paths, uses_stages
from engine.duplicates.config import DuplicatesConfig
from engine.model import Action, Context, Record, Severity
from engine.pack.duplicates_section import duplicate_needs
from engine.permissions import FieldPolicy
from engine.rules.base import KindSpec, Needs, ParamsBase
from engine.soql_plan import PullPlan, plan_for


@dataclass(frozen=True, slots=True)
class Source:
    """Where something was written: for messages that send the admin to the right line."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class RuleSpec(BaseModel):
    """The keys every rule has, whatever its kind (the kind's own keys sit beside them)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                    description="stable identity: findings are tracked by it; never reuse one")
    description: str = Field(min_length=1, description="what the rule protects, in plain words")
    kind: str = Field(description="the rule kind")
    object: str = Field(description="the Salesforce object checked, e.g. Contact")
    severity: Severity = Field(default=Severity.WARNING, description="info, warning or error")
    action: Action = Field(default=Action.REPORT,
                           description="report, task, fix (kinds that propose fixes) or revert "
                                       "(edit_violation)")
    routing: str | None = Field(
        default=None,
        description="who gets the review task (action task): owner (default), owner_manager, "
                    "editor_manager (edit_violation), or a user id or username")
    when: ConditionData = Field(default=None, description="only records where this holds")
    tags: list[str] = Field(default_factory=list, description="labels for reports and digests")
    due_in_days: int = Field(default=7, ge=1, le=365, description="review task due date (task)")


RoutingTarget = Literal["owner", "owner_manager", "editor_manager", "user"]


@dataclass(frozen=True, slots=True)
class Routing:
    target: RoutingTarget
    user: str | None = None  # id or username, for target "user"

    @classmethod
    def parse(cls, text: str) -> Routing:
        if text in ("owner", "owner_manager", "editor_manager"):
            return cls(text)  # type: ignore[arg-type]
        return cls("user", text)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    object: str
    kind: KindSpec
    severity: Severity
    action: Action
    params: ParamsBase
    source: Source
    routing: Routing = Routing("owner")
    when: Condition | None = None
    applies: Predicate | None = None
    tags: tuple[str, ...] = ()
    due_in_days: int = 7

    def needs(self) -> Needs:
        needs = self.kind.needs(self.params)
        if self.when is not None:
            needs = needs.merge(Needs(fields=frozenset(condition_paths(self.when)),
                                      stages=uses_stages(self.when)))
        if self.action is Action.TASK and self.routing.target != "owner":
            needs = needs.merge(Needs(users=True))
        return needs


@dataclass(frozen=True, slots=True)
class ExpectedFinding:
    record: str
    field: str | None
    message: str | None = None  # a part of the message
    evidence: Mapping[str, Any] | None = None  # a subset of the evidence


@dataclass(frozen=True, slots=True)
class ExpectedFix:
    record: str
    changes: Mapping[str, Any]  # field -> new value


@dataclass(frozen=True, slots=True)
class ExpectedTask:
    record: str | None
    owner: str


@dataclass(frozen=True, slots=True)
class RuleCase:
    """One rule test case: records in, findings (and fixes, tasks) expected out."""

    name: str
    rule_id: str
    records: tuple[Record, ...]
    context: Context
    findings: tuple[ExpectedFinding, ...]
    fixes: tuple[ExpectedFix, ...]
    tasks: tuple[ExpectedTask, ...] | None
    source: Source


@dataclass(frozen=True, slots=True)
class Pack:
    rules: tuple[Rule, ...]
    policies: tuple[FieldPolicy, ...] = ()
    cases: tuple[RuleCase, ...] = ()
    files: tuple[str, ...] = ()
    #: the duplicate matchers (the ``duplicates:`` section), by rule id; None when there is none
    duplicates: DuplicatesConfig | None = None
    #: where the ``duplicates:`` section is written
    duplicates_source: Source | None = None
    _by_object: Mapping[str, tuple[Rule, ...]] = field(init=False, repr=False, compare=False,
                                                        default_factory=dict)

    def __post_init__(self) -> None:
        by_object: dict[str, list[Rule]] = {}
        for rule in self.rules:
            by_object.setdefault(rule.object, []).append(rule)
        object.__setattr__(self, "_by_object", {k: tuple(v) for k, v in by_object.items()})

    @property
    def objects(self) -> tuple[str, ...]:
        return tuple(self._by_object)

    @property
    def duplicate_rule_ids(self) -> tuple[str, ...]:
        """The ids of the duplicate matchers: rules too, judged across the whole population."""
        return tuple(self.duplicates.matchers) if self.duplicates is not None else ()

    def titles(self) -> dict[str, str]:
        """Rule id -> its description without the closing full stop, matchers included: what
        a manager or an admin reads instead of an id."""
        described = [(rule.id, rule.description) for rule in self.rules]
        if self.duplicates is not None:
            described += [(rule_id, matcher.description)
                          for rule_id, matcher in self.duplicates.matchers.items()]
        return {rule_id: text.strip().removesuffix(".") for rule_id, text in described if text}

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule id of the pack, the duplicate matchers' included."""
        return (*(rule.id for rule in self.rules), *self.duplicate_rule_ids)

    def rule(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def for_object(self, obj: str) -> tuple[Rule, ...]:
        return self._by_object.get(obj, ())

    def only(self, rule_ids: Iterable[str]) -> Pack:
        """The same pack with only these rules (for ``rules explain`` and rule tests)."""
        wanted = set(rule_ids)
        return replace(self, rules=tuple(rule for rule in self.rules if rule.id in wanted),
                       duplicates=self._duplicates_where(lambda rule_id: rule_id in wanted))

    def from_file(self, name: str) -> Pack:
        """Only the rules written in the file called ``name`` (``hygiene.yaml``)."""
        here = self.duplicates_source is not None and \
            PurePath(self.duplicates_source.path).name == name
        return replace(self, rules=tuple(
            rule for rule in self.rules if PurePath(rule.source.path).name == name),
            duplicates=self.duplicates if here else None)

    def _duplicates_where(self, keep: Callable[[str], bool]) -> DuplicatesConfig | None:
        if self.duplicates is None:
            return None
        matchers = {rule_id: matcher for rule_id, matcher in self.duplicates.matchers.items()
                    if keep(rule_id)}
        return self.duplicates.model_copy(update={"matchers": matchers}) if matchers else None

    def plan(self) -> PullPlan:
        """What to pull: one query per object, with every field and child row the rules read
        (the duplicate matchers' fields included)."""
        needs = [(rule.object, rule.needs()) for rule in self.rules]
        if self.duplicates is not None:
            needs.extend(duplicate_needs(self.duplicates))
        return plan_for(needs)
