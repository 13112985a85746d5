"""stage_progression: deals that jump stages, skip required ones or reopen — nothing written down.

A deal that goes from Prospecting to Closed Won with no notes is a deal nobody can learn from.
The stage order is the org's (OpportunityStage SortOrder, IsClosed, IsWon), or ``order`` for a
sales process of its own. Each stage change in the deal's history (OpportunityHistory, as far
back as the org keeps it) is checked for:

``jump``            moving forward more than ``max_forward`` stages in one change (closed-lost
                    stages do not count as steps; losing a deal early is not a jump);
``skipped_stages``  reaching a won stage without having been in every one of ``required_stages``;
``reopened``        moving from a closed stage back to an open one.

A change is excused by evidence within ``window_days`` before or after it: a Note, a ContentNote
(ContentDocumentLink), a Task or an Event on the deal, or a change of NextStep or Description in
field history (choose with ``evidence``). Weeder's own review tasks (subject starting
``[Weeder]``) are not evidence. One finding per deal and rule, about its latest unexcused
change; the evidence lists them all with from and to stages, when, by whom and the amount.

Keys: ``checks`` (required): any of ``jump``, ``skipped_stages``, ``reopened``;
``max_forward`` (default 2); ``required_stages``; ``order``; ``window_days`` (default 7);
``evidence`` (default all: notes, content_notes, tasks, events, next_step, description);
``since_days``: only changes this recent (default: all history).
Object: Opportunity. Actions: report, task.

Example::

    - id: opportunity-stage-jump
      kind: stage_progression
      object: Opportunity
      checks: [jump]

passes a deal whose history goes Prospecting -> Qualification -> Needs Analysis -> ... -> Closed
Won, and a deal moving Prospecting -> Closed Won with a Note two days later; fails a deal moving
Prospecting -> Closed Won with no evidence, with "moved from Prospecting to Closed Won (8 stages
forward) on 2026-10-03 by Ann Lee with no note, task, event or next-step change within 7 days".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator

from engine.history import (
    FIELD_HISTORY,
    FIELD_HISTORY_FIELDS,
    OPPORTUNITY_HISTORY,
    OPPORTUNITY_HISTORY_FIELDS,
    StageChange,
    field_changes,
    stage_changes,
    stages_visited_before,
)
from engine.model import Action, Context, Record, Stage
from engine.rules.base import Needs, ParamsBase, Violation
from engine.values import children, display, get_path, timestamp

KIND = "stage_progression"
ACTIONS = (Action.REPORT, Action.TASK)
OBJECTS = ("Opportunity",)

#: Subjects of the review tasks Weeder opens: never evidence for what they ask about.
WEEDER_TASK_PREFIX = "[Weeder]"

Check = Literal["jump", "skipped_stages", "reopened"]
EvidenceKind = Literal["notes", "content_notes", "tasks", "events", "next_step", "description"]
_EVIDENCE: tuple[EvidenceKind, ...] = ("notes", "content_notes", "tasks", "events", "next_step",
                                       "description")

#: evidence kind -> (child relationship, fields to read, timestamp fields)
_SOURCES: dict[str, tuple[str, frozenset[str], tuple[str, ...]]] = {
    "notes": ("Notes", frozenset({"CreatedDate", "LastModifiedDate"}),
              ("CreatedDate", "LastModifiedDate")),
    "content_notes": ("ContentDocumentLinks",
                      frozenset({"ContentDocument.CreatedDate", "SystemModstamp"}),
                      ("ContentDocument.CreatedDate", "SystemModstamp")),
    "tasks": ("Tasks", frozenset({"Subject", "CreatedDate", "ActivityDate"}),
              ("CreatedDate", "ActivityDate")),
    "events": ("Events", frozenset({"Subject", "CreatedDate", "ActivityDateTime", "ActivityDate"}),
               ("CreatedDate", "ActivityDateTime", "ActivityDate")),
}
_HISTORY_EVIDENCE = {"next_step": "NextStep", "description": "Description"}
_WORDS = {"notes": "note", "content_notes": "note", "tasks": "task", "events": "event",
          "next_step": "next-step change", "description": "description change"}


class Params(ParamsBase):
    checks: list[Check] = Field(min_length=1, description="what to look for")
    max_forward: int = Field(default=2, ge=1, description="most stages forward in one change")
    required_stages: list[str] = Field(default_factory=list,
                                       description="stages a won deal must have passed through")
    order: list[str] | None = Field(default=None, min_length=2,
                                    description="stage order of this sales process")
    window_days: int = Field(default=7, ge=0, description="evidence window around a change")
    evidence: list[EvidenceKind] = Field(default_factory=lambda: list(_EVIDENCE), min_length=1,
                                         description="what counts as evidence")
    since_days: int | None = Field(default=None, ge=1, description="only changes this recent")

    @model_validator(mode="after")
    def _required_stages_go_with_check(self) -> Params:
        if "skipped_stages" in self.checks and not self.required_stages:
            raise ValueError("check 'skipped_stages' needs 'required_stages'")
        if self.required_stages and "skipped_stages" not in self.checks:
            raise ValueError("'required_stages' only applies with check 'skipped_stages'")
        return self

    @cached_property
    def missing_words(self) -> str:
        """``note, task, event or next-step change``: what was not found, for messages."""
        words = list(dict.fromkeys(_WORDS[kind] for kind in self.evidence))
        return (", ".join(words[:-1]) + " or " + words[-1]) if len(words) > 1 else words[0]


def needs(params: Params) -> Needs:
    kids: dict[str, frozenset[str]] = {OPPORTUNITY_HISTORY: OPPORTUNITY_HISTORY_FIELDS}
    for kind in params.evidence:
        if kind in _SOURCES:
            relationship, fields, _ = _SOURCES[kind]
            kids[relationship] = kids.get(relationship, frozenset()) | fields
        else:
            kids[FIELD_HISTORY] = FIELD_HISTORY_FIELDS
    return Needs(fields=frozenset({"StageName", "Amount"}), children=kids, stages=True, users=True)


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    changes = stage_changes(record)
    if not changes:
        return
    ladder = _Ladder(params, ctx)
    cutoff = ctx.today - timedelta(days=params.since_days) if params.since_days else None
    offending: list[tuple[StageChange, str]] = []
    evidence_times: list[datetime] | None = None
    for change in changes:
        if cutoff is not None and change.at.date() < cutoff:
            continue
        reason = _reason(params, ladder, record, change)
        if reason is None:
            continue
        if evidence_times is None:
            evidence_times = _evidence_times(params, record)
        window = timedelta(days=params.window_days)
        if any(abs(moment - change.at) <= window for moment in evidence_times):
            continue
        offending.append((change, reason))
    if not offending:
        return
    last, reason = offending[-1]
    who = _user_name(ctx, last.by)
    yield Violation(
        field="StageName",
        message=(f"{reason} on {last.when[:10]} by {who}, amount {display(last.amount)}, with no "
                 f"{params.missing_words} within {params.window_days} days"),
        evidence={
            "from": last.from_stage, "to": last.to_stage, "when": last.when, "by": last.by,
            "by_name": who, "amount": last.amount,
            "changes": [{"from": c.from_stage, "to": c.to_stage, "when": c.when, "by": c.by,
                         "amount": c.amount, "reason": why} for c, why in offending],
        },
    )


class _Ladder:
    """Stage positions for one evaluation: the org's order or the rule's, lost stages aside."""

    def __init__(self, params: Params, ctx: Context) -> None:
        if params.order is not None:
            stages = [ctx.stage(name) or Stage(name, index)
                      for index, name in enumerate(params.order)]
        else:
            stages = sorted(ctx.stages, key=lambda stage: stage.sort_order)
        self.by_name = {stage.name: stage for stage in stages}
        steps = [stage.name for stage in stages if not (stage.is_closed and not stage.is_won)]
        self.rank = {name: index for index, name in enumerate(steps)}

    def closed(self, name: str) -> bool:
        stage = self.by_name.get(name)
        return stage is not None and stage.is_closed

    def won(self, name: str) -> bool:
        stage = self.by_name.get(name)
        return stage is not None and stage.is_won


def _reason(params: Params, ladder: _Ladder, record: Record, change: StageChange) -> str | None:
    source, target = change.from_stage, change.to_stage
    if "reopened" in params.checks and ladder.closed(source) and target in ladder.by_name \
            and not ladder.closed(target):
        return f"reopened from {source} to {target}"
    if "jump" in params.checks and source in ladder.rank and target in ladder.rank \
            and not ladder.closed(source):
        steps = ladder.rank[target] - ladder.rank[source]
        if steps > params.max_forward:
            return f"moved from {source} to {target} ({steps} stages forward)"
    if "skipped_stages" in params.checks and ladder.won(target) and not ladder.won(source):
        visited = stages_visited_before(record, change.at) | {source}
        missing = [stage for stage in params.required_stages if stage not in visited]
        if missing:
            return f"reached {target} from {source} without passing {', '.join(missing)}"
    return None


def _evidence_times(params: Params, record: Record) -> list[datetime]:
    moments: list[datetime] = []
    for kind in params.evidence:
        if kind in _SOURCES:
            relationship, _, stamps = _SOURCES[kind]
            for row in children(record, relationship):
                subject = row.get("Subject")
                if isinstance(subject, str) and subject.startswith(WEEDER_TASK_PREFIX):
                    continue
                for name in stamps:
                    moment = timestamp(get_path(row, name) if "." in name else row.get(name))
                    if moment is not None:
                        moments.append(moment)
    history_fields = [_HISTORY_EVIDENCE[kind] for kind in params.evidence
                      if kind in _HISTORY_EVIDENCE]
    if history_fields:
        moments.extend(change.at for change in field_changes(record, history_fields))
    return moments


def _user_name(ctx: Context, user_id: str | None) -> str:
    if not user_id:
        return "an unknown user"
    user = ctx.users.get(user_id)
    name = user.get("Name") if user else None
    return name if isinstance(name, str) and name else user_id
