"""Review-task descriptions from the admins' template (templates/review_task.txt.j2).

The rules produce a plain description; this renders the editable template instead, so the
wording reps see each day is the admins' to change, not the code's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from connectors.templates import load_environment
from engine.model import Finding, TaskRequest
from engine.pack import Pack
from engine.templating import render_review_task
from flows import config


def record_names(records_by_object: Mapping[str, Sequence[Mapping[str, object]]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for rows in records_by_object.values():
        for row in rows:
            name = row.get("Name") or row.get("Label") or row.get("Subject")
            if isinstance(name, str) and isinstance(row.get("Id"), str):
                names[str(row["Id"])] = name
    return names


def describe_tasks(tasks: Sequence[TaskRequest], findings: Sequence[Finding], pack: Pack, *,
                   names: Mapping[str, str], instance_url: str) -> list[TaskRequest]:
    if not tasks:
        return []
    env = load_environment(config.templates_dir())
    by_fingerprint = {finding.fingerprint: finding for finding in findings}
    # A duplicate group's task already says which records to compare and which to keep; the
    # per-field template ("correct the field, checked again next hour") would not fit it.
    own_text = set(pack.duplicate_rule_ids)
    described = []
    for task in tasks:
        finding = by_fingerprint.get(task.fingerprint)
        rule = pack.rule(task.rule_id)
        if finding is None or task.rule_id in own_text:
            described.append(task)
            continue
        text = render_review_task(
            env, finding, instance_url=instance_url,
            rule_title=rule.description if rule else None,
            due_date=task.due_date, record_name=names.get(finding.record_id))
        described.append(replace(task, description=text[:32000]))
    return described
