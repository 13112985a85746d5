"""Evaluating a pack: records in; findings, fixes and review-task requests out. Writes nothing.

The loop is the hot path (the hygiene pack runs over every record of the org every hour), so it
does nothing per record that could be done once: conditions and params are compiled at load,
and a Finding is only built when a check yields a violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import structlog

from engine.model import Action, Context, Finding, Fix, Record, TaskRequest
from engine.pack.model import Pack, Rule
from engine.pack.tasks import task_for
from engine.rules.base import Violation

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A check that raised on one record: reported, and the run goes on with the others."""

    rule_id: str
    object: str
    record_id: str | None
    error: str


@dataclass(slots=True)
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    tasks: list[TaskRequest] = field(default_factory=list)
    #: records checked per object
    checked: dict[str, int] = field(default_factory=dict)
    failures: list[RuleFailure] = field(default_factory=list)
    #: rule id -> how many records it failed on
    failures_by_rule: dict[str, int] = field(default_factory=dict)


def evaluate(pack: Pack, records_by_object: Mapping[str, Iterable[Record]],
             ctx: Context) -> Evaluation:
    """Run every rule of ``pack`` on the records of its object."""
    result = Evaluation()
    for obj, records in records_by_object.items():
        rules = pack.for_object(obj)
        if not rules:
            continue
        # Rules without a `when` skip the test entirely: this loop runs records x rules times.
        always = [(rule.kind.check, rule.params, rule) for rule in rules if rule.applies is None]
        sometimes = [(rule.applies, rule.kind.check, rule.params, rule) for rule in rules
                     if rule.applies is not None]
        count = 0
        for record in records:
            count += 1
            for check, params, rule in always:
                try:
                    for violation in check(params, record, ctx):
                        _emit(result, rule, record, violation, ctx)
                except Exception as error:  # one odd record must not stop the audit
                    _failed(result, rule, record, error)
            for applies, check, params, rule in sometimes:
                try:
                    if applies(record, ctx):
                        for violation in check(params, record, ctx):
                            _emit(result, rule, record, violation, ctx)
                except Exception as error:
                    _failed(result, rule, record, error)
        result.checked[obj] = result.checked.get(obj, 0) + count
    return result


def _emit(result: Evaluation, rule: Rule, record: Record, violation: Violation,
          ctx: Context) -> None:
    record_id = str(record.get("Id"))
    evidence = violation.evidence
    if violation.changes and rule.action not in (Action.FIX, Action.REVERT):
        # Reported, not written: the suggestion travels with the finding.
        evidence = {**evidence, "suggested": {name: change.new
                                              for name, change in violation.changes.items()}}
    finding = Finding(
        rule_id=rule.id, severity=rule.severity, object=rule.object, record_id=record_id,
        field=violation.field, message=violation.message, evidence=evidence,
        owner_id=record.get("OwnerId"), action=rule.action,
    )
    result.findings.append(finding)
    if violation.changes and rule.action in (Action.FIX, Action.REVERT):
        result.fixes.append(Fix(
            rule_id=rule.id, object=rule.object, record_id=record_id, changes=violation.changes,
            safe=violation.safe, read_stamp=record.get("SystemModstamp"),
            fingerprint=finding.fingerprint,
        ))
    elif rule.action is Action.TASK:
        task = task_for(rule, record, finding, violation, ctx)
        if task is not None:
            result.tasks.append(task)


#: failures logged one by one per rule; the rest are counted in the result only
_LOGGED_FAILURES = 5


def _failed(result: Evaluation, rule: Rule, record: Record, error: Exception) -> None:
    record_id = record.get("Id") if isinstance(record, Mapping) else None
    failure = RuleFailure(rule.id, rule.object, record_id, f"{type(error).__name__}: {error}")
    result.failures.append(failure)
    count = result.failures_by_rule[rule.id] = result.failures_by_rule.get(rule.id, 0) + 1
    if count <= _LOGGED_FAILURES:
        log.warning("rule_failed", rule_id=rule.id, object=rule.object, record_id=record_id,
                    error=failure.error, more_not_logged=count == _LOGGED_FAILURES)
