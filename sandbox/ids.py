"""Salesforce record ids: 15 case-sensitive base-62 characters, or 18 with a case checksum.

The first three characters are the object's key prefix (001 Account, 003 Contact, ...). The
18-character form appends one character per 5-character chunk whose bit j is set when chunk
character j is an upper-case letter; that is what lets case-insensitive tools (Excel, Data
Loader) round-trip ids.
"""

from __future__ import annotations

import re
import string

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
#: Characters 4-5 of an id name the instance ("pod"); ours is fixed.
POD = "0W"


def checksum(id15: str) -> str:
    """The three-character case checksum of a 15-character id."""
    suffix = []
    for chunk_start in range(0, 15, 5):
        chunk = id15[chunk_start : chunk_start + 5]
        bits = sum(1 << j for j, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix.append(_SUFFIX[bits])
    return "".join(suffix)


def to18(record_id: str) -> str:
    """The 18-character form of a 15- or 18-character id (case restored from the checksum)."""
    normalised = normalise(record_id)
    if normalised is None:
        raise ValueError(f"malformed id {record_id!r}")
    return normalised


def normalise(record_id: str) -> str | None:
    """The canonical 18-character id, or None when ``record_id`` is not a well-formed id.

    An 18-character id whose letters were case-mangled (by a case-insensitive tool) is repaired
    from its checksum, as Salesforce does.
    """
    if not isinstance(record_id, str) or not _ID_PATTERN.match(record_id):
        return None
    if len(record_id) == 15:
        return record_id + checksum(record_id)
    head, suffix = record_id[:15], record_id[15:].upper()
    if checksum(head) == suffix:
        return head + suffix
    repaired = []
    for chunk_index in range(3):
        chunk = head[chunk_index * 5 : chunk_index * 5 + 5]
        code = _SUFFIX.find(suffix[chunk_index])
        if code < 0:
            return None
        for j, char in enumerate(chunk):
            repaired.append(char.upper() if code & (1 << j) else char.lower())
    fixed = "".join(repaired)
    return fixed + suffix if checksum(fixed) == suffix else None


def make_id(key_prefix: str, counter: int) -> str:
    """The 18-character id of the ``counter``-th record of an object with ``key_prefix``."""
    if counter < 0 or counter >= 62**10:
        raise ValueError("id counter out of range")
    digits = []
    for _ in range(10):
        counter, remainder = divmod(counter, 62)
        digits.append(_BASE62[remainder])
    id15 = key_prefix + POD + "".join(reversed(digits))
    return id15 + checksum(id15)


def key_prefix(record_id: str) -> str:
    return record_id[:3]
