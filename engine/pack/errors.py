"""Rule-file mistakes, each pointing at a place: ``path:line:column: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.errors import WeederError


@dataclass(frozen=True, slots=True, order=True)
class RuleError:
    """One mistake in one rule file; line and column are 1-based, as editors count."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class RuleErrors(WeederError):
    """Every mistake found in a rule pack, reported together; nothing runs while any remain."""

    exit_code = 1

    def __init__(self, errors: Iterable[RuleError]) -> None:
        self.errors: list[RuleError] = sorted(set(errors))
        count = len(self.errors)
        heading = f"{count} error{'s' if count != 1 else ''} in the rule files"
        super().__init__("\n".join([heading, *map(str, self.errors)]))
