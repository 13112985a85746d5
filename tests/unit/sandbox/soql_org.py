"""A tiny org with known values for the SOQL tests: every expected result is countable by hand.

Today is Wednesday 2024-05-15 (weeks start on Sunday 2024-05-12).

Users      Ada Admin (no manager) <- Max Manager <- Rita Rep;  Ivan Inactive (inactive)
Accounts   Acme Corp      Banking     1,000,000  120 staff  Hot   owner Rita
           Globex         Technology  5,000,000  800 staff  -     owner Max
           Initech        -           -          -          -     owner Rita
           Umbrella 100%_Real  Healthcare  -     15 staff   Cold  owner Ivan
           o'Brien & Sons Banking     250,000    -          Warm  owner Ada
           Deleted Co     (deleted)
Contacts   Ann Lee (Acme, ann@acme.test), Bob Kim (Acme, no email), Cy Dee (Globex),
           Orphan Person (no account), Gone Contact (Acme, deleted)
Deals      Acme Renewal     Acme    Prospecting     10,000  close 05-31  created today 10:00
           Acme Upsell      Acme    Closed Won      25,000  close 04-30  created 05-14 23:59:59.999
           Globex Pilot     Globex  Negotiation/..  -       close 06-15  created 05-16 00:00
           No Account Deal  -       Closed Lost     500     close 2023-12-31  created Sun 05-12
           Deleted Deal     Globex  (deleted)       700     close 05-20  created Sat 05-11
Tasks      Call Ann (What: Acme Renewal, Who: Ann, Completed, due 05-14)
           Send deck (What: Globex account, Who: Cy, Not Started, due 05-20)
           Prep (no What, no Who, Not Started, no due date)
           Follow up (What: Acme Renewal, In Progress, due 05-16)
Events     Demo (What: Acme Upsell)
Notes      Kickoff notes (on Acme Renewal), Account plan (on Acme Corp)
History    Acme Renewal: Prospecting (05-01);  Acme Upsell: Prospecting (03-01), Closed Won (04-30)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sandbox.db import connect, insert_rows
from sandbox.ids import make_id
from sandbox.schema import STANDARD

TODAY = date(2024, 5, 15)


@dataclass
class Org:
    conn: sqlite3.Connection
    #: record label (Name / Subject / Title) -> id
    ids: dict[str, str] = field(default_factory=dict)


def _dt(text: str) -> str:
    return text + ".000+0000" if len(text) == 19 else text


def build_org() -> Org:
    org = Org(connect(":memory:"))
    counters: dict[str, int] = {}

    def add(object_name: str, label: str, **values: Any) -> str:
        sobject = STANDARD.object(object_name)
        assert sobject is not None
        counters[sobject.key_prefix] = counters.get(sobject.key_prefix, 0) + 1
        record_id = make_id(sobject.key_prefix, counters[sobject.key_prefix])
        row = {"Id": record_id, "IsDeleted": 0,
               "CreatedDate": "2024-01-02T03:04:05.000+0000", **values}
        insert_rows(org.conn, sobject, [row])
        org.ids[label] = record_id
        return record_id

    def user(name: str, manager: str | None, active: bool, email: str) -> str:
        first, last = name.split(" ")
        return add("User", name, FirstName=first, LastName=last, Name=name, Email=email,
                   Username=email, IsActive=int(active),
                   ManagerId=org.ids.get(manager) if manager else None)

    user("Ada Admin", None, True, "ada@weeder.test")
    user("Max Manager", "Ada Admin", True, "max@weeder.test")
    user("Rita Rep", "Max Manager", True, "rita@weeder.test")
    user("Ivan Inactive", None, False, "ivan@weeder.test")
    u = org.ids

    add("Account", "Acme Corp", Name="Acme Corp", Industry="Banking", AnnualRevenue=1e6,
        NumberOfEmployees=120, Rating="Hot", OwnerId=u["Rita Rep"],
        CreatedDate=_dt("2024-01-10T09:00:00"))
    add("Account", "Globex", Name="Globex", Industry="Technology", AnnualRevenue=5e6,
        NumberOfEmployees=800, OwnerId=u["Max Manager"],
        CreatedDate=_dt("2024-02-20T12:00:00"))
    add("Account", "Initech", Name="Initech", OwnerId=u["Rita Rep"],
        Description="A long description nobody can filter on.")
    add("Account", "Umbrella 100%_Real", Name="Umbrella 100%_Real", Industry="Healthcare",
        NumberOfEmployees=15, Rating="Cold", OwnerId=u["Ivan Inactive"])
    add("Account", "o'Brien & Sons", Name="o'Brien & Sons", Industry="Banking",
        AnnualRevenue=250000.0, Rating="Warm", OwnerId=u["Ada Admin"])
    add("Account", "Deleted Co", Name="Deleted Co", Industry="Banking", IsDeleted=1,
        OwnerId=u["Rita Rep"])
    a = org.ids

    def contact(first: str, last: str, account: str | None, email: str | None,
                deleted: bool = False) -> None:
        add("Contact", f"{first} {last}", FirstName=first, LastName=last,
            Name=f"{first} {last}", AccountId=a.get(account) if account else None,
            Email=email, OwnerId=u["Rita Rep"], IsDeleted=int(deleted))

    contact("Ann", "Lee", "Acme Corp", "ann@acme.test")
    contact("Bob", "Kim", "Acme Corp", None)
    contact("Cy", "Dee", "Globex", "cy@globex.test")
    contact("Orphan", "Person", None, "orphan@nowhere.test")
    contact("Gone", "Contact", "Acme Corp", "gone@acme.test", deleted=True)

    def deal(name: str, account: str | None, stage: str, amount: float | None, close: str,
             created: str, owner: str, closed: bool, won: bool, deleted: bool = False) -> None:
        add("Opportunity", name, Name=name, AccountId=a.get(account) if account else None,
            StageName=stage, Amount=amount, CloseDate=close, CreatedDate=_dt(created),
            OwnerId=u[owner], IsClosed=int(closed), IsWon=int(won), IsDeleted=int(deleted),
            Probability=100.0 if won else 10.0)

    deal("Acme Renewal", "Acme Corp", "Prospecting", 10000.0, "2024-05-31",
         "2024-05-15T10:00:00", "Rita Rep", False, False)
    deal("Acme Upsell", "Acme Corp", "Closed Won", 25000.0, "2024-04-30",
         "2024-05-14T23:59:59.999+0000", "Rita Rep", True, True)
    deal("Globex Pilot", "Globex", "Negotiation/Review", None, "2024-06-15",
         "2024-05-16T00:00:00", "Max Manager", False, False)
    deal("No Account Deal", None, "Closed Lost", 500.0, "2023-12-31",
         "2024-05-12T00:00:00", "Ivan Inactive", True, False)
    deal("Deleted Deal", "Globex", "Prospecting", 700.0, "2024-05-20",
         "2024-05-11T23:59:59", "Max Manager", False, False, deleted=True)
    o = org.ids

    def task(subject: str, what: str | None, who: str | None, status: str,
             due: str | None) -> None:
        add("Task", subject, Subject=subject, WhatId=o.get(what) if what else None,
            WhoId=o.get(who) if who else None, Status=status, ActivityDate=due,
            Priority="Normal", OwnerId=u["Rita Rep"], IsClosed=int(status == "Completed"))

    task("Call Ann", "Acme Renewal", "Ann Lee", "Completed", "2024-05-14")
    task("Send deck", "Globex", "Cy Dee", "Not Started", "2024-05-20")
    task("Prep", None, None, "Not Started", None)
    task("Follow up", "Acme Renewal", None, "In Progress", "2024-05-16")
    add("Event", "Demo", Subject="Demo", WhatId=o["Acme Upsell"], OwnerId=u["Max Manager"],
        DurationInMinutes=30)
    add("Note", "Kickoff notes", Title="Kickoff notes", Body="Met the buyer.",
        ParentId=o["Acme Renewal"], OwnerId=u["Rita Rep"], IsPrivate=0)
    add("Note", "Account plan", Title="Account plan", Body="Grow it.", ParentId=a["Acme Corp"],
        OwnerId=u["Max Manager"], IsPrivate=0)
    for label, deal_name, stage, created in (
        ("h-renewal-1", "Acme Renewal", "Prospecting", "2024-05-01T08:00:00"),
        ("h-upsell-1", "Acme Upsell", "Prospecting", "2024-03-01T08:00:00"),
        ("h-upsell-2", "Acme Upsell", "Closed Won", "2024-04-30T17:00:00"),
    ):
        add("OpportunityHistory", label, OpportunityId=o[deal_name], StageName=stage,
            CreatedDate=_dt(created))
    return org
