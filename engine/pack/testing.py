"""Running the rule test cases of a pack (``weeder rules test``) and saying what differed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.model import Finding, Fix, TaskRequest
from engine.pack.evaluate import evaluate
from engine.pack.model import ExpectedFinding, ExpectedFix, ExpectedTask, Pack, RuleCase
from engine.values import display, same_value


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: RuleCase
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def run_case(pack: Pack, case: RuleCase) -> CaseResult:
    rule = pack.rule(case.rule_id)
    if rule is None:
        return CaseResult(case, (f"no rule {case.rule_id!r} in the pack",))
    result = evaluate(pack.only([case.rule_id]), {rule.object: case.records}, case.context)
    problems = [f"{failure.record_id}: the rule failed: {failure.error}"
                for failure in result.failures]
    problems += _compare_findings(case.findings, result.findings)
    problems += _compare_fixes(case.fixes, result.fixes)
    if case.tasks is not None:
        problems += _compare_tasks(case.tasks, result.tasks)
    return CaseResult(case, tuple(problems))


def run_cases(pack: Pack) -> list[CaseResult]:
    return [run_case(pack, case) for case in pack.cases]


def untested_rules(pack: Pack) -> list[str]:
    tested = {case.rule_id for case in pack.cases}
    return [rule.id for rule in pack.rules if rule.id not in tested]


def _where(record: str, field: str | None) -> str:
    return f"{record} {field}" if field else record


def _compare_findings(expected: Iterable[ExpectedFinding], actual: list[Finding]) -> list[str]:
    problems = []
    remaining = list(actual)
    for want in expected:
        match = next((f for f in remaining
                      if f.record_id == want.record and f.field == want.field), None)
        if match is None:
            problems.append(f"expected a finding on {_where(want.record, want.field)}, got none")
            continue
        remaining.remove(match)
        if want.message is not None and want.message not in match.message:
            problems.append(f"finding on {_where(want.record, want.field)}: message "
                            f"{match.message!r} does not contain {want.message!r}")
        for key, value in (want.evidence or {}).items():
            if not _same(match.evidence.get(key), value):
                problems.append(f"finding on {_where(want.record, want.field)}: evidence {key} is "
                                f"{display(match.evidence.get(key))}, expected {display(value)}")
    problems += [f"unexpected finding on {_where(f.record_id, f.field)}: {f.message}"
                 for f in remaining]
    return problems


def _compare_fixes(expected: Iterable[ExpectedFix], actual: list[Fix]) -> list[str]:
    problems = []
    written: dict[tuple[str, str], Any] = {}
    for fix in actual:
        for name, change in fix.changes.items():
            written[(fix.record_id, name)] = change.new
    for want in expected:
        for name, value in want.changes.items():
            key = (want.record, name)
            if key not in written:
                problems.append(f"expected a fix writing {name} = {display(value)} on "
                                f"{want.record}, got none")
            elif not same_value(written.pop(key), value):
                problems.append(f"fix on {want.record} writes {name} = "
                                f"{display(_written(actual, key))}, expected {display(value)}")
    problems += [f"unexpected fix on {record}: {name} = {display(value)}"
                 for (record, name), value in written.items()]
    return problems


def _written(actual: list[Fix], key: tuple[str, str]) -> Any:
    for fix in actual:
        if fix.record_id == key[0] and key[1] in fix.changes:
            return fix.changes[key[1]].new
    return None


def _compare_tasks(expected: Iterable[ExpectedTask], actual: list[TaskRequest]) -> list[str]:
    problems = []
    remaining = [(task.what_id or task.who_id, task.owner_id) for task in actual]
    for want in expected:
        key = (want.record, want.owner)
        if key in remaining:
            remaining.remove(key)
        else:
            problems.append(f"expected a task on {want.record} for {want.owner}, got none")
    problems += [f"unexpected task on {record} for {owner}" for record, owner in remaining]
    return problems


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return all(_same(actual.get(k), v) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(map(_same, actual, expected))
    return same_value(actual, expected)
