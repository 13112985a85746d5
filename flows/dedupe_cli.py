"""`weeder dedupe FILE.csv`: the duplicate matcher over a file, typically a list about to be
imported, against itself or against the org's records.

The file's columns are Salesforce field names (FirstName, Email, MailingPostalCode, …; custom
fields end in ``__c``). Pairs go to ``--out`` (or stdout) as ``id_a,id_b,score,cluster_id``; a
one-line summary goes to stderr.

The matchers are the audit's own: the ``duplicates:`` section of the rule pack
(``rules/duplicates.yaml`` in the rules directory the audit reads), unless ``--config`` names
another file or rules directory.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from engine.errors import WeederError

if TYPE_CHECKING:
    from engine.duplicates import DuplicatesConfig, MatchResult

#: (object name, field names) → the org's records of that object with those fields.
OrgFetcher = Callable[[str, Sequence[str]], Iterable[Mapping[str, Any]]]

_SF_VARIABLES = ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_KEY",
                 "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "SF_INSTANCE_URL", "SF_SESSION_ID")


class ObjectName(StrEnum):
    Account = "Account"
    Contact = "Contact"
    Lead = "Lead"


def register(app: typer.Typer) -> None:
    app.command("dedupe")(dedupe)


def dedupe(
    file: Annotated[Path, typer.Argument(
        help="CSV file whose header row names Salesforce fields (Id, FirstName, Email, …).")],
    object_name: Annotated[ObjectName, typer.Option(
        "--object", case_sensitive=False, help="What the rows are.")],
    id_column: Annotated[str, typer.Option(
        "--id-column", help="The column that identifies a row.")] = "Id",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write id_a,id_b,score,cluster_id here instead of stdout.")] = None,
    against_org: Annotated[bool, typer.Option(
        "--against-org",
        help="Match the file against the org's records (SF_* variables) instead of itself.")
    ] = False,
    against_file: Annotated[Path | None, typer.Option(
        "--against", metavar="FILE",
        help="Match the file against another CSV file instead of itself.")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="A rules directory or file with a 'duplicates:' section, or a file of "
                         "matchers (default: the audit's rules, WEEDER_RULES_DIR or ./rules).")
    ] = None,
) -> None:
    """Find duplicates in a CSV file (a list about to be imported): writes
    id_a,id_b,score,cluster_id and a one-line summary; never merges anything."""
    try:
        summary = run_dedupe(file, object_name.value, id_column=id_column, out=out,
                             against_org=against_org, against_file=against_file,
                             config_path=config)
    except WeederError as error:
        typer.echo(f"weeder: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    typer.echo(summary, err=True)


def run_dedupe(
    file: Path,
    object_name: str,
    *,
    id_column: str = "Id",
    out: Path | None = None,
    against_org: bool = False,
    against_file: Path | None = None,
    config_path: Path | None = None,
    fetch_org: OrgFetcher | None = None,
    stdout: TextIO | None = None,
) -> str:
    """Match the file, write the pairs, and return the summary line.

    ``fetch_org`` supplies the org's records for ``against_org`` (a flow passes records its
    connector pulled); by default they are queried with the SF_* credentials.
    """
    from engine.duplicates import match
    from engine.pack.duplicates_section import BOOKKEEPING_FIELDS

    if against_org and against_file is not None:
        raise WeederError("choose one of --against-org and --against FILE")
    started = time.perf_counter()
    matchers = load_matchers(config_path)
    _, matcher = matchers.matcher_for(object_name)
    records = read_records(file, object_name, id_column)
    against: list[Mapping[str, Any]] | None = None
    if against_file is not None:
        against = list(read_records(against_file, object_name, id_column))
    elif against_org:
        fields = list(dict.fromkeys([*BOOKKEEPING_FIELDS, *matcher.source_fields()]))
        fetch = fetch_org or query_org
        against = [_rename_id(record, id_column) for record in fetch(object_name, fields)]
    result = match(records, matcher, against=against, id_field=id_column,
                   phone_region=matchers.phone_region)
    if out is None:
        write_pairs(result, stdout or sys.stdout)
    else:
        try:
            with out.open("w", encoding="utf-8", newline="") as handle:
                write_pairs(result, handle)
        except OSError as error:
            raise WeederError(f"{out}: cannot write: {error.strerror}") from None
    seconds = time.perf_counter() - started
    where = "org" if against_org else against_file.name if against_file else None
    return _summary(file, result, where, seconds)


def load_matchers(config_path: Path | None = None) -> DuplicatesConfig:
    """The duplicate matchers: of the rule pack the audit reads (``flows.config.rules_dir``, or
    the directory given), or of one file. The pack is loaded whole, so a mistake anywhere in
    it stops this command as it stops the audit, with every error located."""
    from engine.duplicates import load_config
    from engine.pack import load_pack
    from flows import config as settings

    if config_path is not None and not config_path.is_dir():
        return load_config(config_path)
    rules = settings.rules_dir(config_path)
    pack = load_pack(rules)
    if pack.duplicates is None:
        raise WeederError(f"no rule file in {rules} has a 'duplicates:' section: restore "
                          "rules/duplicates.yaml, or name a file of matchers with --config",
                          exit_code=1)
    return pack.duplicates


def _rename_id(record: Mapping[str, Any], id_column: str) -> Mapping[str, Any]:
    """Org records carry ``Id``; the matcher reads every record's id from ``id_column``."""
    if id_column == "Id" or id_column in record:
        return record
    return {**record, id_column: record.get("Id")}


