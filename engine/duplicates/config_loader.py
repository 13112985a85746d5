"""Reading a duplicates YAML file: every mistake reported at once, each with path:line:column."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine.duplicates.config import DuplicatesConfig, Kind, Matcher, Scorer, Transform
from engine.errors import WeederError

Loc = tuple[str | int, ...]

#: The shipped defaults, next to this module.
DEFAULTS_RESOURCE = "defaults.yaml"


class ConfigError(WeederError):
    """One or more mistakes in a duplicates file; the message lists each on its own line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems), exit_code=1)
        self.problems = list(problems)


def load_config(path: Path | str | None = None) -> DuplicatesConfig:
    """The configuration in ``path``, or the shipped defaults when ``path`` is None."""
    if path is None:
        text = resources.files("engine.duplicates").joinpath(DEFAULTS_RESOURCE).read_text("utf-8")
        return parse_config(text, source="engine/duplicates/defaults.yaml")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WeederError(f"{file}: no such duplicates configuration file") from None
    except OSError as error:
        raise WeederError(f"{file}: cannot read: {error.strerror}") from None
    return parse_config(text, source=str(file))


def parse_config(text: str, *, source: str = "<duplicates>") -> DuplicatesConfig:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError([f"{where}: not valid YAML: {error.problem}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1:1: expected a mapping with 'matchers'"])
    try:
        config = DuplicatesConfig.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{_where(source, root, tuple(issue['loc']), at_key=_is_unknown_key(issue))}"
            f": {_describe(issue)}"
            for issue in error.errors()
        ]
        raise ConfigError(problems) from None
    problems = [f"{_where(source, root, loc)}: {message}" for loc, message in cross_check(config)]
    if problems:
        raise ConfigError(problems)
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
    for k, key in enumerate(matcher.blocking.keys):
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


def _is_unknown_key(issue: Any) -> bool:
    return bool(issue["type"] == "extra_forbidden")


def _describe(issue: Any) -> str:
    kind = issue.get("type", "")
    field = next((str(part) for part in reversed(issue["loc"]) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        return f"unknown key {field!r}"
    if kind == "missing":
        return f"missing required key {field!r}"
    return f"{field}: {issue['msg']}" if field else str(issue["msg"])


def _where(source: str, root: yaml.Node | None, loc: Loc, *, at_key: bool = False) -> str:
    node = root
    for index, part in enumerate(loc):
        child = _child(node, part, key=at_key and index == len(loc) - 1)
        if child is None:
            break
        node = child
    if node is None:
        return source
    mark = node.start_mark
    return f"{source}:{mark.line + 1}:{mark.column + 1}"


def _child(node: yaml.Node | None, part: str | int, *, key: bool = False) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if key_node.value == str(part):
                # An unknown key points at the key itself; anything else at its value.
                return key_node if key else value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None
