"""Injected faults for reliability tests: ``--faults RATE --fault-seed N``.

A seeded generator decides, request by request and in arrival order, whether a REST request
(never a login) is answered with a fault instead: 503, 403 REQUEST_LIMIT_EXCEEDED, or 401
INVALID_SESSION_ID (the session is really dropped, so the client must log in again). For sObject
collection writes a fourth kind fails some items with UNABLE_TO_LOCK_ROW while the others are
written. Every request in faults mode also gets a little latency. The decision is made before
anything is written, so a fault never half-applies a write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from sandbox.wire import SalesforceError, invalid_session, limit_exceeded

MAX_LATENCY_SECONDS = 0.015
LOCK_SHARE = 0.5


class FaultKind(Enum):
    UNAVAILABLE = "unavailable"
    LIMIT = "limit"
    SESSION = "session"
    LOCK_ROWS = "lock_rows"


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    #: seeds the choice of locked items, so the whole sequence follows from --fault-seed
    lock_seed: int = 0

    def error(self) -> SalesforceError:
        if self.kind is FaultKind.UNAVAILABLE:
            return SalesforceError.one(503, "SERVER_UNAVAILABLE",
                                       "Server is temporarily unavailable. Please retry later.")
        if self.kind is FaultKind.LIMIT:
            return limit_exceeded()
        return invalid_session()

    def locked_items(self, count: int) -> set[int]:
        """Which of ``count`` collection items fail with UNABLE_TO_LOCK_ROW (at least one)."""
        chooser = random.Random(self.lock_seed)
        locked = {i for i in range(count) if chooser.random() < LOCK_SHARE}
        return locked or ({chooser.randrange(count)} if count else set())


@dataclass(frozen=True, slots=True)
class Decision:
    latency: float
    fault: Fault | None


class FaultInjector:
    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"the fault rate is a share between 0 and 1, not {rate}")
        self.rate = rate
        self._random = random.Random(seed)

    @property
    def active(self) -> bool:
        return self.rate > 0

    def decide(self, *, collection_write: bool) -> Decision:
        if not self.active:
            return Decision(0.0, None)
        latency = self._random.uniform(0.0, MAX_LATENCY_SECONDS)
        if self._random.random() >= self.rate:
            return Decision(latency, None)
        kinds = [FaultKind.UNAVAILABLE, FaultKind.LIMIT, FaultKind.SESSION]
        if collection_write:
            kinds.append(FaultKind.LOCK_ROWS)
        kind = self._random.choice(kinds)
        return Decision(latency, Fault(kind, self._random.getrandbits(32)))


def lock_error_message() -> str:
    return "unable to obtain exclusive access to this record or 1 records"
