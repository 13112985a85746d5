"""Duplicate groups as the engine's shapes: one Finding and one review TaskRequest per group.

A group is fingerprinted by its members, so while the same records stay duplicates every run
recognises the same finding (and the task is not opened again); when a member is merged away
or a new one joins, it is a new group and a new finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from engine.duplicates.config import Matcher
from engine.duplicates.result import Cluster, MatchResult, Pair
from engine.model import Action, Finding, Severity, TaskRequest
from engine.rules.stage_progression import WEEDER_TASK_PREFIX

Record = Mapping[str, Any]

_PLURAL = {"Account": "accounts", "Contact": "contacts", "Lead": "leads"}


def cluster_findings(rule_id: str, matcher: Matcher, result: MatchResult) -> list[Finding]:
    """One finding per group; when matching against another set (leads against contacts), one
    per record that already exists there, since each such record is its own piece of work."""
    findings: list[Finding] = []
    for cluster in result.clusters:
        if matcher.against and cluster.existing:
            findings.extend(existing_findings(rule_id, matcher, cluster))
        else:
            findings.append(cluster_finding(rule_id, matcher, cluster))
    return findings


def cluster_finding(rule_id: str, matcher: Matcher, cluster: Cluster) -> Finding:
    """The group as one finding on its suggested survivor, fingerprinted by all members."""
    others = [member for member in cluster.members if member != cluster.survivor]
    message = (
        f"{len(cluster.members)} {_PLURAL[matcher.object]} look like one: keep "
        f"{cluster.survivor} ({cluster.survivor_reason}), review {_list(others)}"
    )
    return Finding(
        rule_id=rule_id,
        severity=Severity.WARNING,
        object=matcher.object,
        record_id=cluster.survivor,
        field=None,
        message=message,
        evidence=_evidence(cluster, cluster.pairs),
        owner_id=cluster.owner_id,
        action=Action.TASK,
        identity=cluster.identity,
    )


def existing_findings(rule_id: str, matcher: Matcher, cluster: Cluster) -> list[Finding]:
    """A finding per new record of the group that matches records already there."""
    existing = set(cluster.existing)
    findings = []
    for member in cluster.members:
        if member in existing:
            continue
        pairs = tuple(p for p in cluster.pairs if member in (p.id_a, p.id_b))
        matches = sorted({p.id_b if p.id_a == member else p.id_a for p in pairs} & existing)
        if not matches:
            continue  # linked to the group only through another new record
        findings.append(Finding(
            rule_id=rule_id,
            severity=Severity.WARNING,
            object=matcher.object,
            record_id=member,
            field=None,
            message=f"{matcher.object} {member} already exists as {matcher.against} "
            f"{_list(matches)}",
            evidence={**_evidence(cluster, pairs), "matches": matches},
            owner_id=cluster.owners.get(member),
            action=Action.TASK,
            identity=member + ">" + ",".join(matches),
        ))
    return findings


def _evidence(cluster: Cluster, pairs: tuple[Pair, ...]) -> dict[str, Any]:
    return {
        "members": list(cluster.members),
        "survivor": cluster.survivor,
        "survivor_reason": cluster.survivor_reason,
        "best_score": max(pair.score for pair in pairs),
        "pairs": [pair.as_evidence() for pair in pairs],
    }


def cluster_tasks(
    findings: list[Finding],
    matcher: Matcher,
    *,
    today: date,
    default_owner_id: str | None = None,
) -> list[TaskRequest]:
    """A review task per group for the survivor's owner. Groups with no owner (and no default)
    get no task: a task nobody owns helps nobody."""
    tasks = []
    for finding in findings:
        owner = finding.owner_id or default_owner_id
        if owner is None:
            continue
        tasks.append(task_for(finding, matcher, today=today, owner_id=owner))
    return tasks


def task_for(finding: Finding, matcher: Matcher, *, today: date, owner_id: str) -> TaskRequest:
    members = list(finding.evidence["members"])
    subject_id = finding.record_id
    is_person = finding.object in ("Contact", "Lead")
    matches = finding.evidence.get("matches")
    if matches:
        lines = [
            f"This {finding.object.lower()} looks like {matcher.against or 'a record'} "
            f"{', '.join(matches)}, which already exists.",
            "Nothing has been merged or converted: that is for a person to decide.",
        ]
        subject = f"{WEEDER_TASK_PREFIX} Review {finding.object.lower()} that already exists " \
            f"as a {(matcher.against or 'record').lower()}"
    else:
        lines = [
            f"Weeder found {len(members)} records that look like one {finding.object.lower()}.",
            "Nothing has been merged: merging is for a person to decide.",
            f"Suggested record to keep: {subject_id} ({finding.evidence['survivor_reason']}).",
        ]
        subject = f"{WEEDER_TASK_PREFIX} Review possible duplicate " \
            f"{_PLURAL.get(finding.object, 'records')} ({len(members)} records)"
    lines += ["", "Why they look alike:"]
    for pair in finding.evidence["pairs"]:
        lines.append(f"- {pair['a']} ~ {pair['b']}: {pair['explanation']}")
    lines += ["", "Merge them in Salesforce if they are the same, or close this task if not."]
    return TaskRequest(
        rule_id=finding.rule_id,
        fingerprint=finding.fingerprint,
        what_id=None if is_person else subject_id,
        who_id=subject_id if is_person else None,
        owner_id=owner_id,
        subject=subject,
        description="\n".join(lines),
        due_date=today + timedelta(days=matcher.task.due_in_days),
        priority=matcher.task.priority,
    )


def _list(ids: list[str]) -> str:
    return ", ".join(ids) if len(ids) <= 5 else ", ".join(ids[:5]) + f" and {len(ids) - 5} more"
