"""The default pack on a freshly seeded sandbox org: every planted defect found, nothing else.

The seed (``weeder sandbox seed``) plants the defects of docs/seeded-defects.md and lists them
in a manifest; this test pulls the org with the pack's own pull plan (one SOQL query per
object, run by the sandbox's SOQL engine in-process), evaluates, and prints precision and
recall per defect kind. Duplicates are the duplicate matcher's, not this pack's.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine.orgdata import ASSIGNMENTS_SOQL, STAGES_SOQL, USERS_SOQL, context_from_rows
from engine.pack import Evaluation, Pack, evaluate, load_pack
from sandbox.db import connect, load_schema
from sandbox.seed import seed_org
from sandbox.soql.compiler import compile_query
from sandbox.soql.executor import execute

RULES = Path(__file__).resolve().parents[3] / "rules"
TODAY = date(2026, 11, 22)
NOT_THIS_PACK = {"duplicate_account", "duplicate_contact", "duplicate_lead",
                 "lead_matches_contact"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pack, Evaluation, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("org")
    db, manifest_path = folder / "org.db", folder / "manifest.json"
    seed_org(db, size=2000, seed=7, manifest_path=manifest_path, today=TODAY)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    conn = connect(db)
    schema = load_schema(conn)

    def query(soql: str) -> list[dict[str, Any]]:
        return execute(conn, compile_query(soql, schema, today=TODAY)).records

    pack = load_pack(RULES)
    records = {obj: query(plan.soql()) for obj, plan in pack.plan().objects.items()}
    ctx = context_from_rows(TODAY, stages=query(STAGES_SOQL), users=query(USERS_SOQL),
                            assignments=query(ASSIGNMENTS_SOQL))
    conn.close()
    return pack, evaluate(pack, records, ctx), manifest


def _scores(pack: Pack, result: Evaluation,
            manifest: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """kind -> (found, missed, flagged but not planted)."""
    planted = {(d["kind"], d["object"], d["record_id"], d["field"]) for d in manifest["defects"]
               if d["kind"] not in NOT_THIS_PACK}
    kinds = {kind for kind, *_ in planted}
    tags = {rule.id: [tag for tag in rule.tags if tag in kinds] for rule in pack.rules}
    matched: set[tuple[str, str, str, str | None]] = set()
    extra: Counter[str] = Counter()
    for finding in result.findings:
        hits = {(kind, finding.object, finding.record_id, finding.field)
                for kind in tags[finding.rule_id]} & planted
        if hits:
            matched |= hits
        else:
            extra[(tags[finding.rule_id] or [finding.rule_id])[0]] += 1
    found = Counter(kind for kind, *_ in matched)
    missed = Counter(kind for kind, *_ in planted - matched)
    return {kind: (found[kind], missed[kind], extra[kind]) for kind in sorted(kinds | set(extra))}


def test_every_planted_defect_is_found_and_nothing_else(
        seeded: tuple[Pack, Evaluation, dict[str, Any]]) -> None:
    pack, result, manifest = seeded
    scores = _scores(pack, result, manifest)
    lines = [f"{'defect kind':28} {'found':>5} {'missed':>6} {'extra':>5} {'recall':>7} "
             f"{'precision':>9}"]
    for kind, (found, missed, extra) in scores.items():
        recall = found / (found + missed) if found + missed else 1.0
        precision = found / (found + extra) if found + extra else 1.0
        lines.append(f"{kind:28} {found:5} {missed:6} {extra:5} {recall:7.2f} {precision:9.2f}")
    report = "\n".join(lines)
    print("\n" + report)
    assert result.failures == []
    assert len(scores) >= 20, report
    assert all(missed == 0 and extra == 0 for _, missed, extra in scores.values()), report


def test_controls_are_left_alone(seeded: tuple[Pack, Evaluation, dict[str, Any]]) -> None:
    _, result, manifest = seeded
    controls = {(c["object"], c["record_id"], c["field"]) for c in manifest["controls"]
                if c["kind"] == "stage_jump_with_notes"}
    assert controls, "the seed plants big stage jumps with notes as controls"
    flagged = {(f.object, f.record_id, f.field) for f in result.findings}
    assert controls & flagged == set()


def test_fixes_are_conditional_on_what_was_read(
        seeded: tuple[Pack, Evaluation, dict[str, Any]]) -> None:
    _, result, _ = seeded
    assert result.fixes
    assert all(fix.read_stamp and fix.fingerprint for fix in result.fixes)
    by_rule = Counter(fix.rule_id for fix in result.fixes)
    assert by_rule["opportunity-unauthorised-edit"] >= 1
    assert by_rule["account-billing-country-canonical"] >= 1
