"""History written by the org itself, attributed to the session's user, and field-level
security from FieldPermissions: a rep is refused a field their profile may not edit, a manager
and the admin are not, and a permission set assigned later lets the rep in."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.server import RunningSandbox

from .conftest import MANAGER, REP, Team, login


@pytest.fixture(scope="module")
def rep(sandbox: RunningSandbox) -> Salesforce:
    return login(sandbox, REP)


@pytest.fixture(scope="module")
def manager(sandbox: RunningSandbox) -> Salesforce:
    return login(sandbox, MANAGER)


def _new_deal(sf: Salesforce, name: str, **fields: object) -> str:
    return sf.Opportunity.create({"Name": name, "StageName": "Prospecting",
                                  "CloseDate": "2026-12-31", **fields})["id"]


def test_field_history_rows_record_each_tracked_change_by_the_acting_user(
        rep: Salesforce, team: Team) -> None:
    deal_id = _new_deal(rep, "History deal", Amount=1000)
    rep.Opportunity.update(deal_id, {"StageName": "Needs Analysis", "Amount": 2500,
                                     "Type": "New Customer"})  # Type is not tracked
    record = rep.query(f"SELECT Id, (SELECT Field, OldValue, NewValue, DataType, CreatedById "
                       f"FROM Histories) FROM Opportunity WHERE Id = '{deal_id}'")["records"][0]
    changes = {h["Field"]: h for h in record["Histories"]["records"]}
    assert set(changes) == {"created", "StageName", "Amount", "Probability"}
    assert (changes["StageName"]["OldValue"], changes["StageName"]["NewValue"]) == \
        ("Prospecting", "Needs Analysis")
    assert (changes["Amount"]["OldValue"], changes["Amount"]["NewValue"]) == ("1000", "2500")
    assert changes["Amount"]["DataType"] == "Currency"
    assert {h["CreatedById"] for h in changes.values()} == {team.rep_id}


def test_opportunity_history_tracks_amount_stage_and_close_date_with_previous_values(
        rep: Salesforce, team: Team) -> None:
    deal_id = _new_deal(rep, "Pipeline deal", Amount=1000)
    rep.Opportunity.update(deal_id, {"Amount": 4000, "CloseDate": "2027-01-31"})
    rep.Opportunity.update(deal_id, {"NextStep": "Call back"})  # no OpportunityHistory row
    rows = rep.query_all(f"SELECT StageName, Amount, PrevAmount, CloseDate, PrevCloseDate, "
                         f"ForecastCategory, CreatedById FROM OpportunityHistory "
                         f"WHERE OpportunityId = '{deal_id}' ORDER BY CreatedDate")["records"]
    assert [(r["Amount"], r["PrevAmount"]) for r in rows] == [(1000.0, None), (4000.0, 1000.0)]
    assert rows[1]["PrevCloseDate"] == "2026-12-31" and rows[1]["CloseDate"] == "2027-01-31"
    assert rows[1]["ForecastCategory"] == "Pipeline"
    assert {r["CreatedById"] for r in rows} == {team.rep_id}


def test_account_history_is_attributed_to_whoever_edits(rep: Salesforce, admin: Salesforce,
                                                        team: Team) -> None:
    account_id = admin.Account.create({"Name": "Tracked Co", "Rating": "Cold"})["id"]
    rep.Account.update(account_id, {"Rating": "Hot"})
    rows = admin.query(f"SELECT Field, OldValue, NewValue, CreatedById FROM AccountHistory "
                       f"WHERE AccountId = '{account_id}' AND Field = 'Rating'")["records"]
    assert [(r["OldValue"], r["NewValue"], r["CreatedById"]) for r in rows] == [
        ("Cold", "Hot", team.rep_id)]


def test_a_rep_is_refused_a_field_their_profile_may_not_edit(rep: Salesforce) -> None:
    deal_id = _new_deal(rep, "Guarded deal")
    with pytest.raises(SalesforceMalformedRequest) as refused:
        rep.Opportunity.update(deal_id, {"Probability": 95})
    error = refused.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error["fields"] == ["Probability"]
    assert "Please check the security settings of this field" in error["message"]
    assert rep.Opportunity.get(deal_id)["Probability"] == 10.0


def test_a_manager_and_the_admin_may_edit_it(rep: Salesforce, manager: Salesforce,
                                             admin: Salesforce, team: Team) -> None:
    deal_id = _new_deal(rep, "Managed deal")
    assert manager.Opportunity.update(deal_id, {"Probability": 35}) == 204
    assert admin.Opportunity.update(deal_id, {"Probability": 45}) == 204
    deal = admin.Opportunity.get(deal_id)
    assert (deal["Probability"], deal["LastModifiedById"]) == (45.0, team.admin_id)


def test_fields_without_field_permissions_are_open_to_everyone(rep: Salesforce) -> None:
    deal_id = _new_deal(rep, "Open fields deal")
    assert rep.Opportunity.update(deal_id, {"NextStep": "Send proposal",
                                            "Amount": 1200}) == 204


def test_a_permission_set_assigned_to_the_rep_grants_the_edit(
        rep: Salesforce, admin: Salesforce, team: Team) -> None:
    deal_id = _new_deal(rep, "Granted deal")
    grant = admin.PermissionSet.create({"Name": "Forecasting", "Label": "Forecasting"})["id"]
    admin.FieldPermissions.create({"ParentId": grant, "SobjectType": "Opportunity",
                                   "Field": "Opportunity.Probability",
                                   "PermissionsRead": True, "PermissionsEdit": True})
    assignment = admin.PermissionSetAssignment.create({"AssigneeId": team.rep_id,
                                                       "PermissionSetId": grant})["id"]
    assert rep.Opportunity.update(deal_id, {"Probability": 60}) == 204
    admin.PermissionSetAssignment.delete(assignment)
    with pytest.raises(SalesforceMalformedRequest):
        rep.Opportunity.update(deal_id, {"Probability": 70})
