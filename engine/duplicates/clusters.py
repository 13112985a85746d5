"""Pairs grouped into clusters (A~B and B~C make one group) and a survivor suggested for each.

The survivor is only a suggestion for the person who reviews the group: merging in Salesforce
is destructive, so Weeder never merges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from engine.duplicates.config import SurvivorRule
from engine.duplicates.result import Cluster, Pair

Record = Mapping[str, Any]

#: Fields that say nothing about how complete a record is.
_NOT_CONTENT = frozenset({
    "Id", "attributes", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate",
    "LastModifiedById", "SystemModstamp", "LastActivityDate", "IsDeleted", "LastViewedDate",
    "LastReferencedDate",
})


class UnionFind:
    """Disjoint sets over arbitrary hashable ids, with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._size: dict[str, int] = {}

    def find(self, item: str) -> str:
        parent = self._parent
        if item not in parent:
            parent[item] = item
            self._size[item] = 1
            return item
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]

    def groups(self) -> list[list[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for item in self._parent:
            members[self.find(item)].append(item)
        return list(members.values())


def build_clusters(
    pairs: Sequence[Pair],
    records: Mapping[str, Record],
    rules: Sequence[SurvivorRule],
    *,
    preferred: Callable[[str], bool] = lambda _id: False,
) -> list[Cluster]:
    """Connected groups of ``pairs``, each with its survivor; ``records`` maps id → record.

    ``preferred`` marks records that win before any rule applies: when a file is matched
    against the org, the record already in the org survives.
    """
    union = UnionFind()
    for pair in pairs:
        union.union(pair.id_a, pair.id_b)
    by_root: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_root[union.find(pair.id_a)].append(pair)
    clusters = []
    for group in union.groups():
        members = tuple(sorted(group))
        survivor, reason = choose_survivor(members, records, rules, preferred=preferred)
        owners = {member: records.get(member, {}).get("OwnerId") or None for member in members}
        group_pairs = tuple(sorted(by_root[union.find(members[0])],
                                   key=lambda p: (p.id_a, p.id_b)))
        existing = tuple(member for member in members if preferred(member))
        clusters.append(Cluster(members, survivor, reason, owners[survivor], group_pairs,
                                existing, owners))
    clusters.sort(key=lambda c: c.members)
    return clusters


def choose_survivor(
    members: Iterable[str],
    records: Mapping[str, Record],
    rules: Sequence[SurvivorRule],
    *,
    preferred: Callable[[str], bool] = lambda _id: False,
) -> tuple[str, str]:
    """The member the rules pick (each rule breaks the previous one's ties; then the lowest
    id), and why, in words."""
    candidates = sorted(members)
    preferred_ones = [member for member in candidates if preferred(member)]
    if preferred_ones and len(preferred_ones) < len(candidates):
        candidates = preferred_ones
        if len(candidates) == 1:
            return candidates[0], "already in the org"
    for rule in rules:
        winners = _best(rule, candidates, records)
        if len(winners) == 1:
            return winners[0], _REASON[rule]
        candidates = winners
    return candidates[0], "lowest record id (the survivor rules tie)"


_REASON = {
    SurvivorRule.OLDEST: "oldest record (CreatedDate)",
    SurvivorRule.MOST_COMPLETE: "most complete record (non-empty fields)",
    SurvivorRule.MOST_RECENT_ACTIVITY: "most recent activity (LastActivityDate)",
}


def _best(rule: SurvivorRule, candidates: list[str], records: Mapping[str, Record]) -> list[str]:
    """The candidates the rule ranks first. A record without the rule's date ranks last."""
    if rule is SurvivorRule.MOST_COMPLETE:
        counts = {member: completeness(records.get(member, {})) for member in candidates}
        top = max(counts.values())
        return [member for member in candidates if counts[member] == top]
    field = "CreatedDate" if rule is SurvivorRule.OLDEST else "LastActivityDate"
    dates = {member: _iso(records.get(member, {}).get(field)) for member in candidates}
    dated = [date for date in dates.values() if date]
    if not dated:
        return candidates
    # ISO 8601 strings in one format order like the instants they name.
    target = min(dated) if rule is SurvivorRule.OLDEST else max(dated)
    return [member for member in candidates if dates[member] == target]


def completeness(record: Record) -> int:
    return sum(
        1
        for name, value in record.items()
        if name not in _NOT_CONTENT and value not in (None, "") and not isinstance(value, Mapping)
    )


def _iso(value: Any) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
