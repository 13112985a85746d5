"""Synthetic Salesforce contacts with planted duplicates, deterministic for a given seed.

People get first names from the nickname table's formal names and surnames built from
syllables, both drawn with a Zipf-like skew, so common names collide as they do in a real CRM
(two different "James Miller"s are there to be told apart). Emails mix company domains and
free-mail providers; phones mix E.164 and national formats.

A share of records are duplicates of an earlier person, each with the mess a CRM collects:
a nickname (Bob for Robert), a typo, a different email or none, the phone in another format
or as the mobile, "Street" written "St", a missing birth date, and now and then first and last
name swapped. ``entity`` says who is who, so precision and recall can be measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_SYLLABLES = (
    "an", "ber", "bur", "car", "chen", "dal", "den", "dor", "el", "fen", "gar", "har",
    "hol", "ing", "jan", "kel", "ken", "lan", "ler", "lin", "mar", "mer", "mil", "mor",
    "nel", "son", "ton", "ran", "rid", "rob", "sel", "sha", "ster", "tay", "ten", "val",
    "ver", "wal", "war", "wen", "win", "yor", "zel", "bro", "cla", "dra", "fra", "gre",
    "kri", "pla", "stra", "tho", "vin", "wes", "ash", "ford", "ley", "ridge", "wood",
    "field", "ham", "stone", "brook", "well",
)
_STREET_TYPES = (("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"),
                 ("Lane", "Ln"), ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl"))
_FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com")
_LEGAL = ("Inc", "LLC", "Corp", "Ltd", "Group", "Solutions", "Partners", "")


@dataclass(frozen=True)
class Synthetic:
    records: list[dict[str, str]]
    entity: np.ndarray  # entity[i] = the person record i describes

    def true_pairs(self) -> set[tuple[str, str]]:
        """Every pair of records of one person, ids ordered."""
        order = np.argsort(self.entity, kind="stable")
        ids = [self.records[i]["Id"] for i in order]
        entities = self.entity[order]
        pairs: set[tuple[str, str]] = set()
        start = 0
        for end in range(1, len(order) + 1):
            if end == len(order) or entities[end] != entities[start]:
                group = sorted(ids[start:end])
                for i in range(len(group)):
                    for j in range(i + 1, len(group)):
                        pairs.add((group[i], group[j]))
                start = end
        return pairs


def _words(rng: np.random.Generator, count: int, low: int, high: int) -> list[str]:
    """Distinct pronounceable words of ``low``..``high`` syllables."""
    possible = sum(len(_SYLLABLES) ** n for n in range(low, high + 1))
    if count > possible // 2:
        raise ValueError(f"{count} distinct words of {low}-{high} syllables would take forever")
    seen: dict[str, None] = {}
    while len(seen) < count:
        size = int(rng.integers(low, high + 1))
        word = "".join(_SYLLABLES[int(i)] for i in rng.integers(0, len(_SYLLABLES), size))
        seen.setdefault(word.capitalize())
    return list(seen)


def _zipf(rng: np.random.Generator, size: int, pool: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, pool + 1) ** exponent
    return rng.choice(pool, size=size, p=weights / weights.sum())


def _first_names() -> tuple[list[str], dict[str, list[str]]]:
    from nicknames import NickNamer

    namer = NickNamer()
    formal = sorted(name for name in namer._canonical_lookup if name.isalpha() and len(name) > 2)
    nicknames = {name: sorted(n for n in namer.nicknames_of(name) if n.isalpha())
                 for name in formal}
    return [name.capitalize() for name in formal], nicknames


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word
    at = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 4))
    letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
    if kind == 0:
        return word[:at] + word[at + 1:]  # deletion
    if kind == 1:
        return word[:at] + letter + word[at:]  # insertion
    if kind == 2:
        return word[:at] + letter + word[at + 1:]  # substitution
    return word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]  # transposition


def _national(e164: str) -> str:
    digits = e164[2:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def generate(size: int, *, duplicate_share: float = 0.1, seed: int = 7) -> Synthetic:
    """``size`` contacts of which about ``duplicate_share`` are duplicates of earlier ones."""
    rng = np.random.default_rng(seed)
    first_pool, nicknames = _first_names()
    surname_pool = _words(rng, max(2_000, size // 8), 2, 3)
    street_pool = _words(rng, max(500, size // 50), 1, 3)
    company_pool = _words(rng, max(500, size // 40), 1, 3)
    cities = _words(rng, 1_500, 1, 2)
    city_zip = rng.integers(10_000, 99_999, size=len(cities))

    people = int(size * (1 - duplicate_share))
    first = _zipf(rng, people, len(first_pool), 0.7)
    last = _zipf(rng, people, len(surname_pool), 0.75)
    company = _zipf(rng, people, len(company_pool), 1.1)
    legal = rng.integers(0, len(_LEGAL), people)
    city = _zipf(rng, people, len(cities), 0.8)
    street = rng.integers(0, len(street_pool), people)
    street_type = rng.integers(0, len(_STREET_TYPES), people)
    number = rng.integers(1, 9_999, people)
    phone = rng.integers(200_000_0000, 999_999_9999, people)
    mobile = rng.integers(200_000_0000, 999_999_9999, people)
    has_mobile = rng.random(people) < 0.5
    free_mail = rng.random(people) < 0.4
    free_domain = rng.integers(0, len(_FREE_MAIL), people)
    has_birthdate = rng.random(people) < 0.6
    birth = rng.integers(0, 18_250, people)  # days after 1950-01-01
    created = rng.integers(0, 3_650, people)
    owner = rng.integers(0, 40, people)
    tag = rng.integers(0, 100, people)

    taken: set[str] = set()

    def person(i: int) -> dict[str, str]:
        first_name = first_pool[first[i]]
        last_name = surname_pool[last[i]]
        firm = company_pool[company[i]]
        domain = (_FREE_MAIL[free_domain[i]] if free_mail[i] else f"{firm.lower()}.com")
        local = f"{first_name}.{last_name}".lower() + (str(tag[i]) if free_mail[i] else "")
        # A mailbox belongs to one person: a namesake gets a number, as mail admins do.
        suffix = 2
        base = local
        while f"{local}@{domain}" in taken:
            local, suffix = f"{base}{suffix}", suffix + 1
        taken.add(f"{local}@{domain}")
        phone_text = f"+1{phone[i]}"
        born = np.datetime64("1950-01-01") + np.timedelta64(int(birth[i]), "D")
        made = np.datetime64("2016-01-01") + np.timedelta64(int(created[i]), "D")
        return {
            "Id": "",
            "FirstName": first_name,
            "LastName": last_name,
            "Email": f"{local}@{domain}",
            "Phone": phone_text if phone[i] % 7 else _national(phone_text),
            "MobilePhone": f"+1{mobile[i]}" if has_mobile[i] else "",
            "MailingStreet": f"{number[i]} {street_pool[street[i]]} "
            f"{_STREET_TYPES[street_type[i]][0]}",
            "MailingCity": cities[city[i]],
            "MailingPostalCode": str(city_zip[city[i]]),
            "Birthdate": str(born) if has_birthdate[i] else "",
            "Account.Name": f"{firm} {_LEGAL[legal[i]]}".strip(),
            "CreatedDate": f"{made}T09:00:00.000+0000",
            "OwnerId": f"005{owner[i]:012d}",
        }

    records = [person(i) for i in range(people)]
    entity = list(range(people))
    duplicates = size - people
    sources = rng.integers(0, people, duplicates)
    for k in range(duplicates):
        source = int(sources[k])
        records.append(_messy_copy(rng, records[source], nicknames))
        entity.append(source)
    order = rng.permutation(size)
    shuffled = [records[i] for i in order]
    for position, record in enumerate(shuffled):
        record["Id"] = f"003{position:012d}"
    return Synthetic(shuffled, np.array(entity)[order])


def _messy_copy(rng: np.random.Generator, source: dict[str, str],
                nicknames: dict[str, list[str]]) -> dict[str, str]:
    copy = dict(source)
    draw = rng.random(10)
    formal = copy["FirstName"].lower()
    if draw[0] < 0.25 and nicknames.get(formal):
        options = nicknames[formal]
        copy["FirstName"] = options[int(rng.integers(0, len(options)))].capitalize()
    elif draw[0] < 0.35:
        copy["FirstName"] = _typo(rng, copy["FirstName"])
    if draw[1] < 0.2:
        copy["LastName"] = _typo(rng, copy["LastName"])
    if draw[2] < 0.15:
        copy["Email"] = ""
    elif draw[2] < 0.3:
        local = copy["Email"].split("@")[0]
        copy["Email"] = f"{local}@{_FREE_MAIL[int(rng.integers(0, len(_FREE_MAIL)))]}"
    elif draw[2] < 0.45:
        copy["Email"] = copy["Email"].upper()
    if draw[3] < 0.2:
        copy["Phone"] = ""
    elif draw[3] < 0.5:
        phone = copy["Phone"]
        copy["Phone"] = _national(phone) if phone.startswith("+") else phone
    elif draw[3] < 0.6 and copy["MobilePhone"]:
        copy["Phone"], copy["MobilePhone"] = copy["MobilePhone"], ""
    if draw[4] < 0.4:
        for long, short in _STREET_TYPES:
            copy["MailingStreet"] = copy["MailingStreet"].replace(long, short)
    elif draw[4] < 0.5:
        copy["MailingStreet"] = _typo(rng, copy["MailingStreet"])
    elif draw[4] < 0.6:
        copy["MailingStreet"] = ""
    if draw[5] < 0.3:
        copy["Birthdate"] = ""
    if draw[6] < 0.3:
        copy["Account.Name"] = ""
    if draw[7] < 0.03:
        copy["FirstName"], copy["LastName"] = copy["LastName"], copy["FirstName"]
    if draw[8] < 0.2:
        copy["MailingCity"], copy["MailingPostalCode"] = "", ""
    return copy

