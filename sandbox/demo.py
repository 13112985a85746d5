"""`make demo`: Weeder's main job against a freshly seeded sandbox org, start to finish.

Seeds an org with known dirty data, serves it on a free loopback port, runs the audit as a plan
and then for real, writes each manager's digest preview to ``outbox/``, prints what happened,
and stops everything it started. It runs the same commands a person would type, in one
process, so Prefect's local server starts once.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path.cwd()
WORK = ROOT / ".demo"
OUTBOX = ROOT / "outbox"


def _say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def _weeder(args: Sequence[str]) -> int:
    """Run one `weeder` command in this process; its exit code, never an exception."""
    from flows.cli import app

    print(f"$ weeder {' '.join(args)}", flush=True)
    import click

    from engine.errors import WeederError

    try:
        result = app(list(args), standalone_mode=False)
        return result if isinstance(result, int) else 0
    except SystemExit as stop:
        return int(stop.code or 0)
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except WeederError as error:  # a demo reports and carries on, to stop the sandbox
        print(f"weeder: {error}", file=sys.stderr)
        return error.exit_code


def main() -> int:
    from sandbox.seed import seed_org
    from sandbox.server import start_sandbox

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    OUTBOX.mkdir(exist_ok=True)
    for old in OUTBOX.glob("*"):
        if old.is_file():
            old.unlink()
    org_db, manifest = WORK / "org.db", WORK / "manifest.json"

    _say("Seeding a sandbox org with known dirty data")
    started = time.perf_counter()
    print(seed_org(org_db, size=2000, seed=7, manifest_path=manifest))
    planted = json.loads(manifest.read_text())["defects"]

    with start_sandbox(org_db) as sandbox:
        _say(f"Sandbox org serving on {sandbox.url}")
        os.environ.update({
            "SF_INSTANCE_URL": sandbox.url, "SF_USERNAME": "admin@weeder.sandbox",
            "SF_PASSWORD": "weeder", "SF_SECURITY_TOKEN": "",
            "WEEDER_DB_URL": f"sqlite:///{WORK / 'weeder.db'}",
            "WEEDER_LOG_LEVEL": os.environ.get("WEEDER_LOG_LEVEL", "WARNING"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        })
        for name in ("SF_SESSION_ID", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET",
                     "SF_PRIVATE_KEY_FILE", "SF_DOMAIN"):
            os.environ.pop(name, None)
        codes = []
        _say("1. The first audit of an org is a plan: nothing is written")
        codes.append(_weeder(["audit", "--plan", "--out", str(OUTBOX / "plan.csv"),
                              "--show-plan", "15"]))
        _say("2. Apply: fixes written (journaled first), review tasks opened")
        codes.append(_weeder(["audit", "--apply", "--show-plan", "0"]))
        _say("3. An hour later: incremental, nothing to redo")
        codes.append(_weeder(["audit", "--apply", "--show-plan", "0"]))
        _say("4. The weekly digest, previewed into outbox/")
        codes.append(_weeder(["digest", "--preview", str(OUTBOX)]))
        _say("Runs remembered in the ledger")
        codes.append(_weeder(["runs"]))

    _say("Summary")
    previews = sorted(OUTBOX.glob("*.html"))
    print(f"Planted defects in the seed: {len(planted)} (manifest: {manifest})")
    print(f"Plan file: {OUTBOX / 'plan.csv'}")
    print(f"Digest previews ({len(previews)}):")
    for preview in previews:
        print(f"  {preview}")
    print(f"Sandbox stopped. Took {time.perf_counter() - started:.0f} s.")
    failed = [code for code in codes if code not in (0,)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
