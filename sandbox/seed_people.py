"""Contacts and leads: unique people with clean names, e-mails, phones and addresses, their
activities and field history, and the person-level defects — including near-duplicate
clusters (nicknames, typos, e-mail aliases) and leads that are already contacts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.seed_accounts import AccountInfo
from sandbox.seed_activity import person_activities
from sandbox.seed_core import Context, Row, field_history, later, system
from sandbox.seed_defects import (
    CONTACT_KINDS,
    LEAD_KINDS,
    PLACED_KINDS,
    placement,
    quota,
    simple_name,
    spoil_address,
    spoil_email,
    spoil_name_case,
    spoil_phone,
)
from sandbox.seed_names import LEGAL_FORMS, NICKNAMES, ascii_local, company_names, fold
from sandbox.seed_places import Address, address, domain, pick_country

_TITLES = ("VP of Operations", "Head of Procurement", "IT Director", "Chief Financial Officer",
           "Operations Manager", "Purchasing Manager", "Director of Engineering",
           "Chief Technology Officer", "Finance Manager", "Head of Sales", "Office Manager",
           "Product Manager", "Data Analyst", "Project Manager")
_DEPARTMENTS = ("Operations", "Finance", "IT", "Procurement", "Engineering", "Sales")
_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
_MAILING = {"country": "MailingCountry", "state": "MailingState"}
_LEAD_PLACE = {"country": "Country", "state": "State"}


@dataclass(slots=True)
class Person:
    """A contact as later phases see it (a lead that matches it copies these)."""

    id: str
    first: str
    last: str
    email: str
    phone: str | None
    account: AccountInfo
    where: Address


def seed_contacts(ctx: Context, accounts: list[AccountInfo], count: int) -> list[Person]:
    """Write contacts; returns the clean ones a lead may duplicate."""
    rng = ctx.rng("contacts")
    q = quota(ctx.size)
    clusters = max(2, round(1.5 * ctx.size / 2000))
    specs = [kind for kind in CONTACT_KINDS for _ in range(q)]
    specs += ["dup"] * clusters + ["nickname"] * max(2, ctx.size // 200_000 + 2)
    specs += ["clean"] * max(0, count - len(specs) - clusters)
    rng.shuffle(specs)
    used: dict[str, set[str]] = {}
    clean: list[Person] = []
    cluster_no = pair_no = 0
    for spec in specs:
        account = rng.choice(accounts)
        avoid = used.setdefault(account.id, set())
        if spec == "dup":
            cluster_no += 1
            _contact_cluster(ctx, rng, account, avoid, f"contact-{cluster_no}")
        elif spec == "nickname":
            pair_no += 1
            other = rng.choice(accounts)
            while other.id == account.id and len(accounts) > 1:
                other = rng.choice(accounts)
            _nickname_pair(ctx, rng, account, other, f"nickname-{pair_no}", avoid,
                           used.setdefault(other.id, set()))
        else:
            first, last = _draw(ctx, avoid, simple=spec == "bad_name_case")
            person = _contact(ctx, rng, account, spec, first, last)
            if spec == "clean":
                clean.append(person)
    return clean


def _draw(ctx: Context, avoid: set[str], *, simple: bool = False,
          nicknamed: bool = False) -> tuple[str, str]:
    """The next pooled pair not clashing with ``avoid``; ``simple``: plain ASCII letters (so
    case spoiling has one fix); ``nicknamed``: a first name with a well-known nickname."""
    returned: list[tuple[str, str]] = []
    try:
        for _ in range(500):
            first, last = ctx.people.draw(avoid)
            if (not simple or simple_name(first, last)) and (not nicknamed or first in NICKNAMES):
                avoid.update((fold(first), fold(last)))
                return first, last
            returned.append((first, last))
        first, last = returned.pop(0)  # the pool has no such name left: take a plain one
        avoid.update((fold(first), fold(last)))
        return first, last
    finally:
        for combo in returned:
            ctx.people.give_back(combo)


def _contact(ctx: Context, rng: random.Random, account: AccountInfo, spec: str, first: str,
             last: str, *, where: Address | None = None, phone: str | None = None,
             email: str | None = None, no_phone: bool = False) -> Person:
    contact_id = ctx.ids.take("003")
    kind = spec if spec in CONTACT_KINDS else None
    bad_value = None
    if kind in PLACED_KINDS:
        country, city, bad_value = placement(kind, rng)  # type: ignore[arg-type]
        where = address(country, rng, city)
    elif where is None:
        where = account.address if rng.random() < 0.7 else address(account.country, rng)
    phone = None if no_phone else phone or ctx.phones.number(where.city_info)
    mail = email or f"{ascii_local(first)}.{ascii_local(last)}@{account.domain}"
    row: Row = {
        "Id": contact_id, "Salutation": "Dr." if rng.random() < 0.05 else None,
        "FirstName": first, "LastName": last, "Name": f"{first} {last}",
        "AccountId": account.id, "ReportsToId": None, "Title": rng.choice(_TITLES),
        "Department": rng.choice(_DEPARTMENTS), "Email": mail, "Phone": phone,
        "MobilePhone": ctx.phones.number(where.city_info) if rng.random() < 0.4 else None,
        "MailingStreet": where.street, "MailingCity": where.city,
        "MailingState": where.state or None, "MailingPostalCode": where.postal_code,
        "MailingCountry": where.country, "LeadSource": rng.choice(_SOURCES),
        "Birthdate": None, "Description": None, "LastActivityDate": None,
        "OwnerId": account.owner,
    }
    if spec == "dup":
        row["MobilePhone"] = None  # a second, different number would argue against the match
    untouched = kind == "untouched_contact"
    if kind is not None and not untouched:
        row["MobilePhone"] = None
        spoiled = _spoil(row, kind, rng, bad_value, _MAILING)
        ctx.manifest.defect(kind, "Contact", contact_id, spoiled)
    offset = 0 if untouched else rng.randint(0, 200)
    created = account.created + timedelta(days=offset, minutes=rng.randrange(600))
    _person_history(ctx, rng, "Contact", row, created, account.owner)
    if untouched:
        ctx.manifest.defect("untouched_contact", "Contact", contact_id, "LastActivityDate")
    else:
        account.contacts.append(contact_id)
    person_activities(ctx, rng, who=contact_id, what=account.id if rng.random() < 0.5 else None,
                      owner=account.owner, age_days=ctx.clock.days_before(created),
                      recent=not untouched)
    return Person(contact_id, first, last, mail, phone, account, where)


def _spoil(row: Row, kind: str, rng: random.Random, bad_value: str | None,
           place: dict[str, str]) -> str:
    if kind in PLACED_KINDS:
        return spoil_address(row, kind, place, bad_value)
    if kind in ("invalid_phone", "unnormalised_phone"):
        return spoil_phone(row, kind, rng)
    if kind == "invalid_email":
        return spoil_email(row, rng)
    if kind == "bad_name_case":
        return spoil_name_case(row, rng)
    if kind == "missing_contact_point":
        row["Email"] = row["Phone"] = row["MobilePhone"] = None
        return "Email"
    if kind == "missing_company":
        row["Company"] = None
        return "Company"
    raise ValueError(kind)


def _variants(ctx: Context, rng: random.Random, first: str, last: str, local: str,
              members: int) -> list[tuple[str, str, str | None]]:
    """(first, last, e-mail local part or None to keep the original's) for the copies of one
    person: a nickname, a typo in the last name, an initial-style e-mail alias."""
    options: list[tuple[str, str, str | None]] = [
        (first, ctx.people.free_typo(last, rng), None),
        (first, last, f"{ascii_local(first)[0]}{ascii_local(last)}"),
    ]
    nickname = NICKNAMES.get(first)
    if nickname:
        options.insert(0, (nickname, last, f"{ascii_local(nickname)}.{ascii_local(last)}"))
    return options[:members - 1]


def _contact_cluster(ctx: Context, rng: random.Random, account: AccountInfo, avoid: set[str],
                     group: str) -> None:
    """One person entered two or three times at the same company. Every copy shares the
    original's address and its e-mail or, when the e-mail differs, its phone."""
    first, last = _draw(ctx, avoid, nicknamed=True)
    base = _contact(ctx, rng, account, "dup", first, last)
    ids = [base.id]
    local, host = base.email.split("@")
    for v_first, v_last, alias in _variants(ctx, rng, first, last, local,
                                            rng.choice((2, 2, 3))):
        keep_phone = alias is not None or rng.random() < 0.5
        copy = _contact(ctx, rng, account, "dup", v_first, v_last, where=base.where,
                        phone=base.phone, no_phone=not keep_phone,
                        email=f"{alias or local}@{host}")
        ids.append(copy.id)
    for record_id in ids:
        ctx.manifest.defect("duplicate_contact", "Contact", record_id, None, group)


def _nickname_pair(ctx: Context, rng: random.Random, one: AccountInfo, other: AccountInfo,
                   group: str, avoid_one: set[str], avoid_other: set[str]) -> None:
    """Two different people whose names match through a nickname, and nothing else does."""
    first, last = _draw(ctx, avoid_one | avoid_other, nicknamed=True)
    avoid_one.update((fold(first), fold(last)))
    avoid_other.update((fold(NICKNAMES.get(first, first)), fold(last)))
    nickname = NICKNAMES.get(first, first)
    a = _contact(ctx, rng, one, "clean", first, last)
    elsewhere = address(pick_country(rng), rng)
    b = _contact(ctx, rng, other, "clean", nickname, last, where=elsewhere)
    for person in (a, b):
        ctx.manifest.control("nickname_not_duplicate", "Contact", person.id, None, group)


def _person_history(ctx: Context, rng: random.Random, object_name: str, row: Row,
                    created: datetime, owner: str) -> None:
    field_history(ctx, object_name, None, row, created, owner)
    when = created
    if object_name == "Lead" and row["Status"] == "Working - Contacted" and rng.random() < 0.5:
        before = dict(row, Status="Open - Not Contacted")
        when = later(created, rng, max_days=30, before=ctx.clock.start_of_today)
        field_history(ctx, object_name, before, row, when, owner)
    row.update(system(created, owner, when, owner))
    ctx.writer.add(object_name, row)


@dataclass(slots=True)
class _LeadPerson:
    first: str
    last: str
    email: str
    phone: str | None
    company: str
    where: Address


def seed_leads(ctx: Context, clean_contacts: list[Person], count: int) -> None:
    rng = ctx.rng("leads")
    q = quota(ctx.size)
    clusters = max(2, round(1.5 * ctx.size / 2000))
    matches = quota(ctx.size)
    specs = [kind for kind in LEAD_KINDS for _ in range(q)]
    specs += ["dup"] * clusters + ["match"] * matches
    specs += ["clean"] * max(0, count - len(specs) - clusters)
    rng.shuffle(specs)
    companies = company_names(len(specs), ctx.rng("lead-companies"), ctx.seed + 1)
    copied = rng.sample(clean_contacts, min(matches, len(clean_contacts)))
    cluster_no = 0
    for spec, (brand, qualifier, sector) in zip(specs, companies, strict=True):
        country = pick_country(rng)
        legal = rng.choice(LEGAL_FORMS[country.code])
        company = " ".join(w for w in (brand, qualifier, sector, legal) if w)
        host = domain(brand, sector, country, qualifier)
        if spec == "match" and copied:
            _matching_lead(ctx, rng, copied.pop())
        elif spec == "dup":
            cluster_no += 1
            _lead_cluster(ctx, rng, company, host, country, f"lead-{cluster_no}")
        elif spec != "match":
            first, last = _draw(ctx, set(), simple=spec == "bad_name_case")
            where = address(country, rng)
            person = _LeadPerson(first, last, f"{ascii_local(first)}.{ascii_local(last)}@{host}",
                                 ctx.phones.number(where.city_info), company, where)
            _lead(ctx, rng, spec, person)


def _matching_lead(ctx: Context, rng: random.Random, contact: Person) -> None:
    """A lead for someone who is already a contact: same person, same company, and the same
    e-mail — or, under a nickname, the same phone."""
    first, email = contact.first, contact.email
    if rng.random() < 0.4 and contact.first in NICKNAMES:
        first = NICKNAMES[contact.first]
        email = f"{ascii_local(first)}.{ascii_local(contact.last)}@{contact.account.domain}"
    person = _LeadPerson(first, contact.last, email, contact.phone, contact.account.name,
                         contact.where)
    lead_id = _lead(ctx, rng, "match", person)
    ctx.manifest.defect("lead_matches_contact", "Lead", lead_id, None, contact.id)


def _lead_cluster(ctx: Context, rng: random.Random, company: str, host: str,
                  country: object, group: str) -> None:
    first, last = _draw(ctx, set(), nicknamed=True)
    where = address(country, rng)  # type: ignore[arg-type]
    local = f"{ascii_local(first)}.{ascii_local(last)}"
    base = _LeadPerson(first, last, f"{local}@{host}", ctx.phones.number(where.city_info),
                       company, where)
    ids = [_lead(ctx, rng, "dup", base)]
    for v_first, v_last, alias in _variants(ctx, rng, first, last, local, rng.choice((2, 3))):
        phone = base.phone if alias is not None or rng.random() < 0.5 else None
        copy = _LeadPerson(v_first, v_last, f"{alias or local}@{host}", phone, company, where)
        ids.append(_lead(ctx, rng, "dup", copy))
    for record_id in ids:
        ctx.manifest.defect("duplicate_lead", "Lead", record_id, None, group)


def _lead(ctx: Context, rng: random.Random, spec: str, person: _LeadPerson) -> str:
    kind = spec if spec in LEAD_KINDS else None
    where, bad_value = person.where, None
    if kind in PLACED_KINDS:
        country, city, bad_value = placement(kind, rng)  # type: ignore[arg-type]
        where = address(country, rng, city)
    lead_id = ctx.ids.take("00Q")
    owner = rng.choice(ctx.staff.reps).id
    status = rng.choice(("Open - Not Contacted", "Working - Contacted", "Working - Contacted",
                         "Closed - Not Converted"))
    row: Row = {
        "Id": lead_id, "Salutation": None, "FirstName": person.first,
        "LastName": person.last, "Name": f"{person.first} {person.last}",
        "Company": person.company, "Title": rng.choice(_TITLES), "Email": person.email,
        "Phone": person.phone, "MobilePhone": None, "Website": None, "Status": status,
        "LeadSource": rng.choice(_SOURCES), "Industry": None,
        "Rating": rng.choice(("Hot", "Warm", "Cold", None)),
        "Street": where.street, "City": where.city, "State": where.state or None,
        "PostalCode": where.postal_code, "Country": where.country,
        "AnnualRevenue": None, "NumberOfEmployees": rng.randrange(5, 5000),
        "Description": None, "IsConverted": 0, "ConvertedAccountId": None,
        "ConvertedContactId": None, "LastActivityDate": None, "OwnerId": owner,
    }
    if kind is not None:
        spoiled = _spoil(row, kind, rng, bad_value, _LEAD_PLACE)
        ctx.manifest.defect(kind, "Lead", lead_id, spoiled)
    created = ctx.clock.at(rng.randint(5, 600), rng)
    _person_history(ctx, rng, "Lead", row, created, owner)
    if rng.random() < 0.6:
        person_activities(ctx, rng, who=lead_id, what=None, owner=owner,
                          age_days=ctx.clock.days_before(created), recent=True)
    return lead_id
