"""`weeder rules …`: validate, test, explain and describe the YAML rule files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from engine.model import FieldInfo
    from engine.pack import Evaluation, Pack

app = typer.Typer(help="Validate, test and explain the YAML rules.", no_args_is_help=True)

DirArgument = Annotated[
    Path, typer.Argument(help="A rules directory (every *.yaml under it) or a single rule file.")
]


def _describe_from(path: Path | None) -> dict[str, dict[str, FieldInfo]] | None:
    """Describe results saved as JSON ({object: describe}) -> the loader's field metadata."""
    if path is None:
        return None
    import json

    from engine.errors import WeederError
    from engine.sfschema import field_infos_from_describe

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise WeederError(f"cannot read describe metadata from {path}: {error}") from None
    if not isinstance(raw, dict):
        raise WeederError(f"{path}: expected a JSON object mapping object names to describe "
                          "results")
    return {name: field_infos_from_describe(value) for name, value in raw.items()
            if isinstance(value, dict)}


def _load(directory: Path, describe: Path | None = None) -> Pack:
    """The pack, or every error printed as path:line:column: message and exit code 1."""
    from engine.pack import RuleErrors, load_pack

    try:
        return load_pack(directory, describe=_describe_from(describe))
    except RuleErrors as errors:
        for error in errors.errors:
            typer.echo(str(error))
        count = len(errors.errors)
        typer.echo(f"{count} error{'s' if count != 1 else ''}; nothing was run.", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def validate(
    directory: DirArgument = Path("rules"),
    describe: Annotated[Path | None, typer.Option(
        help="Describe results as JSON ({object: describe}) to check custom fields too.")] = None,
) -> None:
    """Check the rule files; exit 0 when valid, 1 with every error as path:line:column: message."""
    pack = _load(directory, describe)
    matchers = f"{len(pack.duplicate_rule_ids)} duplicate matchers, " if pack.duplicates else ""
    typer.echo(f"{directory}: {len(pack.files)} files, {len(pack.rules)} rules, {matchers}"
               f"{len(pack.policies)} field policies, {len(pack.cases)} test cases: valid")


@app.command("test")
def test_rules(directory: DirArgument = Path("rules")) -> None:
    """Run the test cases written in the rule files; exit 1 if any fails."""
    from engine.pack import run_cases, untested_rules

    pack = _load(directory)
    results = run_cases(pack)
    for result in results:
        status = "PASS" if result.passed else "FAIL"
        typer.echo(f"{status} {result.case.source} {result.case.rule_id}: {result.case.name}")
        for problem in result.problems:
            typer.echo(f"     {problem}")
    failed = sum(1 for result in results if not result.passed)
    untested = untested_rules(pack)
    if untested:
        typer.echo(f"rules without test cases: {', '.join(untested)}")
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of rule files (editors use it to complete and underline)."""
    import json

    from engine.pack import rules_json_schema

    typer.echo(json.dumps(rules_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(help="The rule's id, as in its YAML file.")],
    directory: Annotated[Path | None, typer.Option("--rules", help="Rules directory.")] = None,
    limit: Annotated[int, typer.Option(help="How many findings to show.")] = 20,
) -> None:
    """Show what one rule would flag and fix on the current org (SF_* settings). Writes
    nothing: records are read, the rule runs here, the results are printed."""
    from datetime import UTC, datetime

    from connectors.salesforce import SalesforceClient
    from engine.pack import explain as explain_rule
    from engine.soql_plan import render_soql
    from engine.values import display
    from flows import config
    from flows.context import build_context

    pack = _load(config.rules_dir(directory))
    if rule_id not in pack.rule_ids:
        explain_rule(pack, rule_id, {}, None)  # type: ignore[arg-type]  # raises with did-you-mean
    rule = pack.rule(rule_id)
    if rule is not None:
        typer.echo(f"{rule.id} ({rule.kind.name}, {rule.severity.value}, action "
                   f"{rule.action.value}) on {rule.object}: {rule.description}")
        typer.echo(f"  defined at {rule.source}")
    plan = pack.only([rule_id]).plan()
    with SalesforceClient.from_env() as client:
        ctx = build_context(client, today=datetime.now(UTC).date(), objects=plan.objects)
        records = {name: list(client.query(render_soql(object_plan)))
                   for name, object_plan in plan.objects.items()}
        calls = client.api_calls
    result = explain_rule(pack, rule_id, records, ctx)
    if rule is None:  # a duplicate matcher
        _explain_duplicates(pack, rule_id, records, result, calls, limit)
        return
    checked = sum(len(rows) for rows in records.values())
    typer.echo(f"  checked {checked:,} {rule.object} records: {len(result.findings)} findings, "
               f"{sum(len(f.changes) for f in result.fixes)} field fixes, "
               f"{len(result.tasks)} review tasks ({calls} API calls, nothing written)")
    fixes = {(fix.record_id, name): change for fix in result.fixes
             for name, change in fix.changes.items()}
    for finding in result.findings[:limit]:
        line = f"  - {finding.record_id}"
        line += f".{finding.field}" if finding.field else ""
        typer.echo(f"{line}: {finding.message}")
        change = fixes.get((finding.record_id, finding.field or ""))
        if change is not None:
            typer.echo(f"      fix: {display(change.old)} -> {display(change.new)}")
    if len(result.findings) > limit:
        typer.echo(f"  … and {len(result.findings) - limit} more")
    for failure in result.failures[:5]:
        typer.echo(f"  ! {failure.record_id}: {failure.error}")


def _explain_duplicates(pack: Pack, rule_id: str, records: dict[str, list[dict[str, Any]]],
                        result: Evaluation, calls: int, limit: int) -> None:
    """The groups one duplicate matcher finds, each pair with the fields that made it."""
    assert pack.duplicates is not None
    matcher = pack.duplicates.matchers[rule_id]
    target = f"{matcher.object} against {matcher.against}" if matcher.against else matcher.object
    typer.echo(f"{rule_id} (duplicates, action task) on {target}: {matcher.description}")
    typer.echo(f"  defined at {pack.duplicates_source}")
    judged = ", ".join(f"{len(records.get(name, [])):,} {name}"
                       for name in dict.fromkeys([matcher.object, matcher.against]) if name)
    typer.echo(f"  judged {judged} records: {len(result.findings)} groups, "
               f"{len(result.tasks)} review tasks ({calls} API calls, nothing written)")
    for finding in result.findings[:limit]:
        typer.echo(f"  - {finding.message}")
        for pair in finding.evidence["pairs"]:
            typer.echo(f"      {pair['a']} ~ {pair['b']}: {pair['explanation']}")
    if len(result.findings) > limit:
        typer.echo(f"  … and {len(result.findings) - limit} more")
    for failure in result.failures[:5]:
        typer.echo(f"  ! {failure.error}")
