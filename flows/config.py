"""Where things are, from the environment first: rule and template directories, knobs.

Every setting has an environment variable (documented in the README) and a sensible default.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def rules_dir(given: str | Path | None = None) -> Path:
    """--rules DIR, else WEEDER_RULES_DIR, else ./rules, else the shipped default pack."""
    if given:
        return Path(given)
    if os.environ.get("WEEDER_RULES_DIR"):
        return Path(os.environ["WEEDER_RULES_DIR"])
    local = Path("rules")
    return local if local.is_dir() else _REPO / "rules"


def templates_dir() -> Path:
    if os.environ.get("WEEDER_TEMPLATES_DIR"):
        return Path(os.environ["WEEDER_TEMPLATES_DIR"])
    return _REPO / "templates"


def api_floor_share() -> float:
    """Stop writing before the org's remaining daily API requests fall below this share."""
    return float(os.environ.get("WEEDER_API_FLOOR", "0.2"))


def full_pass_every_hours() -> float:
    """Hourly runs are incremental; the first run after this many hours re-reads everything,
    because time-based rules (stale deals, passed close dates) change without any edit."""
    return float(os.environ.get("WEEDER_FULL_EVERY_HOURS", "24"))
