"""What the matcher answers: scored pairs that explain themselves, and groups of duplicates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.duplicates.blocking import KeyStats


class Verdict(StrEnum):
    AGREED = "agreed"  # similarity at or above the comparison's `agree`
    DIFFERED = "differed"
    MISSING = "missing"  # empty on at least one side: neither rewarded nor punished


@dataclass(frozen=True, slots=True)
class FieldScore:
    """How one comparison went for one pair."""

    comparison: str
    fields: tuple[str, ...]
    value_a: str  # normalised, as compared
    value_b: str
    similarity: float | None  # None when missing on either side
    weight: float
    verdict: Verdict
    note: str = ""  # e.g. "nickname", "names typed in each other's fields", "free-mail domain"

    def describe(self) -> str:
        label = "/".join(self.fields)
        if self.similarity is None:
            return f"{label} missing"
        note = f", {self.note}" if self.note else ""
        return f"{label} {self.verdict.value} ({self.similarity:.2f}{note})"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two records judged duplicates, with the score and how every field contributed."""

    id_a: str
    id_b: str
    score: float
    fields: tuple[FieldScore, ...] = ()

    @property
    def agreed(self) -> tuple[FieldScore, ...]:
        return tuple(f for f in self.fields if f.verdict is Verdict.AGREED)

    @property
    def differed(self) -> tuple[FieldScore, ...]:
        return tuple(f for f in self.fields if f.verdict is Verdict.DIFFERED)

    @property
    def missing(self) -> tuple[FieldScore, ...]:
        return tuple(f for f in self.fields if f.verdict is Verdict.MISSING)

    def explain(self) -> str:
        """One line a person can read: ``0.93: LastName agreed (1.00), FirstName agreed …``."""
        ordered = sorted(
            self.fields,
            key=lambda f: (f.verdict is Verdict.MISSING, f.verdict is Verdict.DIFFERED, -f.weight),
        )
        return f"{self.score:.2f}: " + "; ".join(f.describe() for f in ordered)

    def as_evidence(self) -> dict[str, Any]:
        return {
            "a": self.id_a,
            "b": self.id_b,
            "score": round(self.score, 4),
            "explanation": self.explain(),
            "fields": [
                {
                    "comparison": f.comparison,
                    "fields": list(f.fields),
                    "a": f.value_a,
                    "b": f.value_b,
                    "similarity": None if f.similarity is None else round(f.similarity, 4),
                    "weight": f.weight,
                    "verdict": f.verdict.value,
                    "note": f.note,
                }
                for f in self.fields
            ],
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of records that are one entity (A~B and B~C make A, B, C one group)."""

    members: tuple[str, ...]  # sorted record ids
    survivor: str  # the record suggested to keep
    survivor_reason: str  # which declared rule picked it, in words
    owner_id: str | None  # the survivor's OwnerId: who reviews the group
    pairs: tuple[Pair, ...]
    #: Members from the ``against`` set (the org, or the contacts a lead is matched against).
    existing: tuple[str, ...] = ()
    #: Every member's OwnerId, for tasks about a member other than the survivor.
    owners: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        """Stable while the group's members are the same, whatever order they arrive in."""
        return ",".join(self.members)


@dataclass(frozen=True, slots=True)
class MatchStats:
    records: int
    against_records: int
    candidate_pairs: int
    keys: tuple[KeyStats, ...] = field(default=())

    def summary(self) -> str:
        skipped = sum(k.skipped_blocks for k in self.keys)
        text = f"{self.candidate_pairs} candidate pairs from {len(self.keys)} blocking keys"
        if skipped:
            text += f" ({skipped} oversized blocks skipped)"
        return text


@dataclass(frozen=True, slots=True)
class MatchResult:
    pairs: tuple[Pair, ...]
    clusters: tuple[Cluster, ...]
    stats: MatchStats

    def cluster_of(self, record_id: str) -> Cluster | None:
        for cluster in self.clusters:
            if record_id in cluster.members:
                return cluster
        return None
