"""``match``: records in, duplicate pairs and groups out. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.duplicates.blocking import candidate_pairs
from engine.duplicates.clusters import build_clusters
from engine.duplicates.config import Matcher
from engine.duplicates.explain import explain_pairs
from engine.duplicates.prepare import field_getter, prepare
from engine.duplicates.result import MatchResult, MatchStats
from engine.duplicates.scoring import score_pairs
from engine.errors import WeederError

Record = Mapping[str, Any]


def match(
    records: Sequence[Record],
    matcher: Matcher,
    *,
    against: Sequence[Record] | None = None,
    id_field: str = "Id",
    phone_region: str = "US",
) -> MatchResult:
    """Find the duplicates among ``records``, or of ``records`` in ``against``.

    Records are mappings keyed by Salesforce field names (``FirstName``, ``MailingStreet``,
    ``Account`` → ``{"Name": …}``), each with a unique ``id_field``. With ``against``, only
    pairs of one record from each set are considered (a file about to be imported against the
    org; leads against contacts), and the ``against`` record is the suggested survivor.
    """
    by_id = _index(records, id_field, "records")
    against_ids: set[str] = set()
    if against is not None:
        against_index = _index(against, id_field, "against records")
        against_ids = set(against_index)
        for record_id, record in against_index.items():
            by_id.setdefault(record_id, record)

    table = prepare(records, matcher, against=against, id_field=id_field,
                    phone_region=phone_region)
    candidates = candidate_pairs(table, matcher)
    a, b = candidates.a, candidates.b
    if against is not None:
        # The same record on both sides (a file row exported from the org) is not a duplicate.
        distinct = table.ids[a] != table.ids[b]
        a, b = a[distinct], b[distinct]
    scored = score_pairs(table, matcher, a, b)
    pairs = explain_pairs(table, matcher, scored)
    pairs.sort(key=lambda pair: (pair.id_a, pair.id_b))
    clusters = build_clusters(pairs, by_id, matcher.survivor,
                              preferred=lambda record_id: record_id in against_ids)
    stats = MatchStats(
        records=table.n_left,
        against_records=table.size - table.n_left,
        candidate_pairs=int(len(a)),
        keys=tuple(candidates.stats),
    )
    return MatchResult(tuple(pairs), tuple(clusters), stats)


def _index(records: Sequence[Record], id_field: str, what: str) -> dict[str, Record]:
    read = field_getter(id_field)
    index: dict[str, Record] = {}
    for position, record in enumerate(records):
        record_id = read(record)
        if not record_id:
            raise WeederError(f"{what}[{position}] has no {id_field}: every record needs an id")
        if record_id in index:
            raise WeederError(f"{what}: {id_field} {record_id!r} appears more than once")
        index[record_id] = record
    return index


__all__ = ["match"]
