"""Activities and notes: Tasks, Events, classic Notes and enhanced notes (ContentNote with its
ContentDocumentLink), each dated and attributed like the work it records.

Dates matter to the rules: LastActivityDate is computed from these rows at the end of the
seed, and a Note or activity near a big stage change is the evidence that makes it clean.
Callers choose the dates; this module only writes consistent rows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sandbox.db import format_datetime
from sandbox.derive import text_preview
from sandbox.seed_core import Context, system

_CALLS = ("Call", "Follow-up call", "Check-in call", "Call about renewal")
_EMAILS = ("Email: pricing", "Email: intro", "Email: next steps", "Email: proposal sent")
_TODOS = ("Send proposal", "Send contract", "Prepare quote", "Schedule demo",
          "Update mutual action plan", "Book executive meeting")
_MEETINGS = ("Discovery meeting", "Product demo", "Quarterly review", "Lunch meeting",
             "On-site workshop", "Security review")
_NOTE_TITLES = ("Call notes", "Meeting recap", "Pricing discussion", "Decision makers",
                "Next steps", "Competitive situation")
_NOTE_LINES = ("Customer confirmed budget for this quarter.",
               "Procurement needs a security questionnaire before signature.",
               "Champion is the VP of Operations; CFO signs above 100k.",
               "They are also talking to two competitors.",
               "Agreed on a pilot with three teams, then a wider rollout.",
               "Legal review of the MSA is under way.")


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8), UTC) + timedelta(
        minutes=rng.randrange(9 * 60), seconds=rng.randrange(60),
        milliseconds=rng.randrange(1000))


def task(ctx: Context, rng: random.Random, *, owner: str, day: date, done: bool,
         what: str | None = None, who: str | None = None, subject: str | None = None,
         description: str | None = None) -> None:
    """A task due on ``day``: done (logged that day) or still open (created before today)."""
    kind = rng.randrange(3)
    if subject is None:
        subject, subtype = rng.choice((_CALLS, _EMAILS, _TODOS)[kind]), ("Call", "Email",
                                                                          "Task")[kind]
    else:
        subtype = "Call" if subject.startswith("Call") else "Task"
    completed: datetime | None = None
    if done:
        created = _moment(day, rng)
        completed = min(created + timedelta(minutes=rng.randrange(5, 90)),
                        ctx.clock.start_of_today - timedelta(seconds=1))
        status = "Completed"
    else:
        created = ctx.clock.at(rng.randint(1, 10), rng)
        status = rng.choice(("Not Started", "In Progress"))
    ctx.writer.add("Task", {
        "Id": ctx.ids.take("00T"), "WhatId": what, "WhoId": who, "Subject": subject,
        "Status": status, "Priority": rng.choice(("Normal", "Normal", "High", "Low")),
        "ActivityDate": day.isoformat(), "Description": description,
        "TaskSubtype": subtype, "IsClosed": int(done),
        "CompletedDateTime": format_datetime(completed) if completed else None,
        "OwnerId": owner, **system(created, owner, completed or created, owner)})


def event(ctx: Context, rng: random.Random, *, owner: str, day: date, what: str | None = None,
          who: str | None = None, location: str | None = None) -> None:
    """A meeting held on ``day`` (in the past), booked up to three days before."""
    start = _moment(day, rng).replace(second=0, microsecond=0)
    start = start.replace(minute=(start.minute // 15) * 15)
    minutes = rng.choice((30, 45, 60, 90))
    booked = max(start - timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 8)),
                 start - timedelta(days=3))
    stamp = format_datetime(start)
    ctx.writer.add("Event", {
        "Id": ctx.ids.take("00U"), "WhatId": what, "WhoId": who,
        "Subject": rng.choice(_MEETINGS), "ActivityDate": day.isoformat(),
        "ActivityDateTime": stamp, "StartDateTime": stamp,
        "EndDateTime": format_datetime(start + timedelta(minutes=minutes)),
        "DurationInMinutes": minutes, "Location": location or rng.choice(("Zoom", "Teams",
                                                                          "Customer office")),
        "Description": None, "OwnerId": owner, **system(booked, owner)})


def activity(ctx: Context, rng: random.Random, *, owner: str, day: date,
             what: str | None = None, who: str | None = None) -> None:
    """A past activity of either kind: mostly tasks, sometimes a meeting."""
    if rng.random() < 0.25:
        event(ctx, rng, owner=owner, day=day, what=what, who=who)
    else:
        task(ctx, rng, owner=owner, day=day, done=True, what=what, who=who)


def note(ctx: Context, rng: random.Random, *, parent: str, owner: str, when: datetime,
         title: str | None = None, body: str | None = None) -> None:
    """A classic Note on a record."""
    ctx.writer.add("Note", {
        "Id": ctx.ids.take("002"), "ParentId": parent, "Title": title or rng.choice(_NOTE_TITLES),
        "Body": body or " ".join(rng.sample(_NOTE_LINES, 2)), "IsPrivate": 0,
        "OwnerId": owner, **system(when, owner)})


def content_note(ctx: Context, rng: random.Random, *, parent: str, owner: str, when: datetime,
                 title: str | None = None, body: str | None = None) -> None:
    """An enhanced note (ContentNote) shared with a record through a ContentDocumentLink."""
    note_id = ctx.ids.take("069")
    content = "".join(f"<p>{line}</p>" for line in
                      ([body] if body else rng.sample(_NOTE_LINES, 2)))
    ctx.writer.add("ContentNote", {
        "Id": note_id, "Title": title or rng.choice(_NOTE_TITLES), "Content": content,
        "TextPreview": text_preview(content), "FileType": "SNOTE", "OwnerId": owner,
        **system(when, owner)})
    ctx.writer.add("ContentDocumentLink", {
        "Id": ctx.ids.take("06A"), "ContentDocumentId": note_id, "LinkedEntityId": parent,
        "ShareType": "V", "Visibility": "AllUsers", **system(when, owner)})


def some_note(ctx: Context, rng: random.Random, *, parent: str, owner: str,
              when: datetime, title: str | None = None, body: str | None = None) -> None:
    """A note of either kind (enhanced notes are what newer orgs write)."""
    if rng.random() < 0.5:
        note(ctx, rng, parent=parent, owner=owner, when=when, title=title, body=body)
    else:
        content_note(ctx, rng, parent=parent, owner=owner, when=when, title=title, body=body)


def person_activities(ctx: Context, rng: random.Random, *, who: str, what: str | None,
                      owner: str, age_days: int, recent: bool) -> None:
    """Activities with a contact or lead. ``recent``: the last one within the past 11 months;
    otherwise every one is more than 13 months old (the person has gone untouched)."""
    if recent:
        newest = rng.randint(2, min(330, max(3, age_days - 1)))
    else:
        newest = rng.randint(400, max(401, min(700, age_days - 5)))
    activity(ctx, rng, owner=owner, day=ctx.clock.day(-newest), what=what, who=who)
    if rng.random() < 0.4 and age_days - newest > 10:
        older = rng.randint(newest + 5, age_days - 1)
        activity(ctx, rng, owner=owner, day=ctx.clock.day(-older), what=what, who=who)
