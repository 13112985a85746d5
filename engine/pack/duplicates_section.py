"""The ``duplicates:`` section of a rule file: the duplicate matchers, read like every rule.

The section is validated with the matcher configuration's own models
(:mod:`engine.duplicates.config`) and its mistakes are worded by the pack's messages, so the
loader can locate them as ``path:line:column`` beside the other files' errors. Then come the
checks one key cannot make on its own: names that point nowhere and scorers of the wrong kind
(:func:`engine.duplicates.config_loader.cross_check`), rule ids, and the fields every matcher
reads, checked against the org's objects like a rule's fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from engine.duplicates.config import DuplicatesConfig
from engine.duplicates.config_loader import cross_check
from engine.located import Loc, Problem, did_you_mean
from engine.model import FieldInfo
from engine.pack.messages import problems_from
from engine.rules.base import Needs
from engine.sfschema import Schema

#: The top-level key of a rule file that holds the matchers.
SECTION = "duplicates"
#: Read beside the compared fields: the survivor rules (oldest, most recent activity) and the
#: review task's owner need them.
BOOKKEEPING_FIELDS = ("Id", "OwnerId", "CreatedDate", "LastActivityDate")
#: Per object, what decides whether a record takes part at all (a converted lead does not).
PARTICIPATION_FIELDS: dict[str, tuple[str, ...]] = {"Lead": ("IsConverted",)}

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_duplicates(data: Any, schema: Schema) -> tuple[DuplicatesConfig | None, list[Problem]]:
    """The matchers of one ``duplicates:`` section, or every problem in it (located from the
    section itself: the caller adds the ``duplicates`` key in front)."""
    if not isinstance(data, dict):
        return None, [Problem((), "'duplicates' must be a mapping with 'matchers' (and, if "
                                  "numbers are written without a country code, 'phone_region')")]
    try:
        config = DuplicatesConfig.model_validate(data)
    except ValidationError as error:
        return None, list(problems_from(error, DuplicatesConfig))
    problems = [Problem(loc, message) for loc, message in cross_check(config)]
    problems.extend(_rule_id_problems(config))
    problems.extend(_field_problems(config, schema))
    return (None if problems else config), problems


def _rule_id_problems(config: DuplicatesConfig) -> Iterator[Problem]:
    for rule_id in config.matchers:
        if not _RULE_ID.match(rule_id):
            yield Problem(("matchers", rule_id),
                          f"rule id {rule_id!r} may only use letters, digits and - _ . (and must "
                          "start with a letter or digit)", at_key=True)


def _field_problems(config: DuplicatesConfig, schema: Schema) -> Iterator[Problem]:
    for rule_id, matcher in config.matchers.items():
        for index, comparison in enumerate(matcher.comparisons):
            here: Loc = ("matchers", rule_id, "comparisons", index)
            yield from _unknown_fields(schema, matcher.object, comparison.fields,
                                       (*here, "fields"))
            if matcher.against is None:
                continue
            if comparison.against_fields is not None:
                yield from _unknown_fields(schema, matcher.against, comparison.against_fields,
                                           (*here, "against_fields"))
            else:
                yield from _unknown_fields(
                    schema, matcher.against, comparison.fields, (*here, "fields"),
                    note=f" (the fields are read on {matcher.against} too; name them there "
                         "with against_fields)")


def _unknown_fields(schema: Schema, obj: str, names: Sequence[str], loc: Loc, *,
                    note: str = "") -> Iterator[Problem]:
    for index, name in enumerate(names):
        found = schema.resolve(obj, name)
        if not isinstance(found, FieldInfo):
            yield Problem((*loc, index), found.message
                          + did_you_mean(found.word, found.suggestions) + note)


def duplicate_needs(config: DuplicatesConfig) -> Iterator[tuple[str, Needs]]:
    """What every matcher reads, per object, for the pull plan: the compared fields (on the
    ``against`` object, its own names for them) and the bookkeeping fields."""
    for matcher in config.matchers.values():
        sides = [(matcher.object, matcher.source_fields())]
        if matcher.against is not None:
            sides.append((matcher.against, matcher.source_fields(against=True)))
        for obj, fields in sides:
            yield obj, Needs(fields=frozenset(
                (*BOOKKEEPING_FIELDS, *PARTICIPATION_FIELDS.get(obj, ()), *fields)))
