"""The seeded org against docs/seeded-defects.md, checked with plain Python on the rows.

An independent reading of the document's conventions (below, ``flag_*``) runs over the whole
seeded database; what it flags must be exactly what the manifest lists — every planted defect
found, nothing clean flagged. Duplicates are the exception: a fuzzy matcher is another room's
work, so here the clean people and companies are checked to share no e-mail, phone or name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import phonenumbers
import pycountry
import pytest
from email_validator import EmailNotValidError, validate_email
from nicknames import NickNamer

from sandbox.seed import seed_org

TODAY = date(2026, 11, 22)
CANONICAL = {"United States": "US", "United Kingdom": "GB", "Germany": "DE", "France": "FR",
             "Canada": "CA"}
ALIASES = {"usa": "US", "untied states": "US", "u.k.": "GB", "untied kingdom": "GB",
           "germny": "DE", "frnace": "FR", "canda": "CA"}
STATES = {code: {s.code.split("-")[1] for s in pycountry.subdivisions.get(country_code=code)}
          for code in ("US", "CA")}
POLICY = {
    ("Opportunity", "Amount"): {"Sales Rep", "Sales Manager", "Sales Ops",
                                "System Administrator"},
    ("Opportunity", "Probability"): {"Sales Manager", "Sales Ops", "System Administrator"},
    ("Opportunity", "ForecastCategoryName"): {"Sales Manager", "Sales Ops",
                                              "System Administrator"},
    ("Account", "AnnualRevenue"): {"Sales Ops", "System Administrator"},
    ("Account", "Rating"): {"Sales Manager", "Sales Ops", "System Administrator"},
}
DUPLICATE_KINDS = {"duplicate_account", "duplicate_contact", "duplicate_lead",
                   "lead_matches_contact"}
Finding = tuple[str, str, str, str | None]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection, dict]]:
    folder = tmp_path_factory.mktemp("seed")
    seed_org(folder / "org.db", size=2000, seed=11, manifest_path=folder / "m.json",
             today=TODAY)
    conn = sqlite3.connect(folder / "org.db")
    conn.row_factory = sqlite3.Row
    yield conn, json.loads((folder / "m.json").read_text())
    conn.close()


def rows(conn: sqlite3.Connection, sql: str, *args: object) -> list[sqlite3.Row]:
    return conn.execute(sql, args).fetchall()


# -- an independent reading of the conventions ---------------------------------------------

def country_code(value: str | None) -> str | None:
    if not value:
        return None
    return CANONICAL.get(value) or ALIASES.get(value.lower())


def flag_country(obj: str, row: sqlite3.Row, country: str, state: str) -> Iterator[Finding]:
    value = row[country]
    if value and value not in CANONICAL:
        kind = "noncanonical_country" if country_code(value) else "unknown_country"
        yield kind, obj, row["Id"], country
    code = country_code(value)
    if row[state] and (code not in STATES or row[state] not in STATES[code]):
        yield "noncanonical_state", obj, row["Id"], state
    if code in STATES and not row[state]:
        yield "missing_state", obj, row["Id"], state


def flag_phone(obj: str, row: sqlite3.Row, name: str, country: str) -> Iterator[Finding]:
    value = row[name]
    if value is None:
        return
    region = country_code(row[country]) or "US"
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        yield "invalid_phone", obj, row["Id"], name
        return
    if not phonenumbers.is_valid_number(parsed):
        yield "invalid_phone", obj, row["Id"], name
    elif phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != value:
        yield "unnormalised_phone", obj, row["Id"], name


def flag_email(obj: str, row: sqlite3.Row) -> Iterator[Finding]:
    value = row["Email"]
    if value is None:
        return
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        yield "invalid_email", obj, row["Id"], "Email"
        return
    if value != value.lower():
        yield "email_case", obj, row["Id"], "Email"


def flag_name(obj: str, row: sqlite3.Row, name: str) -> Iterator[Finding]:
    value = row[name]
    if value is None:
        return
    if value != value.strip() or "  " in value:
        yield "untidy_whitespace", obj, row["Id"], name
    elif obj != "Account" and (value.isupper() or value.islower() or not value[0].isupper()):
        yield "bad_name_case", obj, row["Id"], name


def flag_records(conn: sqlite3.Connection) -> Iterator[Finding]:
    for row in rows(conn, 'SELECT * FROM "Account"'):
        yield from flag_name("Account", row, "Name")
        if not row["BillingCountry"]:
            yield "missing_country", "Account", row["Id"], "BillingCountry"
        yield from flag_country("Account", row, "BillingCountry", "BillingState")
        yield from flag_country("Account", row, "ShippingCountry", "ShippingState")
        yield from flag_phone("Account", row, "Phone", "BillingCountry")
        website = row["Website"]
        if website and not (website.startswith("https://www.") and " " not in website
                            and "." in website[12:]):
            yield "invalid_url", "Account", row["Id"], "Website"
    for obj, country, state in (("Contact", "MailingCountry", "MailingState"),
                                ("Lead", "Country", "State")):
        for row in rows(conn, f'SELECT * FROM "{obj}"'):
            yield from flag_name(obj, row, "FirstName")
            yield from flag_name(obj, row, "LastName")
            yield from flag_email(obj, row)
            yield from flag_country(obj, row, country, state)
            for phone in ("Phone", "MobilePhone"):
                yield from flag_phone(obj, row, phone, country)
            if obj == "Contact" and not row["Email"] and not row["Phone"]:
                yield "missing_contact_point", obj, row["Id"], "Email"
            if obj == "Lead" and row["Email"] and not row["Company"]:
                yield "missing_company", obj, row["Id"], "Company"
            if obj == "Contact" and (row["LastActivityDate"] is None or date.fromisoformat(
                    row["LastActivityDate"]) < TODAY - timedelta(days=365)):
                yield "untouched_contact", obj, row["Id"], "LastActivityDate"


def flag_deals(conn: sqlite3.Connection) -> Iterator[Finding]:
    stages = {r["ApiName"]: r for r in rows(conn, 'SELECT * FROM "OpportunityStage"')}
    for row in rows(conn, 'SELECT * FROM "Opportunity"'):
        stage = stages[row["StageName"]]
        if stage["IsWon"] and row["Amount"] is None:
            yield "missing_amount", "Opportunity", row["Id"], "Amount"
        if row["Probability"] != stage["DefaultProbability"]:
            yield "probability_mismatch", "Opportunity", row["Id"], "Probability"
        if not stage["IsClosed"]:
            if date.fromisoformat(row["CloseDate"]) < TODAY:
                yield "past_close_date", "Opportunity", row["Id"], "CloseDate"
            last = row["LastActivityDate"]
            if last is None or date.fromisoformat(last) < TODAY - timedelta(days=60):
                yield "stale_open_deal", "Opportunity", row["Id"], "LastActivityDate"
    yield from flag_stage_moves(conn, stages)


def evidence_times(conn: sqlite3.Connection) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    sql = """SELECT ParentId, CreatedDate FROM "Note"
             UNION ALL SELECT l.LinkedEntityId, n.CreatedDate FROM "ContentNote" n
                       JOIN "ContentDocumentLink" l ON l.ContentDocumentId = n.Id
             UNION ALL SELECT WhatId, CreatedDate FROM "Task"
             UNION ALL SELECT WhatId, ActivityDate || 'T12:00:00.000+0000' FROM "Task"
             UNION ALL SELECT WhatId, CreatedDate FROM "Event"
             UNION ALL SELECT WhatId, StartDateTime FROM "Event"
             UNION ALL SELECT OpportunityId, CreatedDate FROM "OpportunityFieldHistory"
                       WHERE Field IN ('NextStep', 'Description')"""
    for parent, stamp in rows(conn, sql):
        if parent:
            found.setdefault(parent, []).append(parse(stamp))
    return found


def parse(stamp: str) -> datetime:
    return datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")


def flag_stage_moves(conn: sqlite3.Connection, stages: dict) -> Iterator[Finding]:
    evidence = evidence_times(conn)
    history: dict[str, list[sqlite3.Row]] = {}
    for row in rows(conn, 'SELECT * FROM "OpportunityHistory" ORDER BY CreatedDate, Id'):
        history.setdefault(row["OpportunityId"], []).append(row)
    for deal, moves in history.items():
        for before, after in zip(moves, moves[1:], strict=False):
            if before["StageName"] == after["StageName"]:
                continue
            when = parse(after["CreatedDate"])
            explained = any(abs(when - t) <= timedelta(days=7) for t in evidence.get(deal, ()))
            old, new = stages[before["StageName"]], stages[after["StageName"]]
            if new["SortOrder"] - old["SortOrder"] >= 3 and not explained:
                yield "stage_jump_without_notes", "Opportunity", deal, "StageName"
            if old["IsClosed"] and not new["IsClosed"] and not explained:
                yield "reopened_without_notes", "Opportunity", deal, "StageName"


def flag_permissions(conn: sqlite3.Connection) -> Iterator[Finding]:
    for row in rows(conn, """SELECT fp.Field, ps.Id, ps.Name, ps.IsOwnedByProfile, p.Name AS
                             Profile FROM "FieldPermissions" fp
                             JOIN "PermissionSet" ps ON ps.Id = fp.ParentId
                             LEFT JOIN "Profile" p ON p.Id = ps.ProfileId
                             WHERE fp.PermissionsEdit = 1"""):
        allowed = POLICY.get(tuple(row["Field"].split(".")))  # type: ignore[arg-type]
        holder = row["Profile"] if row["IsOwnedByProfile"] else row["Name"]
        if allowed is not None and holder not in allowed:
            yield "permission_drift", "PermissionSet", row["Id"], row["Field"]
    profiles = {r["Id"]: r["Name"] for r in rows(
        conn, 'SELECT u.Id, p.Name FROM "User" u JOIN "Profile" p ON p.Id = u.ProfileId')}
    won_at = {r["OpportunityId"]: r["CreatedDate"] for r in rows(
        conn, """SELECT OpportunityId, min(CreatedDate) AS CreatedDate FROM "OpportunityHistory"
                 WHERE StageName = 'Closed Won' GROUP BY OpportunityId""")}
    edits = rows(conn, """SELECT 'Opportunity' AS obj, OpportunityId AS parent, Field, CreatedById,
                          CreatedDate FROM "OpportunityFieldHistory"
                          UNION ALL SELECT 'Account', AccountId, Field, CreatedById, CreatedDate
                          FROM "AccountHistory" """)
    for edit in edits:
        allowed = POLICY.get((edit["obj"], edit["Field"]))
        if allowed is None:
            continue
        won = won_at.get(edit["parent"])
        if edit["Field"] == "Amount" and won is not None and edit["CreatedDate"] > won:
            allowed = {"Sales Ops", "System Administrator"}
        if profiles[edit["CreatedById"]] not in allowed:
            yield "unauthorized_edit", edit["obj"], edit["parent"], edit["Field"]


# -- the tests -------------------------------------------------------------------------------

def test_what_the_conventions_flag_is_exactly_the_manifest(org) -> None:
    conn, manifest = org
    flagged = set(flag_records(conn)) | set(flag_deals(conn)) | set(flag_permissions(conn))
    planted = {(d["kind"], d["object"], d["record_id"], d["field"])
               for d in manifest["defects"] if d["kind"] not in DUPLICATE_KINDS}
    assert sorted(flagged - planted) == []  # nothing clean is flagged
    assert sorted(planted - flagged) == []  # every planted defect is found


def test_controls_are_not_flagged(org) -> None:
    conn, manifest = org
    flagged = {f[2] for f in set(flag_deals(conn))}
    jumps = [c for c in manifest["controls"] if c["kind"] == "stage_jump_with_notes"]
    assert len(jumps) >= 2
    assert not {c["record_id"] for c in jumps} & flagged


def test_clean_people_share_no_email_phone_or_name(org) -> None:
    conn, manifest = org
    planted = {d["record_id"] for d in manifest["defects"]} | {
        d["group"] for d in manifest["defects"] if d["kind"] == "lead_matches_contact"}
    controls = {c["record_id"] for c in manifest["controls"]}
    namer = NickNamer()

    def linked(a: str, b: str) -> bool:  # as a matcher reads nicknames: Bob = Robert
        return a == b or b in namer.nicknames_of(a) | namer.canonicals_of(a) \
            or a in namer.nicknames_of(b) | namer.canonicals_of(b)

    seen_email: dict[str, str] = {}
    seen_phone: dict[str, str] = {}
    by_last: dict[str, list[tuple[str, str]]] = {}
    people = rows(conn, 'SELECT Id, FirstName, LastName, Email, Phone, MobilePhone FROM "Contact"'
                        ' UNION ALL SELECT Id, FirstName, LastName, Email, Phone, MobilePhone '
                        'FROM "Lead"')
    for person in people:
        if person["Id"] in planted or person["Id"] in controls:
            continue
        first = person["FirstName"].lower()
        namesakes = by_last.setdefault(person["LastName"].lower(), [])
        twin = [other for name, other in namesakes if linked(first, name)]
        assert not twin, (person["Id"], twin)
        namesakes.append((first, person["Id"]))
        assert person["Email"] not in seen_email, person["Id"]
        seen_email[person["Email"]] = person["Id"]
        for phone in (person["Phone"], person["MobilePhone"]):
            if phone:
                assert phone not in seen_phone, (person["Id"], seen_phone[phone])
                seen_phone[phone] = person["Id"]


def test_clean_companies_have_distinct_names_and_websites(org) -> None:
    conn, manifest = org
    grouped = {d["record_id"] for d in manifest["defects"] if d["kind"] == "duplicate_account"}
    names: set[str] = set()
    websites: set[str] = set()
    for row in rows(conn, 'SELECT Id, Name, Website FROM "Account"'):
        if row["Id"] in grouped:
            continue
        brand = row["Name"].split()[0].lower()
        assert brand not in names or brand in {"first", "golden", "blue", "pacific",
                                               "atlantic", "northern", "silver"}, row["Name"]
        names.add(brand)
        if row["Website"]:
            assert row["Website"] not in websites
            websites.add(row["Website"])


def test_duplicate_clusters_share_a_strong_signal(org) -> None:
    conn, manifest = org
    groups: dict[str, list[str]] = {}
    for d in manifest["defects"]:
        if d["kind"] in ("duplicate_contact", "duplicate_lead", "duplicate_account"):
            groups.setdefault(d["group"], []).append(d["record_id"])
    assert groups and all(2 <= len(ids) <= 3 for ids in groups.values())
    for ids in groups.values():
        obj = {"001": "Account", "003": "Contact", "00Q": "Lead"}[ids[0][:3]]
        signal = "Website, Phone" if obj == "Account" else "Email, Phone"
        found = rows(conn, f'SELECT {signal} FROM "{obj}" WHERE Id IN '
                           f'({",".join("?" * len(ids))})', *ids)
        base = found[0]
        for other in found[1:]:
            assert any(base[i] is not None and base[i] == other[i] for i in range(2)), ids


def test_open_deals_are_recent_and_contacts_touched_within_a_year(org) -> None:
    conn, manifest = org
    planted = {d["record_id"] for d in manifest["defects"]}
    for row in rows(conn, 'SELECT Id, LastActivityDate FROM "Opportunity" WHERE IsClosed = 0'):
        if row["Id"] not in planted:
            assert date.fromisoformat(row["LastActivityDate"]) >= TODAY - timedelta(days=30)


def test_everything_happened_before_today(org) -> None:
    conn, _ = org
    start = TODAY.isoformat()
    for table in ("Account", "Contact", "Lead", "Opportunity", "Task", "Event", "Note",
                  "OpportunityHistory", "OpportunityFieldHistory", "AccountHistory"):
        latest = conn.execute(f'SELECT max(LastModifiedDate), max(CreatedDate) FROM "{table}"'
                              ).fetchone()
        assert latest[0] < start and latest[1] < start, table


def test_manifest_file_is_what_the_database_remembers(org, tmp_path: Path) -> None:
    conn, manifest = org
    stored = conn.execute("SELECT value FROM _meta WHERE key = 'seed.manifest'").fetchone()[0]
    assert json.loads(stored) == manifest
