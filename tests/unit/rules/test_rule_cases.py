"""Engine tests per rule kind, from YAML case files (sqlfluff's std_rule_cases style).

Each ``cases/<kind>.yml`` is an ordinary rule file: rules of that kind plus ``tests`` — records
in, findings and fixes expected out. Every case becomes one pytest test, named after its file
and its description, and fails with what differed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.pack import Pack, RuleCase, load_pack, run_case
from engine.rules import KINDS

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.yml"))


def _cases() -> list[Any]:
    params: list[Any] = []
    for path in CASE_FILES:
        pack = load_pack(path)
        params += [pytest.param(pack, case, id=f"{path.stem}::{case.name}") for case in pack.cases]
    return params


@pytest.mark.parametrize(("pack", "case"), _cases())
def test_case(pack: Pack, case: RuleCase) -> None:
    result = run_case(pack, case)
    assert result.passed, f"{case.source} {case.name}:\n  " + "\n  ".join(result.problems)


def test_every_kind_has_a_case_file() -> None:
    assert set(KINDS) <= {path.stem for path in CASE_FILES}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_shown_passing_and_failing(kind: str) -> None:
    pack = load_pack(CASES / f"{kind}.yml")
    own = [case for case in pack.cases if pack.rule(case.rule_id).kind.name == kind]  # type: ignore[union-attr]
    assert any(not case.findings for case in own), f"{kind}: no case where nothing is found"
    assert any(case.findings for case in own), f"{kind}: no case where something is found"


def test_a_wrong_expectation_fails_and_says_what_differed(tmp_path: Path) -> None:
    wrong = (CASES / "required.yml").read_text(encoding="utf-8").replace(
        "- {record: L4, field: Company}", "- {record: L5, field: Company}")
    path = tmp_path / "required.yml"
    path.write_text(wrong, encoding="utf-8")
    pack = load_pack(path)
    results = [run_case(pack, case) for case in pack.cases]
    failed = [result for result in results if not result.passed]
    assert len(failed) == 1
    assert failed[0].problems == (
        "expected a finding on L5 Company, got none",
        "unexpected finding on L4 Company: Company is empty",
    )
