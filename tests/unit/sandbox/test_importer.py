"""`weeder sandbox import`: tree plans, tree files with nested children and Data Loader CSV,
loaded all or nothing, with every problem named by file, record and field."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import WeederError
from flows.cli import app
from sandbox.importer import import_path, parse_declaration

LWC = Path("/work/shared/data/lwc-recipes")
if not LWC.is_dir():  # the repository's copy of the shared sample data, when run elsewhere
    LWC = Path(__file__).parents[3] / "data" / "lwc-recipes"
PLAN = LWC / "data-plan.json"
needs_lwc = pytest.mark.skipif(not PLAN.is_file(), reason="lwc-recipes sample data not found")


def count(db: Path, table: str, where: str = "1") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f'SELECT count(*) FROM "{table}" WHERE {where}').fetchone()[0])


def records_in(name: str) -> int:
    return len(json.loads((LWC / name).read_text())["records"])


@needs_lwc
def test_the_lwc_plan_is_refused_on_its_undeclared_custom_field(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    with pytest.raises(WeederError) as refused:
        import_path(PLAN, db)
    message = str(refused.value)
    assert message.startswith(
        "Contacts.json: record ContactRef1: No such column 'Picture__c' on sobject of type "
        "Contact (INVALID_FIELD). Declare it with --declare-field Contact.Picture__c:url, or "
        "remove it from the file.")
    assert message.endswith("Nothing was imported.")
    assert count(db, "Account") == count(db, "Contact") == count(db, "User") == 0


@needs_lwc
def test_the_lwc_plan_loads_fully_with_the_field_declared(tmp_path: Path) -> None:
    db = tmp_path / "org.db"
    summary = import_path(PLAN, db, declare=["Contact.Picture__c:url"])
    assert "Declared Contact.Picture__c (url)" in summary
    assert count(db, "Account") == records_in("Accounts.json")
    assert count(db, "Contact") == records_in("Contacts.json")
    assert count(db, "Opportunity") == records_in("Opportunities.json")
    # every link resolved to an imported record
    assert count(db, "Contact", 'AccountId IN (SELECT Id FROM "Account")') == count(db, "Contact")
    assert count(db, "Opportunity", 'AccountId IN (SELECT Id FROM "Account")') == \
        count(db, "Opportunity")
    assert count(db, "Contact", "Picture__c LIKE 'https://%'") == count(db, "Contact")
    # an imported org can log in, and what was imported is the admin's
    with sqlite3.connect(db) as conn:
        admin = conn.execute("SELECT Id FROM \"User\" WHERE Username = 'admin@weeder.sandbox'"
                             ).fetchone()[0]
        amy = conn.execute("SELECT Name, CreatedById, OwnerId FROM Contact "
                           "WHERE FirstName = 'Amy'").fetchone()
        won = conn.execute("SELECT IsClosed, IsWon, Probability, ForecastCategoryName "
                           "FROM Opportunity WHERE StageName = 'Closed Won'").fetchall()
    assert amy == ("Amy Taylor", admin, admin)
    assert won and set(won) == {(1, 1, 100.0, "Closed")}
    assert count(db, "OpportunityStage") == 10
    assert count(db, "OpportunityHistory") == count(db, "Opportunity")


def tree(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps({"records": records}))
    return path


def test_a_tree_file_with_nested_children_links_them_to_their_parent(tmp_path: Path) -> None:
    file = tree(tmp_path / "Accounts.json", [{
        "attributes": {"type": "Account", "referenceId": "AcmeRef"},
        "Name": "Acme Corp", "BillingCountry": "United States",
        "Contacts": {"records": [
            {"attributes": {"type": "Contact", "referenceId": "AnnRef"},
             "FirstName": "Ann", "LastName": "Lee", "Email": "ann.lee@acme-corp.com"},
            {"attributes": {"type": "Contact", "referenceId": "BoRef"}, "LastName": "Berg"},
        ]},
        "Opportunities": {"records": [
            {"attributes": {"type": "Opportunity", "referenceId": "DealRef"},
             "Name": "Acme - Renewal", "StageName": "Prospecting", "CloseDate": "2027-01-31",
             "Amount": 12000},
        ]},
    }])
    import_path(file, tmp_path / "org.db")
    db = tmp_path / "org.db"
    with sqlite3.connect(db) as conn:
        acme = conn.execute("SELECT Id FROM Account").fetchone()[0]
        parents = {row[0] for row in conn.execute("SELECT AccountId FROM Contact UNION "
                                                  "SELECT AccountId FROM Opportunity")}
        deal = conn.execute("SELECT Probability, IsClosed FROM Opportunity").fetchone()
    assert parents == {acme}
    assert count(db, "Contact") == 2
    assert deal == (10.0, 0)  # the stage's default probability


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def data_loader_export(folder: Path) -> Path:
    folder.mkdir()
    write_csv(folder / "Accounts.csv",
              "Id,Name,BillingCountry,OwnerId,CreatedDate",
              "001D000000IRFma,Acme Corp,United States,005D0000001AbcD,2024-03-01T10:00:00.000Z",
              "X-2,Globex Inc.,Germany,,")
    write_csv(folder / "Contact.csv",
              "Id,FirstName,LastName,AccountId,Email",
              "003D000000QxYzA,Ann,Lee,001D000000IRFmaIAH,ann.lee@acme-corp.com",
              ",Bo,Berg,X-2,bo.berg@globex.de")
    return folder


def test_data_loader_csv_keeps_real_ids_and_maps_references(tmp_path: Path) -> None:
    folder = data_loader_export(tmp_path / "export")
    summary = import_path(folder, tmp_path / "org.db")
    db = tmp_path / "org.db"
    with sqlite3.connect(db) as conn:
        accounts = dict(conn.execute("SELECT Name, Id FROM Account"))
        contacts = dict(conn.execute("SELECT LastName, AccountId FROM Contact"))
        acme = conn.execute("SELECT OwnerId, CreatedDate FROM Account "
                            "WHERE Name = 'Acme Corp'").fetchone()
        admin = conn.execute('SELECT Id FROM "User"').fetchone()[0]
    assert accounts["Acme Corp"] == "001D000000IRFmaIAH"  # well-formed Account id: kept
    assert accounts["Globex Inc."].startswith("001") and accounts["Globex Inc."] != "X-2"
    assert contacts == {"Lee": "001D000000IRFmaIAH", "Berg": accounts["Globex Inc."]}
    assert acme == (admin, "2024-03-01T10:00:00.000+0000")  # unknown owner -> the admin
    assert "1 reference to a user not in the org was given to the admin" in summary


def test_nothing_is_half_imported_when_one_row_is_wrong(tmp_path: Path) -> None:
    folder = data_loader_export(tmp_path / "export")
    write_csv(folder / "Opportunity.csv",
              "Name,StageName,CloseDate,AccountId",
              "Acme - Renewal,Prospecting,2027-01-31,001D000000IRFma",
              "Globex - Pilot,Prospecting,31/01/2027,X-2")
    db = tmp_path / "org.db"
    with pytest.raises(WeederError) as refused:
        import_path(folder, db)
    assert "Opportunity.csv: line 3: CloseDate: '31/01/2027' is not a valid date (YYYY-MM-DD)" \
        in str(refused.value)
    assert count(db, "Account") == count(db, "Contact") == count(db, "Opportunity") == 0


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    file = tree(tmp_path / "Deals.json", [
        {"attributes": {"type": "Opportunity", "referenceId": "D1"}, "Name": "One",
         "StageName": "Won Big", "CloseDate": "2027-01-31"},
        {"attributes": {"type": "Opportunity", "referenceId": "D2"}, "Name": "Two",
         "StageName": "Prospecting", "AccountId": "@Nowhere"},
        {"attributes": {"type": "Opportunity", "referenceId": "D3"}, "Name": "Three",
         "StageName": "Prospecting", "CloseDate": "2027-01-31", "Colour": "red"},
    ])
    with pytest.raises(WeederError) as refused:
        import_path(file, tmp_path / "org.db")
    lines = str(refused.value).splitlines()
    assert lines == [
        "Deals.json: record D1: StageName: bad value for restricted picklist field: Won Big "
        "(not one of the org's opportunity stages)",
        "Deals.json: record D2: Required fields are missing: [CloseDate] "
        "(REQUIRED_FIELD_MISSING)",
        "Deals.json: record D3: No such column 'Colour' on sobject of type Opportunity "
        "(INVALID_FIELD). Remove it from the file (only custom fields, ending in __c, can be "
        "declared).",
        "Deals.json: record D2: AccountId: no record saved the reference @Nowhere (define it "
        "in this file or in an earlier file of the plan with saveRefs)",
        "Nothing was imported.",
    ]


def test_a_reference_to_a_missing_record_is_refused(tmp_path: Path) -> None:
    file = write_csv(tmp_path / "Contacts.csv", "LastName,AccountId", "Lee,001D000000IRFma")
    with pytest.raises(WeederError, match=r"Contacts.csv: line 2: AccountId: no Account with Id "
                                          r"'001D000000IRFma' in the import or the org "
                                          r"\(INVALID_CROSS_REFERENCE_KEY\)"):
        import_path(file, tmp_path / "org.db")


@pytest.mark.parametrize(("text", "problem"), [
    ("Contact.Picture__c", "expected Object.Name__c:type"),
    ("Contat.Picture__c:url", "no object 'Contat' (did you mean Contact?)"),
    ("Contact.Picture:url", "custom field names end in __c"),
    ("Contact.Picture__c:uri", "unknown type 'uri'"),
])
def test_a_wrong_declaration_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(WeederError, match=problem.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")):
        parse_declaration(text)


def test_a_declaration_names_object_field_and_type() -> None:
    object_name, field = parse_declaration("contact.Picture__c:URL")
    assert (object_name, field.name, field.type, field.custom) == ("Contact", "Picture__c",
                                                                   "url", True)


@needs_lwc
def test_the_command_line_explains_the_refusal_without_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "org.db")
    refused = runner.invoke(app, ["sandbox", "import", str(PLAN), "--db", db])
    assert refused.exit_code != 0
    assert "No such column 'Picture__c'" in refused.output
    assert "--declare-field Contact.Picture__c:url" in refused.output
    assert "Traceback" not in refused.output
    assert isinstance(refused.exception, SystemExit)  # a clean exit, not a crash
    loaded = runner.invoke(app, ["sandbox", "import", str(PLAN), "--db", db,
                                 "--declare-field", "Contact.Picture__c:url"])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.startswith("Imported 36 records from data-plan.json")
