"""The rule kinds: one module each, registered here by name (yamllint style, no magic).

A rule file picks a kind with ``kind: <name>``; :data:`KINDS` is the whole list. Each module's
docstring is its user documentation (the JSON Schema of ``weeder rules schema`` carries it).

Actions and kinds: every kind may ``report`` and open a review ``task``; ``fix`` is for kinds
that propose corrections (allowed_values, normalise); ``revert`` only for edit_violation. The
loader refuses any other pairing, at the ``action:`` line. rules/README.md has the overview.
"""

from __future__ import annotations

from engine.rules import (
    allowed_values,
    consistency,
    decay,
    edit_violation,
    format,
    normalise,
    permission_drift,
    required,
    stage_progression,
)
from engine.rules.base import KindSpec, Needs, Violation

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec.of(required),
        KindSpec.of(format),
        KindSpec.of(allowed_values),
        KindSpec.of(consistency),
        KindSpec.of(normalise),
        KindSpec.of(decay),
        KindSpec.of(permission_drift),
        KindSpec.of(edit_violation),
        KindSpec.of(stage_progression),
    )
}

__all__ = ["KINDS", "KindSpec", "Needs", "Violation"]
