"""A person's edit that lands between the audit's read and its write is never overwritten.

The audit reads a record, plans a fix, and writes it only if the record's SystemModstamp is
still the one it read. Here a sales rep, in their own API session, edits a record the audit is
about to fix, just before the write goes out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from connectors.ledger import Ledger
from connectors.salesforce import SalesforceClient, WriteResult
from engine.model import JournalStatus
from flows.audit import audit_flow
from tests.e2e.orgs import ServedOrg, login_as

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_a_record_edited_between_read_and_write_is_left_alone_and_reported(
        org: ServedOrg, monkeypatch: pytest.MonkeyPatch) -> None:
    defect = next(d for d in org.seeded.defects("bad_name_case") if d["object"] == "Contact")
    contact_id, name_field = defect["record_id"], defect["field"]
    owner = org.db.record("User", org.db.record("Contact", contact_id)["OwnerId"])
    rep = login_as(org.url, owner["Username"])
    write = SalesforceClient.update_if_unchanged
    edits: list[str] = []

    def rep_edits_first(self: SalesforceClient, object_name: str,
                        changes: Sequence[tuple[str, Mapping[str, Any], str | None]],
                        ) -> list[WriteResult]:
        if object_name == "Contact" and not edits:
            assert contact_id in [record_id for record_id, _, _ in changes]
            rep.Contact.update(contact_id, {name_field: "Jonathan-Rep"})
            edits.append(contact_id)
        return write(self, object_name, changes)

    monkeypatch.setattr(SalesforceClient, "update_if_unchanged", rep_edits_first)

    summary = audit_flow(mode="apply")

    assert edits == [contact_id]
    stored = org.db.record("Contact", contact_id)
    assert stored[name_field] == "Jonathan-Rep"
    assert stored["LastModifiedById"] == owner["Id"]  # the rep's write is the last one
    assert summary["writes"]["fixes_conflicted"] == 1
    assert summary["writes"]["fixes_failed"] == 0
    conflicts = [p for p in summary["problems"] if p.startswith("conflict: ")]
    assert len(conflicts) == 1
    assert conflicts[0].startswith(f"conflict: Contact {contact_id} changed since it was read")
    with Ledger.open() as ledger:
        entries = [e for e in ledger.journal(summary["run_id"]) if e.record_id == contact_id]
    assert [(e.field, e.status) for e in entries] == [(name_field, JournalStatus.CONFLICT)]
    # one conflict does not hold back the other fixes of its batch
    seeded = org.seeded.database()
    others = [d for d in org.seeded.defects("bad_name_case", "unnormalised_phone")
              if d["object"] == "Contact" and d["record_id"] != contact_id]
    assert others
    for other in others:
        was = seeded.record("Contact", other["record_id"])[other["field"]]
        assert org.db.record("Contact", other["record_id"])[other["field"]] != was
    assert summary["writes"]["fixes_applied"] == summary["plan"]["records_to_fix"] - 1

    monkeypatch.setattr(SalesforceClient, "update_if_unchanged", write)
    again = audit_flow(mode="apply")

    # the next run reads the rep's version and has nothing to say against it
    assert org.db.record("Contact", contact_id)[name_field] == "Jonathan-Rep"
    assert again["writes"]["fixes_conflicted"] == again["writes"]["fixes_applied"] == 0
