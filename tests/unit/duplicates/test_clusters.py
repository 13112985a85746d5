"""Pairs become groups (A~B and B~C make one), and a declared rule suggests who survives."""

from __future__ import annotations

from typing import Any

from engine.duplicates.clusters import build_clusters, choose_survivor, completeness
from engine.duplicates.config import SurvivorRule
from engine.duplicates.result import Pair

OLDEST, COMPLETE, ACTIVE = (SurvivorRule.OLDEST, SurvivorRule.MOST_COMPLETE,
                            SurvivorRule.MOST_RECENT_ACTIVITY)


def test_pairs_chain_into_one_group_and_unrelated_pairs_stay_apart() -> None:
    pairs = [Pair("A", "B", 0.9), Pair("C", "B", 0.85), Pair("X", "Y", 0.95)]
    clusters = build_clusters(pairs, {}, [OLDEST])

    assert [c.members for c in clusters] == [("A", "B", "C"), ("X", "Y")]
    assert [len(c.pairs) for c in clusters] == [2, 1]
    assert clusters[0].identity == "A,B,C"


def test_group_identity_does_not_depend_on_pair_order() -> None:
    one = build_clusters([Pair("C", "B", 0.9), Pair("A", "B", 0.9)], {}, [OLDEST])
    other = build_clusters([Pair("A", "B", 0.9), Pair("B", "C", 0.9)], {}, [OLDEST])
    assert one[0].identity == other[0].identity


RECORDS: dict[str, dict[str, Any]] = {
    "A": {"Id": "A", "CreatedDate": "2021-03-01T00:00:00.000+0000", "Email": "a@x.com",
          "LastActivityDate": "2026-01-10", "OwnerId": "005A"},
    "B": {"Id": "B", "CreatedDate": "2019-06-01T00:00:00.000+0000", "Email": "",
          "LastActivityDate": "2025-05-01", "OwnerId": "005B"},
    "C": {"Id": "C", "CreatedDate": "2020-01-01T00:00:00.000+0000", "Email": "c@x.com",
          "Phone": "+14155550123", "LastActivityDate": None, "OwnerId": "005C"},
}


def test_oldest_keeps_the_earliest_created_record() -> None:
    assert choose_survivor("ABC", RECORDS, [OLDEST]) == ("B", "oldest record (CreatedDate)")


def test_most_complete_keeps_the_record_with_most_values() -> None:
    assert choose_survivor("ABC", RECORDS, [COMPLETE])[0] == "C"
    assert completeness(RECORDS["C"]) == 2  # Email, Phone; bookkeeping fields do not count


def test_most_recent_activity_keeps_the_latest_and_ranks_no_activity_last() -> None:
    assert choose_survivor("ABC", RECORDS, [ACTIVE]) == (
        "A", "most recent activity (LastActivityDate)")


def test_later_rules_break_ties_and_the_lowest_id_breaks_the_last() -> None:
    twins: dict[str, dict[str, Any]] = {"P": {"Email": "p@x.com"}, "Q": {"Email": "q@x.com",
                                                 "CreatedDate": "2020-01-01"}}
    assert choose_survivor("PQ", twins, [COMPLETE, OLDEST]) == (
        "Q", "oldest record (CreatedDate)")
    assert choose_survivor("QP", {}, [COMPLETE, ACTIVE]) == (
        "P", "lowest record id (the survivor rules tie)")


def test_a_record_already_there_survives_when_matching_against_a_set() -> None:
    clusters = build_clusters([Pair("new", "old", 0.9)], RECORDS | {"old": {}, "new": {}},
                              [COMPLETE], preferred=lambda record_id: record_id == "old")
    assert (clusters[0].survivor, clusters[0].survivor_reason) == ("old", "already in the org")
    assert clusters[0].existing == ("old",)


def test_the_owner_is_the_survivors_owner() -> None:
    clusters = build_clusters([Pair("A", "B", 0.9), Pair("B", "C", 0.9)], RECORDS, [OLDEST])
    assert clusters[0].owner_id == "005B"
    assert clusters[0].owners == {"A": "005A", "B": "005B", "C": "005C"}
