"""Reading the duplicate matchers' configuration: every mistake reported at once, each with
path:line:column.

The matchers are part of the rule pack: the ``duplicates:`` section of ``rules/duplicates.yaml``,
which :func:`engine.pack.load_pack` reads with the other rule files. This module reads the same
section from one file (a rule file, or a file holding only the section's content, such as
``bench/dedupe_febrl.yaml``) for ``weeder dedupe --config`` and the benchmarks, with the pack's
reader and wording, so a mistake reads the same wherever it is found.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from engine.duplicates.config import DuplicatesConfig, Kind, Matcher, Scorer, Transform
from engine.errors import WeederError

Loc = tuple[str | int, ...]

#: The shipped matchers: the rule pack's duplicates file.
SHIPPED = Path(__file__).resolve().parents[2] / "rules" / "duplicates.yaml"


class ConfigError(WeederError):
    """One or more mistakes in a duplicates file; the message lists each on its own line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems), exit_code=1)
        self.problems = list(problems)


def load_config(path: Path | str | None = None) -> DuplicatesConfig:
    """The matchers in ``path``, or the shipped ones (``rules/duplicates.yaml``) when None."""
    file = SHIPPED if path is None else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WeederError(f"{file}: no such duplicates configuration file") from None
    except IsADirectoryError:
        raise WeederError(f"{file} is a directory: give the file with the 'duplicates:' "
                          "section") from None
    except OSError as error:
        raise WeederError(f"{file}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise WeederError(f"{file}: not UTF-8 text (byte {error.start})") from None
    return parse_config(text, source=str(file))


def parse_config(text: str, *, source: str = "<duplicates>") -> DuplicatesConfig:
    """The matchers of a rule file's ``duplicates:`` section, or of a file that holds only the
    section's content (``phone_region``, ``matchers``). Other sections of a rule file are the
    pack's to check (``weeder rules validate``)."""
    # Imported here: the rule pack imports this package, and its reader is the one to use.
    from engine.pack.duplicates_section import SECTION, read_duplicates
    from engine.pack.yaml_source import parse_document
    from engine.sfschema import Schema

    document, errors = parse_document(source, text)
    if document is None:
        raise ConfigError([str(error) for error in errors])
    data = document.data
    prefix: Loc = ()
    if isinstance(data, dict) and SECTION in data:
        data, prefix = data[SECTION], (SECTION,)
    config, problems = read_duplicates(data, Schema())
    errors.extend(document.error((*prefix, *problem.loc), problem.message,
                                 at_key=problem.at_key) for problem in problems)
    if errors or config is None:
        raise ConfigError([str(error) for error in sorted(set(errors))])
    return config


def cross_check(config: DuplicatesConfig) -> Iterator[tuple[Loc, str]]:
    """Mistakes a single field cannot see: names that point nowhere, scorers of the wrong kind."""
    for rule_id, matcher in config.matchers.items():
        yield from _check_matcher(("matchers", rule_id), matcher)


def _check_matcher(at: Loc, matcher: Matcher) -> Iterator[tuple[Loc, str]]:
    names = [comparison.name for comparison in matcher.comparisons]
    known = set(names)
    for index, name in enumerate(names):
        if names.index(name) != index:
            yield (*at, "comparisons", index, "name"), f"comparison {name!r} is declared twice"
    for index, comparison in enumerate(matcher.comparisons):
        here = (*at, "comparisons", index)
        scorer = comparison.effective_scorer
        if scorer is Scorer.WEIGHTED_TOKENS and comparison.kind is not Kind.COMPANY:
            yield (*here, "scorer"), "weighted_tokens scores company names only (kind: company)"
        if scorer is Scorer.EMAIL and comparison.kind is not Kind.EMAIL:
            yield (*here, "scorer"), "the email scorer needs kind: email"
        swap = comparison.swap_with
        if swap is not None and (swap not in known or swap == comparison.name):
            yield (*here, "swap_with"), f"no other comparison is named {swap!r}"
        if comparison.against_fields is not None and matcher.against is None:
            yield (*here, "against_fields"), "against_fields needs the matcher to set 'against'"
    for k, key in enumerate(matcher.blocking.key_list):
        for p, part in enumerate(key.parts):
            here = (*at, "blocking", "keys", k, "parts", p)
            if part.comparison not in known:
                yield (*here, "comparison"), f"no comparison is named {part.comparison!r}"
                continue
            kind = matcher.comparison(part.comparison).kind
            if part.transform in (Transform.PREFIX, Transform.TAIL) and part.length is None:
                yield (*here, "length"), f"{part.transform.value} needs a length"
            email_only = part.transform in (Transform.DOMAIN, Transform.LOCAL_PART)
            if email_only and kind is not Kind.EMAIL:
                yield (*here, "transform"), f"{part.transform.value} applies to email comparisons"
            if part.transform is Transform.YEAR and kind is not Kind.DATE:
                yield (*here, "transform"), "year applies to date comparisons"
            if part.transform is Transform.DISTINCTIVE_WORD and kind is not Kind.COMPANY:
                yield (*here, "transform"), "distinctive_word applies to company comparisons"
    prefilter = matcher.blocking.prefilter
    if prefilter is not None:
        for index, name in enumerate(prefilter.comparisons):
            if name not in known:
                yield (*at, "blocking", "prefilter", "comparisons", index), (
                    f"no comparison is named {name!r}"
                )
        if prefilter.scorer in (Scorer.WEIGHTED_TOKENS, Scorer.EMAIL):
            yield (*at, "blocking", "prefilter", "scorer"), "the prefilter needs a rapidfuzz scorer"
