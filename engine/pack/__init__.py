"""Rule packs: load YAML rules (with every error located), plan the pull, evaluate, test.

The public face of the rules engine, for the flows and the command line::

    pack = load_pack("rules", describe=None)         # raises RuleErrors, all at once
    plan = pack.plan()                                # one SOQL query per object
    plan.objects["Opportunity"].soql()
    result = evaluate(pack, records_by_object, ctx)   # findings, fixes, tasks; writes nothing
    evaluate_duplicates(pack, records_by_object, ctx, into=result)  # on a full pull only
    explain(pack, "opportunity-stage-jump", records_by_object, ctx)
    run_cases(pack)                                   # the rule files' own test cases
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.errors import WeederError
from engine.located import did_you_mean
from engine.model import Context, Record
from engine.pack.duplicates import evaluate_duplicates
from engine.pack.errors import RuleError, RuleErrors
from engine.pack.evaluate import Evaluation, RuleFailure, evaluate
from engine.pack.loader import load_pack
from engine.pack.model import Pack, Rule, RuleCase, Source
from engine.pack.schema import rules_json_schema
from engine.pack.testing import CaseResult, run_case, run_cases, untested_rules
from engine.soql_plan import ObjectPlan, PullPlan, render_soql


def explain(pack: Pack, rule_id: str, records_by_object: Mapping[str, Iterable[Record]],
            ctx: Context) -> Evaluation:
    """What one rule would flag and fix on these records; nothing is written. A duplicate
    matcher judges the records given as the whole population of its objects."""
    if rule_id not in pack.rule_ids:
        raise WeederError(f"no rule with id '{rule_id}'{did_you_mean(rule_id, pack.rule_ids)}",
                          exit_code=1)
    one = pack.only([rule_id])
    return evaluate_duplicates(one, records_by_object, ctx,
                               into=evaluate(one, records_by_object, ctx))


__all__ = [
    "CaseResult", "Evaluation", "ObjectPlan", "Pack", "PullPlan", "Rule", "RuleCase", "RuleError",
    "RuleErrors", "RuleFailure", "Source", "evaluate", "evaluate_duplicates", "explain",
    "load_pack", "render_soql", "rules_json_schema", "run_case", "run_cases", "untested_rules",
]
