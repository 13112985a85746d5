"""Duplicates in an audit: each matcher of the pack run over the population it judges.

A duplicate is a relation between records, not a property of one, so a matcher needs every
record of its object: the audit runs it on full passes only (an incremental pull holds just the
records that changed). Each group found becomes one finding, fingerprinted by its members, and
one review task for the owner of the record suggested to keep. Nothing is ever merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog

from engine.duplicates.matcher import match
from engine.duplicates.report import cluster_findings, cluster_tasks
from engine.model import Context, Record
from engine.pack.evaluate import Evaluation, RuleFailure
from engine.pack.model import Pack

log = structlog.get_logger(__name__)


def evaluate_duplicates(pack: Pack, records_by_object: Mapping[str, Iterable[Record]],
                        ctx: Context, into: Evaluation) -> Evaluation:
    """Add every duplicate group the pack's matchers find to ``into``: its findings, and its
    review tasks (one per group, due ``task.due_in_days`` after ``ctx.today``).

    ``records_by_object`` must hold the whole population of each matched object (a full pull).
    A matcher that fails is reported in ``into.failures`` and the others still run.
    """
    config = pack.duplicates
    if config is None:
        return into
    for rule_id, matcher in config.matchers.items():
        records = participants(matcher.object, records_by_object.get(matcher.object, ()))
        against = None if matcher.against is None else participants(
            matcher.against, records_by_object.get(matcher.against, ()))
        if not records or against == []:
            continue
        try:
            result = match(records, matcher, against=against, phone_region=config.phone_region)
        except Exception as error:  # one matcher's trouble must not stop the audit
            failure = RuleFailure(rule_id, matcher.object, None, f"{type(error).__name__}: {error}")
            into.failures.append(failure)
            into.failures_by_rule[rule_id] = into.failures_by_rule.get(rule_id, 0) + 1
            log.warning("rule_failed", rule_id=rule_id, object=matcher.object,
                        error=failure.error)
            continue
        findings = cluster_findings(rule_id, matcher, result)
        into.findings.extend(findings)
        into.tasks.extend(cluster_tasks(findings, matcher, today=ctx.today))
        log.info("duplicates judged", rule_id=rule_id, records=len(records),
                 against=len(against) if against is not None else None,
                 candidate_pairs=result.stats.candidate_pairs, pairs=len(result.pairs),
                 findings=len(findings))
    return into


def participants(obj: str, records: Iterable[Record]) -> list[Record]:
    """The records of ``obj`` a matcher judges: all of them, but converted leads (a converted
    lead lives on as its contact, which is judged instead)."""
    if obj == "Lead":
        return [record for record in records if not record.get("IsConverted")]
    return list(records)
