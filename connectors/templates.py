"""The Jinja templates admins edit, read from disk (the only I/O of rendering).

`engine.templating` renders; this module only points its loader at a directory: ``templates/``
of this repository unless the caller names another (an admin's edited copy).
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from engine.errors import WeederError
from engine.templating import environment

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def load_environment(directory: Path | str | None = None) -> jinja2.Environment:
    folder = Path(directory) if directory is not None else TEMPLATES_DIR
    if not folder.is_dir():
        raise WeederError(f"{folder}: no such templates directory")
    return environment(jinja2.FileSystemLoader(folder))