def _summary(file: Path, result: MatchResult, where: str | None, seconds: float) -> str:
    stats = result.stats
    against = f" against {_count(stats.against_records, where + ' record')}" if where else ""
    in_groups = sum(len(cluster.members) for cluster in result.clusters)
    return (
        f"{file.name}: {_count(stats.records, 'record')}{against}: "
        f"{_count(len(result.pairs), 'duplicate pair')} in "
        f"{_count(len(result.clusters), 'group')} ({_count(in_groups, 'record')}); "
        f"{stats.summary()}; {seconds:.1f} s"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# --- the file --------------------------------------------------------------------------------


def read_records(file: Path, object_name: str, id_column: str) -> list[dict[str, str]]:
    """Rows of a CSV file as records, after checking the header and the ids."""
    from engine.duplicates.fields import is_known_field, suggest_field

    text = _read_text(file)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise WeederError(f"{file} is empty: expected a header row of Salesforce field names "
                          f"such as {id_column},FirstName,LastName,Email") from None
    except csv.Error as error:
        raise WeederError(f"{file}:1: not a readable CSV header: {error}") from None
    header = [name.strip() for name in header]
    _check_header(file, header, object_name, id_column, is_known_field, suggest_field)

    records: list[dict[str, str]] = []
    first_seen: dict[str, int] = {}
    width = len(header)
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                raise WeederError(f"{file}:{line}: {len(row)} values for {width} columns")
            record = dict(zip(header, row, strict=True))
            record_id = record[id_column].strip()
            if not record_id:
                raise WeederError(f"{file}:{line}: empty {id_column}: every row needs an id")
            if record_id in first_seen:
                raise WeederError(f"{file}:{line}: {id_column} {record_id!r} appears again "
                                  f"(first on line {first_seen[record_id]})")
            first_seen[record_id] = line
            record[id_column] = record_id
            records.append(record)
    except csv.Error as error:
        raise WeederError(f"{file}:{reader.line_num}: not readable as CSV: {error}") from None
    if not records:
        raise WeederError(f"{file} has a header but no rows: nothing to match")
    return records


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise WeederError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise WeederError(f"{file} is a directory, not a CSV file") from None
    except UnicodeDecodeError as error:
        raise WeederError(f"{file}: not UTF-8 text (byte {error.start}); save it as UTF-8 CSV")\
            from None
    except OSError as error:
        raise WeederError(f"{file}: cannot read: {error.strerror}") from None


def _check_header(
    file: Path,
    header: list[str],
    object_name: str,
    id_column: str,
    is_known: Callable[[str, str], bool],
    suggest: Callable[[str, str], str | None],
) -> None:
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(f"{file}:1: column {position} has no name")
        elif name in seen:
            problems.append(f"{file}:1: column {name!r} appears twice")
        seen.add(name)
    if id_column not in seen:
        hint = "" if id_column != "Id" else "; name the id column with --id-column"
        problems.append(f"{file}:1: no {id_column!r} column (the columns are "
                        f"{', '.join(header)}){hint}")
    for name in header:
        if name and name != id_column and not is_known(object_name, name):
            guess = suggest(object_name, name)
            hint = f" (did you mean {guess}?)" if guess else " (custom fields end in __c)"
            problems.append(f"{file}:1: column {name!r} is not a {object_name} field{hint}")
    if problems:
        raise WeederError("\n".join(problems))


def write_pairs(result: MatchResult, handle: TextIO) -> None:
    """``id_a,id_b,score,cluster_id``; groups numbered from 1 in order of their first member."""
    group = {member: number for number, cluster in enumerate(result.clusters, start=1)
             for member in cluster.members}
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["id_a", "id_b", "score", "cluster_id"])
    for pair in sorted(result.pairs, key=lambda p: (group[p.id_a], p.id_a, p.id_b)):
        writer.writerow([pair.id_a, pair.id_b, f"{pair.score:.4f}", group[pair.id_a]])


# --- the org ---------------------------------------------------------------------------------


def query_org(object_name: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    """The org's records of ``object_name`` (unconverted leads only), with the SF_* login."""
    if not any(os.environ.get(name) for name in _SF_VARIABLES):
        raise WeederError(
            "--against-org needs org credentials (SF_* variables): set SF_USERNAME and "
            "SF_PASSWORD (and SF_SECURITY_TOKEN), or SF_CONSUMER_KEY and SF_CONSUMER_SECRET, "
            "or SF_INSTANCE_URL and SF_SESSION_ID"
        )
    try:
        from connectors.salesforce import SalesforceClient
    except ImportError as error:  # the connector ships with Weeder; this is a broken install
        raise WeederError(f"--against-org cannot reach the org: {error}") from None
    soql = f"SELECT {', '.join(fields)} FROM {object_name}"
    if object_name == "Lead":
        soql += " WHERE IsConverted = false"
    with SalesforceClient.from_env() as client:
        return list(client.query(soql))
