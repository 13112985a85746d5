"""The sandbox store's write semantics, without HTTP: stamps, transactions, cascades,
field-level security seen across connections, and the history it writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.bootstrap import ensure_org
from sandbox.db import connect, parse_datetime
from sandbox.security import Actor, load_actor
from sandbox.store import Store
from sandbox.wire import SalesforceError

FROZEN = datetime(2026, 3, 4, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def org(tmp_path: Path) -> tuple[Store, Actor]:
    conn = connect(tmp_path / "org.db")
    actor = load_actor(conn, ensure_org(conn))
    assert actor is not None and actor.is_admin
    return Store(conn, clock=lambda: FROZEN), actor


def _deal(store: Store, actor: Actor, **fields: object) -> str:
    return store.create(actor, "Opportunity", {"Name": "Deal", "StageName": "Prospecting",
                                               "CloseDate": "2026-06-30", **fields})


def test_modstamps_increase_by_a_millisecond_even_when_the_clock_stands_still(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    first = store.create(actor, "Account", {"Name": "A"})
    second = store.create(actor, "Account", {"Name": "B"})
    stamps = [store.fetch(store.sobject("Account"), i)["SystemModstamp"]  # type: ignore[index]
              for i in (first, second)]
    assert parse_datetime(stamps[1]) - parse_datetime(stamps[0]) == timedelta(milliseconds=1)


def test_a_refused_write_inside_a_transaction_leaves_the_rest(org: tuple[Store, Actor]) -> None:
    store, actor = org
    with store.transaction():
        kept = store.create(actor, "Account", {"Name": "Kept"})
        with pytest.raises(SalesforceError):
            store.create(actor, "Contact", {"FirstName": "No last name"})
    assert store.fetch(store.sobject("Account"), kept) is not None


def test_a_rolled_back_transaction_leaves_no_rows_and_no_history(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    with pytest.raises(RuntimeError), store.transaction():
        _deal(store, actor)
        raise RuntimeError("undo")
    conn = store.conn
    assert conn.execute('SELECT count(*) FROM "Opportunity"').fetchone()[0] == 0
    assert conn.execute('SELECT count(*) FROM "OpportunityHistory"').fetchone()[0] == 0
    assert conn.execute('SELECT count(*) FROM "OpportunityFieldHistory"').fetchone()[0] == 0


def test_deleting_an_account_takes_its_contacts_deals_and_activities(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    account = store.create(actor, "Account", {"Name": "Gone"})
    contact = store.create(actor, "Contact", {"LastName": "Lee", "AccountId": account})
    deal = _deal(store, actor, AccountId=account)
    task = store.create(actor, "Task", {"Subject": "Call", "WhatId": deal})
    store.delete(actor, account)
    for object_name, record_id in (("Contact", contact), ("Opportunity", deal),
                                   ("Task", task)):
        row = store.fetch(store.sobject(object_name), record_id)
        assert row is not None and row["IsDeleted"] == 1, object_name


def test_last_activity_follows_closed_tasks_and_drops_when_they_go(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    deal = _deal(store, actor)
    task = store.create(actor, "Task", {"Subject": "Call", "WhatId": deal,
                                        "ActivityDate": "2026-03-01"})
    opportunity = store.sobject("Opportunity")
    assert store.fetch(opportunity, deal)["LastActivityDate"] is None  # type: ignore[index]
    store.update(actor, "Task", task, {"Status": "Completed"})
    assert store.fetch(opportunity, deal)["LastActivityDate"] == "2026-03-01"  # type: ignore[index]
    store.delete(actor, task)
    assert store.fetch(opportunity, deal)["LastActivityDate"] is None  # type: ignore[index]


def test_a_chosen_probability_survives_and_a_stage_change_resets_it(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    deal = _deal(store, actor, Probability=33)
    opportunity = store.sobject("Opportunity")
    assert store.fetch(opportunity, deal)["Probability"] == 33.0  # type: ignore[index]
    store.update(actor, "Opportunity", deal, {"StageName": "Value Proposition"})
    assert store.fetch(opportunity, deal)["Probability"] == 50.0  # type: ignore[index]


def test_field_permissions_written_by_another_process_apply_at_once(
        org: tuple[Store, Actor], tmp_path: Path) -> None:
    store, actor = org
    rep_profile = store.create(actor, "Profile", {"Name": "Sales Rep"})
    rep = load_actor(store.conn, store.create(actor, "User", {
        "Username": "rep@x.test", "LastName": "Rep", "Email": "rep@x.test",
        "ProfileId": rep_profile}))
    assert rep is not None
    deal = _deal(store, rep)
    store.update(rep, "Opportunity", deal, {"Amount": 10})  # no FieldPermissions: open
    other = connect(tmp_path / "org.db")  # e.g. an import running beside the server
    other_store = Store(other)
    grant = other_store.create(actor, "PermissionSet", {"Name": "Ops", "Label": "Ops"})
    other_store.create(actor, "FieldPermissions", {
        "ParentId": grant, "SobjectType": "Opportunity", "Field": "Opportunity.Amount",
        "PermissionsRead": True, "PermissionsEdit": True})
    with pytest.raises(SalesforceError) as refused:
        store.update(rep, "Opportunity", deal, {"Amount": 20})
    assert refused.value.errors[0].code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    store.update(actor, "Opportunity", deal, {"Amount": 20})  # the admin bypasses


def test_history_names_standard_lookups_by_relationship_and_skips_long_text_values(
        org: tuple[Store, Actor]) -> None:
    store, actor = org
    first = store.create(actor, "Account", {"Name": "First"})
    second = store.create(actor, "Account", {"Name": "Second"})
    deal = _deal(store, actor, AccountId=first, Description="old words")
    store.update(actor, "Opportunity", deal, {"AccountId": second, "Description": "new"})
    rows = dict((r[0], (r[1], r[2], r[3])) for r in store.conn.execute(
        'SELECT Field, OldValue, NewValue, DataType FROM "OpportunityFieldHistory" '
        "WHERE OpportunityId = ? AND Field != 'created'", (deal,)))
    assert rows["Account"] == (first, second, "EntityId")
    assert rows["Description"] == (None, None, "TextArea")
