"""Accounts: companies with clean addresses, phones and websites, their field history, and the
account-level defects (bad countries, states, phones, URLs, names, near-duplicate clusters,
unauthorized edits of AnnualRevenue and Rating).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.seed_activity import activity
from sandbox.seed_core import Context, Row, field_history, later, system
from sandbox.seed_defects import (
    ACCOUNT_KINDS,
    PLACED_KINDS,
    placement,
    quota,
    spoil_address,
    spoil_phone,
    spoil_url,
    spoil_whitespace,
)
from sandbox.seed_names import LEGAL_FORMS, company_names, typo
from sandbox.seed_places import Address, Country, address, domain, pick_country, website
from sandbox.seed_setup import User

#: Near misses: two different companies whose names share their generic words.
NEAR_MISSES = (("First National Bank", "First Choice Bank"),
               ("Golden Gate Catering", "Golden Harvest Catering"),
               ("Blue Ridge Dental", "Blue Harbor Dental"),
               ("Pacific Coast Roofing", "Atlantic Coast Roofing"),
               ("Northern Lights Bakery", "Northern Star Bakery"),
               ("Silver Lake Realty", "Silver Creek Realty"))
_INDUSTRY = {"Analytics": "Technology", "Logistics": "Transportation", "Systems": "Technology",
             "Health": "Healthcare", "Foods": "Food & Beverage", "Energy": "Energy",
             "Capital": "Finance", "Media": "Media", "Labs": "Biotechnology",
             "Robotics": "Machinery", "Software": "Technology", "Partners": "Consulting",
             "Industries": "Manufacturing", "Consulting": "Consulting",
             "Materials": "Chemicals", "Networks": "Telecommunications", "Pharma": "Healthcare",
             "Retail": "Retail", "Marine": "Shipping", "Aerospace": "Engineering",
             "Textiles": "Apparel", "Motors": "Manufacturing", "Security": "Technology",
             "Insurance": "Insurance", "Properties": "Construction", "Biotech": "Biotechnology",
             "Learning": "Education", "Hospitality": "Hospitality", "Outdoor": "Recreation",
             "Studios": "Entertainment", "Bank": "Banking", "Catering": "Food & Beverage",
             "Dental": "Healthcare", "Roofing": "Construction", "Bakery": "Food & Beverage",
             "Realty": "Construction"}
_TYPES = ("Customer - Direct", "Customer - Direct", "Customer - Channel", "Prospect",
          "Prospect", "Channel Partner / Reseller", "Technology Partner")


@dataclass(slots=True)
class AccountInfo:
    """What later phases need to know about an account (rows themselves are not kept)."""

    id: str
    name: str
    brand: str
    domain: str
    country: Country
    address: Address  # always the clean one, whatever was planted on the row
    owner: str
    created: datetime
    website: str | None
    phone: str | None
    #: contacts that may appear on recent activities (not the untouched ones)
    contacts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Company:
    brand: str
    qualifier: str
    sector: str
    legal: str

    def name(self, brand: str | None = None, legal: str | None = None) -> str:
        words = [brand or self.brand, self.qualifier, self.sector,
                 self.legal if legal is None else legal]
        return " ".join(word for word in words if word)


def account_count_plan(size: int) -> tuple[int, int, int]:
    """(duplicate clusters, near-miss pairs, unauthorized edits per field)."""
    return (max(2, round(1.5 * size / 2000)), min(len(NEAR_MISSES), 2 + size // 100_000),
            max(1, round(size / 2000)))


def seed_accounts(ctx: Context, count: int) -> list[AccountInfo]:
    rng = ctx.rng("accounts")
    clusters, near_pairs, unauthorized = account_count_plan(ctx.size)
    singles = [kind for kind in ACCOUNT_KINDS for _ in range(quota(ctx.size))]
    singles += ["unauthorized:AnnualRevenue", "unauthorized:Rating"] * unauthorized
    cluster_sizes = [rng.choice((2, 2, 3)) for _ in range(clusters)]
    fixed = len(singles) + sum(cluster_sizes) + 2 * near_pairs
    specs: list[str] = singles + ["dup"] * clusters + ["near"] * near_pairs
    specs += ["clean"] * max(0, count - fixed)
    rng.shuffle(specs)
    companies = company_names(len(specs), rng, ctx.seed)
    accounts: list[AccountInfo] = []
    cluster_no = near_no = 0
    for spec, (brand, qualifier, sector) in zip(specs, companies, strict=True):
        country = pick_country(rng)
        legal = rng.choice(LEGAL_FORMS[country.code])
        company = _Company(brand, qualifier, sector, legal)
        if spec == "dup":
            cluster_no += 1
            accounts += _cluster(ctx, rng, company, country, cluster_sizes[cluster_no - 1],
                                 f"account-{cluster_no}")
        elif spec == "near":
            first, second = NEAR_MISSES[near_no]
            near_no += 1
            group = f"near-miss-{near_no}"
            for name in (first, second):
                info = _account(ctx, rng, _Company(name, "", "", ""), pick_country(rng))
                ctx.manifest.control("near_miss_not_duplicate", "Account", info.id, "Name",
                                     group)
                accounts.append(info)
        else:
            accounts.append(_account(ctx, rng, company, country, spec=spec))
    return accounts


def _account(ctx: Context, rng: random.Random, company: _Company, country: Country, *,
             spec: str = "clean", like: AccountInfo | None = None,
             name: str | None = None) -> AccountInfo:
    """Write one account (and its history and activities); ``like`` makes a near-duplicate."""
    account_id = ctx.ids.take("001")
    owner = rng.choice(ctx.staff.reps)
    created = ctx.clock.at(rng.randint(560, 1100), rng)
    kind = spec if spec in ACCOUNT_KINDS else None
    bad_value = None
    if kind in PLACED_KINDS:
        country, city, bad_value = placement(kind, rng)  # type: ignore[arg-type]
        where = address(country, rng, city)
    else:
        where = like.address if like else address(country, rng)
    sector = company.sector or company.brand.split()[-1]
    host = domain(company.brand, company.sector, country, company.qualifier)
    row: Row = {
        "Id": account_id, "Name": name or company.name(),
        "Type": rng.choice(_TYPES), "Industry": _INDUSTRY.get(sector, "Other"),
        "Rating": rng.choice(("Hot", "Warm", "Warm", "Cold")),
        "Phone": ctx.phones.number(where.city_info), "Fax": None,
        "Website": website(company.brand, company.sector, country, company.qualifier),
        "AccountNumber": f"ACC-{rng.randrange(10**6):06d}", "Site": None,
        "BillingStreet": where.street, "BillingCity": where.city,
        "BillingState": where.state or None, "BillingPostalCode": where.postal_code,
        "BillingCountry": where.country,
        "ShippingStreet": where.street, "ShippingCity": where.city,
        "ShippingState": where.state or None, "ShippingPostalCode": where.postal_code,
        "ShippingCountry": where.country,
        "AnnualRevenue": float(rng.randrange(5, 5000) * 100_000),
        "NumberOfEmployees": rng.randrange(10, 20000),
        "Description": None, "ParentId": None, "LastActivityDate": None,
        "OwnerId": owner.id,
    }
    if like is not None:
        # The same company again: its address, and its website or phone (or both). A value
        # is copied or left out, never different: a second number would argue against it.
        row["Website"] = like.website if rng.random() < 0.7 else None
        keep_phone = row["Website"] is None or rng.random() < 0.5
        row["Phone"] = like.phone if keep_phone else None
    if kind is not None:
        spoiled = _spoil(row, kind, company, rng, bad_value)
        ctx.manifest.defect(kind, "Account", account_id, spoiled)
    if kind in ("missing_country", "unknown_country"):
        for suffix in ("Street", "City", "State", "PostalCode", "Country"):
            row["Shipping" + suffix] = None
    info = AccountInfo(account_id, row["Name"], company.brand, host, country, where, owner.id,
                       created, row["Website"], row["Phone"])
    _history(ctx, rng, row, owner, created, spec)
    if rng.random() < 0.3:
        day = ctx.clock.day(-rng.randint(2, 500))
        activity(ctx, rng, owner=owner.id, day=day, what=account_id)
    return info


def _spoil(row: Row, kind: str, company: _Company, rng: random.Random,
           bad_value: str | None) -> str:
    if kind in PLACED_KINDS:
        return spoil_address(row, kind, {"country": "BillingCountry", "state": "BillingState"},
                             bad_value)
    if kind in ("invalid_phone", "unnormalised_phone"):
        return spoil_phone(row, kind, rng)
    if kind == "invalid_url":
        return spoil_url(row, company.brand, rng)
    return spoil_whitespace(row, rng)


def _cluster(ctx: Context, rng: random.Random, company: _Company, country: Country,
             members: int, group: str) -> list[AccountInfo]:
    """One company entered two or three times: legal-form variants and typos."""
    base = _account(ctx, rng, company, country)
    infos = [base]
    legal_forms = [form for form in LEGAL_FORMS[country.code] if form != company.legal]
    for n in range(members - 1):
        if n == 0 and legal_forms:
            name = company.name(legal=rng.choice(legal_forms))
        else:
            name = company.name(brand=typo(company.brand, rng, doubled_only=True))
        infos.append(_account(ctx, rng, company, country, like=base, name=name))
    for info in infos:
        ctx.manifest.defect("duplicate_account", "Account", info.id, None, group)
    return infos


def _history(ctx: Context, rng: random.Random, row: Row, owner: User, created: datetime,
             spec: str) -> None:
    """The account's created row, then the odd change by people allowed to make it — or, for
    an ``unauthorized:`` spec, a change of a policy field by a rep who should not."""
    field_history(ctx, "Account", None, row, created, owner.id)
    edits: list[tuple[str, User]] = []
    if rng.random() < 0.15:
        edits.append(("Rating", ctx.staff.by_id[ctx.staff.manager_of(owner.id)]))
    if rng.random() < 0.1:
        edits.append(("AnnualRevenue", rng.choice(ctx.staff.ops)))
    if rng.random() < 0.08:
        edits.append(("Industry", owner))
    if spec.startswith("unauthorized:"):
        edits.append((spec.split(":")[1], rng.choice(ctx.staff.deal_desk)))
    when = created
    last_by = owner.id
    for name, editor in edits:
        when = later(when, rng, max_days=200, before=ctx.clock.start_of_today - timedelta(days=1))
        before = dict(row)
        row[name] = _changed(name, row[name], rng)
        field_history(ctx, "Account", before, row, when, editor.id)
        last_by = editor.id
        if spec == f"unauthorized:{name}" and editor.profile == "Sales Rep":
            ctx.manifest.defect("unauthorized_edit", "Account", row["Id"], name)
    row.update(system(created, owner.id, when, last_by))
    ctx.writer.add("Account", row)


def _changed(name: str, value: object, rng: random.Random) -> object:
    if name == "Rating":
        return rng.choice([r for r in ("Hot", "Warm", "Cold") if r != value])
    if name == "AnnualRevenue":
        current = float(value or 0)  # type: ignore[arg-type]
        step = rng.randrange(1, 20) * 100_000
        return current - step if current - step >= 100_000 else current + step
    return rng.choice([i for i in _INDUSTRY.values() if i != value])
