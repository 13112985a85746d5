"""Rendering the Jinja templates admins edit: the digest, review-task text and the admin alert.

The environment is given its loader from outside: reading template files is I/O, so
`connectors.templates` builds the file-system loader, and tests may hand in a ``DictLoader``.
Everything here is then pure: values in, text out.

Templates are strict (``StrictUndefined``): a typo such as ``{{ digest.scroe }}`` fails the
render instead of mailing a blank, and every mistake an admin can make in a template surfaces
as a `TemplateError` (a `WeederError`) reading ``path:line: message``.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jinja2

from engine.alert import Alert
from engine.digest import Digest
from engine.errors import WeederError
from engine.links import Names, one_line
from engine.model import Finding, FindingRecord

DIGEST_HTML = "digest.html.j2"
DIGEST_TEXT = "digest.txt.j2"
REVIEW_TASK = "review_task.txt.j2"
ALERT = "alert.txt.j2"
TEMPLATES = (DIGEST_HTML, DIGEST_TEXT, REVIEW_TASK, ALERT)
# Line breaks inside a value would break the one-line layout (and, in a header, the mail).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


class TemplateError(WeederError):
    """A template an admin edited does not parse or does not render."""


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    html: str  # CSS not yet inlined: connectors.mail does that for every HTML body it sends
    text: str


def environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader,
        # Record data is untrusted: escape it in every HTML template, leave text alone.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "html.j2"),
                                            default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=money, signed=signed, day=day, plural=plural, value=value,
                       score_colour=score_colour, bar_px=bar_px)
    return env


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        where = error.filename or error.name or name
        raise TemplateError(f"{where}:{error.lineno}: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"{error.name}: template not found") from None
    except Exception as error:
        frame = _template_frame(error)
        if frame is None:
            raise  # not the template's fault: a bug, keep the traceback
        raise TemplateError(f"{frame}: {type(error).__name__}: {error}") from None


def check(env: jinja2.Environment, names: tuple[str, ...] = TEMPLATES) -> list[str]:
    """Every syntax error of the given templates, as ``path:line: message``, for validation."""
    problems = []
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            problems.append(f"{error.filename or name}:{error.lineno}: {error.message}")
        except jinja2.TemplateNotFound:
            problems.append(f"{name}: template not found")
    return problems


def render_digest(env: jinja2.Environment, digest: Digest) -> RenderedDigest:
    return RenderedDigest(html=render(env, DIGEST_HTML, digest=digest),
                          text=render(env, DIGEST_TEXT, digest=digest))


def render_alert(env: jinja2.Environment, alert: Alert) -> str:
    return render(env, ALERT, alert=alert)


def render_review_task(env: jinja2.Environment, finding: Finding | FindingRecord, *,
                       instance_url: str, rule_title: str | None = None,
                       resolution: str | None = None, due_date: date | None = None,
                       record_name: str | None = None) -> str:
    """The description of a ``[Weeder] …`` review task: the rule, the evidence, how to resolve."""
    names = Names(instance_url, {}, {finding.record_id: record_name} if record_name else {},
                  {finding.rule_id: rule_title} if rule_title else {})
    record = names.link(finding.object, finding.record_id, finding.evidence)
    evidence = [(one_line(key), value(item, limit=300))
                for key, item in sorted((finding.evidence or {}).items())]
    return render(env, REVIEW_TASK, finding=finding, rule_title=names.rule(finding.rule_id),
                  record=record, evidence=evidence,
                  resolution=resolution, due_date=due_date)


def _template_frame(error: BaseException) -> str | None:
    # Jinja rewrites tracebacks so that template code appears as frames of the template file
    # at its own line numbers; the innermost such frame is where the admin should look.
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if (frame.lineno is not None and not frame.filename.endswith(".py")
                and not frame.filename.startswith("<frozen")):
            return f"{frame.filename}:{frame.lineno}"
    return None


# ----------------------------------------------------------------------------------------------
# Filters: formatting that admins reuse without learning Python's format mini-language


def money(amount: float | None, currency: str | None = None) -> str:
    if amount is None:
        return "no amount"
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def signed(change: int | None) -> str:
    """+3, −2 (a real minus sign), ±0; a dash when there is nothing to compare with."""
    if change is None:
        return "–"
    if change == 0:
        return "±0"
    return f"+{change}" if change > 0 else f"\u2212{-change}"


def day(moment: datetime | date | None) -> str:
    if moment is None:
        return "unknown date"
    return f"{moment:%a} {moment.day} {moment:%b}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def value(item: Any, limit: int = 60) -> str:
    """A field value on one line, as a fix or a rule saw it: text in quotes so that spaces a
    fix removed stay visible, numbers with thousands separators, nothing as "(empty)"."""
    if item is None or item == "":
        return "(empty)"
    if isinstance(item, bool):
        return str(item).lower()
    if isinstance(item, int):
        return f"{item:,}"
    if isinstance(item, float):
        return f"{item:,.0f}" if item.is_integer() else f"{item:,}"
    if isinstance(item, Mapping | list | tuple):
        return _shorten(_CONTROL.sub("↵", json.dumps(item, default=str, ensure_ascii=False,
                                                      sort_keys=True)), limit)
    return f"“{_shorten(_CONTROL.sub('↵', str(item).replace(chr(9), ' ')), limit)}”"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def score_colour(score: int | None) -> str:
    if score is None:
        return "#d0d5dd"
    if score >= 90:
        return "#2e7d32"
    if score >= 70:
        return "#f29d38"
    return "#d14343"


def bar_px(score: int | None, height: int = 48) -> int:
    """Height of a trend bar; a sliver for a week without a score, so the gap shows."""
    if score is None:
        return 2
    return max(2, round(height * score / 100))
