"""The seeded org's people and permissions: profiles, permission sets, field permissions,
users in teams under managers, and who is assigned what.

Field permissions follow the policy of docs/seeded-defects.md (:data:`POLICY`) except where a
``permission_drift`` defect is planted, and every planted grant is written to the manifest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sandbox.bootstrap import ensure_org
from sandbox.schema import STANDARD
from sandbox.seed_core import Clock, Ids, Manifest, Writer, system
from sandbox.seed_names import ascii_local

REP, MANAGER, OPS, ADMIN = "Sales Rep", "Sales Manager", "Sales Ops", "System Administrator"
PROFILES = (REP, MANAGER, OPS, ADMIN)
#: Who may edit each policy field (profiles; a permission set owned by a profile counts as it).
POLICY: dict[str, frozenset[str]] = {
    "Opportunity.Amount": frozenset({REP, MANAGER, OPS, ADMIN}),
    "Opportunity.Probability": frozenset({MANAGER, OPS, ADMIN}),
    "Opportunity.ForecastCategoryName": frozenset({MANAGER, OPS, ADMIN}),
    "Account.AnnualRevenue": frozenset({OPS, ADMIN}),
    "Account.Rating": frozenset({MANAGER, OPS, ADMIN}),
}
#: Once a deal is Closed Won, its Amount is for these profiles only.
WON_AMOUNT_EDITORS = frozenset({OPS, ADMIN})
FLS_OBJECTS = ("Account", "Contact", "Lead", "Opportunity")
_NOT_FLS = frozenset({"Id", "OwnerId", "IsDeleted", "CreatedDate", "CreatedById",
                      "LastModifiedDate", "LastModifiedById", "SystemModstamp"})
#: Named permission sets: (Name, Label, fields they grant edit on). None touches a policy field.
NAMED_SETS = (
    ("Sales_Console_User", "Sales Console User",
     ("Opportunity.NextStep", "Opportunity.Description", "Contact.Title")),
    ("Lead_Qualification", "Lead Qualification",
     ("Lead.Rating", "Lead.LeadSource", "Lead.Industry")),
)
DEAL_DESK = ("Deal_Desk_Override", "Deal Desk Override",
             ("Account.AnnualRevenue", "Account.Rating"))
REP_DRIFT_FIELD = "Opportunity.Probability"
REGIONAL_DRIFT_FIELD = "Opportunity.ForecastCategoryName"


@dataclass(frozen=True, slots=True)
class User:
    id: str
    first: str
    last: str
    profile: str
    manager_id: str | None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Staff:
    admin: User
    vp: User
    managers: list[User]
    reps: list[User]
    ops: list[User]
    #: reps holding a permission set that (wrongly) lets them edit AnnualRevenue and Rating
    deal_desk: list[User] = field(default_factory=list)
    by_id: dict[str, User] = field(default_factory=dict)

    def manager_of(self, user_id: str) -> str:
        manager = self.by_id[user_id].manager_id
        return manager or self.vp.id


def fls_fields() -> list[str]:
    """Fields that carry field-level security: optional, editable, not system."""
    names = []
    for object_name in FLS_OBJECTS:
        sobject = STANDARD.object(object_name)
        assert sobject is not None
        for f in sobject.fields:
            if (f.updateable and f.nillable and not f.derived and f.type != "boolean"
                    and f.name not in _NOT_FLS):
                names.append(f"{object_name}.{f.name}")
    return names


def profile_grants(profile: str) -> dict[str, bool]:
    """Field -> may edit, for the permission set a profile owns (policy-abiding)."""
    grants = {}
    for name in fls_fields():
        allowed = POLICY.get(name)
        editable = profile in allowed if allowed is not None else True
        if profile == REP and name == "Account.AccountNumber":
            editable = False
        grants[name] = editable
    return grants


def team_sizes(size: int) -> tuple[int, int, int]:
    """(reps, managers, sales ops) for an org of ``size`` records."""
    reps = min(600, max(10, round(8 + size / 2500)))
    managers = -(-reps // 6)
    ops = 2 + reps // 150
    return reps, managers, ops


def build_staff(conn_writer: Writer, ids: Ids, clock: Clock, rng: random.Random,
                names: list[tuple[str, str]], manifest: Manifest, size: int) -> Staff:
    """Write profiles, permission sets, field permissions, users and assignments."""
    conn = conn_writer.conn
    founded = clock.at(1200, rng)
    admin_id = ensure_org(conn, now=founded)
    profile_ids = {ADMIN: _one(conn, 'SELECT Id FROM "Profile" WHERE Name = ?', ADMIN)}
    owned_sets = {ADMIN: _one(conn, 'SELECT Id FROM "PermissionSet" WHERE ProfileId = ?',
                              profile_ids[ADMIN])}
    stamp = system(founded, admin_id)
    for profile in (REP, MANAGER, OPS):
        existing = conn.execute('SELECT Id FROM "Profile" WHERE Name = ?', (profile,)).fetchone()
        profile_ids[profile] = existing[0] if existing else ids.take("00e")
        if not existing:
            conn_writer.add("Profile", {"Id": profile_ids[profile], "Name": profile,
                                        "Description": f"{profile} profile", **stamp})
        owned_sets[profile] = ids.take("0PS")
        conn_writer.add("PermissionSet", {
            "Id": owned_sets[profile], "Name": "X00e_" + profile.replace(" ", "_"),
            "Label": profile, "IsOwnedByProfile": 1, "ProfileId": profile_ids[profile], **stamp})

    def permission(set_id: str, name: str, edit: bool) -> None:
        conn_writer.add("FieldPermissions", {
            "Id": ids.take("01k"), "ParentId": set_id, "SobjectType": name.split(".")[0],
            "Field": name, "PermissionsRead": 1, "PermissionsEdit": int(edit), **stamp})

    for profile in PROFILES:
        for name, editable in profile_grants(profile).items():
            drift = profile == REP and name == REP_DRIFT_FIELD
            permission(owned_sets[profile], name, editable or drift)
            if drift:
                manifest.defect("permission_drift", "PermissionSet", owned_sets[profile], name)

    named_ids: dict[str, str] = {}
    regional = size // 250_000
    extra_sets = [(f"Regional_Forecasting_{n + 1}", f"Regional Forecasting {n + 1}",
                   (REGIONAL_DRIFT_FIELD,)) for n in range(regional)]
    for set_name, label, fields in (*NAMED_SETS, DEAL_DESK, *extra_sets):
        set_id = named_ids[set_name] = ids.take("0PS")
        conn_writer.add("PermissionSet", {"Id": set_id, "Name": set_name, "Label": label,
                                          "IsOwnedByProfile": 0, "ProfileId": None, **stamp})
        for name in fields:
            permission(set_id, name, True)
            if name in POLICY:
                manifest.defect("permission_drift", "PermissionSet", set_id, name)
        for name in POLICY:
            if name not in fields:
                permission(set_id, name, False)  # read-only rows on policy fields: not drift

    staff = _users(conn_writer, ids, clock, rng, names, admin_id, profile_ids, size)
    assigned: list[tuple[User, str]] = [(u, owned_sets[u.profile]) for u in staff.by_id.values()
                                        if u.id != admin_id]
    console = named_ids["Sales_Console_User"]
    assigned += [(rep, console) for rep in staff.reps if rng.random() < 0.5]
    assigned += [(ops, named_ids["Lead_Qualification"]) for ops in staff.ops]
    desk_count = max(2, len(staff.reps) // 8)
    staff.deal_desk = rng.sample(staff.reps, min(desk_count, len(staff.reps)))
    assigned += [(rep, named_ids["Deal_Desk_Override"]) for rep in staff.deal_desk]
    for n in range(regional):
        assigned += [(rep, named_ids[f"Regional_Forecasting_{n + 1}"])
                     for rep in rng.sample(staff.reps, 2)]
    for user, set_id in assigned:
        conn_writer.add("PermissionSetAssignment", {
            "Id": ids.take("0Pa"), "AssigneeId": user.id, "PermissionSetId": set_id, **stamp})
    return staff


def _one(conn: object, sql: str, value: str) -> str:
    row = conn.execute(sql, (value,)).fetchone()  # type: ignore[attr-defined]
    assert row is not None, (sql, value)
    return str(row[0])


_TITLES = {REP: "Account Executive", MANAGER: "Regional Sales Manager",
           OPS: "Sales Operations Analyst", ADMIN: "Salesforce Administrator"}
_ZONES = ("America/Los_Angeles", "America/New_York", "America/Chicago", "Europe/London",
          "Europe/Berlin", "Europe/Paris", "America/Toronto")


def _users(writer: Writer, ids: Ids, clock: Clock, rng: random.Random,
           names: list[tuple[str, str]], admin_id: str, profile_ids: dict[str, str],
           size: int) -> Staff:
    reps_n, managers_n, ops_n = team_sizes(size)
    pool = iter(names)
    by_id: dict[str, User] = {}
    admin_row = writer.conn.execute('SELECT FirstName, LastName FROM "User" WHERE Id = ?',
                                    (admin_id,)).fetchone()
    admin = User(admin_id, admin_row[0] or "", admin_row[1], ADMIN, None)
    by_id[admin_id] = admin

    def make(profile: str, manager: str | None, title: str | None = None,
             active: bool = True) -> User:
        first, last = next(pool)
        user = User(ids.take("005"), first, last, profile, manager)
        by_id[user.id] = user
        username = f"{ascii_local(first)}.{ascii_local(last)}@weeder.sandbox"
        joined = clock.at(rng.randint(400, 1100), rng)
        writer.add("User", {
            "Id": user.id, "Username": username, "FirstName": first, "LastName": last,
            "Name": user.name, "Email": username,
            "Alias": (ascii_local(first)[:1] + ascii_local(last))[:8],
            "Title": title or _TITLES[profile],
            "Department": "Sales Operations" if profile == OPS else "Sales",
            "IsActive": int(active), "ManagerId": manager,
            "ProfileId": profile_ids[profile], "TimeZoneSidKey": rng.choice(_ZONES),
            **system(joined, admin_id)})
        return user

    vp = make(MANAGER, None, "VP of Sales")
    managers = [make(MANAGER, vp.id) for _ in range(managers_n)]
    reps = [make(REP, managers[n % managers_n].id) for n in range(reps_n)]
    head_of_ops = make(OPS, vp.id, "Director of Sales Operations")
    ops = [head_of_ops] + [make(OPS, head_of_ops.id) for _ in range(ops_n - 1)]
    make(REP, managers[0].id, active=False)  # a rep who left: inactive, owns nothing
    return Staff(admin=admin, vp=vp, managers=managers, reps=reps, ops=ops, by_id=by_id)

