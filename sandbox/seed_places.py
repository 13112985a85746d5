"""Where seeded records live: addresses and phone numbers in five countries, clean by the
conventions of docs/seeded-defects.md (ISO short country names, 2-letter states for the US
and Canada only, E.164 phones that `phonenumbers` accepts as valid).

Phone numbers are unique: each is made from a serial number through a bijection, so two
records never share a number by accident (a shared number is evidence of a duplicate).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers


@dataclass(frozen=True, slots=True)
class City:
    name: str
    state: str  # 2-letter code for US/CA, "" elsewhere
    postal_prefix: str  # US/DE/FR: leading digits; CA: first letter; GB: outward code
    dialling: str  # E.164 prefix of local numbers, "+1415"
    local_digits: int  # digits after ``dialling``
    first_digits: str  # allowed first digits of the local part


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str  # as Salesforce's country picklist labels it
    tld: str
    weight: int
    cities: tuple[City, ...]
    streets: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "com", 45, (
        City("San Francisco", "CA", "941", "+1415", 7, "2346789"),
        City("New York", "NY", "100", "+1212", 7, "2346789"),
        City("Austin", "TX", "787", "+1512", 7, "2346789"),
        City("Chicago", "IL", "606", "+1312", 7, "2346789"),
        City("Boston", "MA", "021", "+1617", 7, "2346789"),
        City("Seattle", "WA", "981", "+1206", 7, "2346789"),
        City("Denver", "CO", "802", "+1303", 7, "2346789"),
        City("Atlanta", "GA", "303", "+1404", 7, "2346789"),
    ), ("Market Street", "Main Street", "Oak Avenue", "Mission Street", "Park Avenue",
        "Lake Shore Drive", "Congress Avenue", "Pine Street", "Broadway", "Elm Street",
        "Peachtree Road", "Larimer Street")),
    Country("CA", "Canada", "ca", 12, (
        City("Toronto", "ON", "M", "+1416", 7, "2346789"),
        City("Vancouver", "BC", "V", "+1604", 7, "2346789"),
        City("Montreal", "QC", "H", "+1514", 7, "2346789"),
        City("Calgary", "AB", "T", "+1403", 7, "2346789"),
    ), ("King Street West", "Granville Street", "Rue Sherbrooke", "Bay Street",
        "Stephen Avenue", "Yonge Street", "Robson Street")),
    Country("GB", "United Kingdom", "co.uk", 18, (
        City("London", "", "EC1A", "+4420", 8, "378"),
        City("Manchester", "", "M1", "+44161", 7, "2345789"),
        City("Edinburgh", "", "EH1", "+44131", 7, "2345"),
        City("Bristol", "", "BS1", "+44117", 7, "2349"),
    ), ("High Street", "Station Road", "Church Lane", "Victoria Street", "Queen Street",
        "Deansgate", "Princes Street", "Park Row")),
    Country("DE", "Germany", "de", 13, (
        City("Berlin", "", "10", "+4930", 8, "123456789"),
        City("München", "", "80", "+4989", 8, "123456789"),
        City("Hamburg", "", "20", "+4940", 8, "123456789"),
        City("Frankfurt am Main", "", "60", "+4969", 8, "123456789"),
    ), ("Hauptstraße", "Bahnhofstraße", "Friedrichstraße", "Leopoldstraße", "Schillerstraße",
        "Goethestraße", "Mönckebergstraße")),
    Country("FR", "France", "fr", 12, (
        City("Paris", "", "750", "+331", 8, "456"),
        City("Lyon", "", "6900", "+3347", 7, "28"),
        City("Toulouse", "", "3100", "+33561", 6, "123456789"),
        City("Bordeaux", "", "3300", "+33556", 6, "123456789"),
    ), ("rue de la République", "avenue Victor Hugo", "boulevard Haussmann", "rue du Commerce",
        "rue Sainte-Catherine", "place Bellecour", "allée Jean Jaurès")),
)
BY_CODE = {country.code: country for country in COUNTRIES}
_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def pick_country(rng: random.Random) -> Country:
    return rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    state: str
    postal_code: str
    country: str  # canonical name
    country_code: str
    city_info: City


def address(country: Country, rng: random.Random, city: City | None = None) -> Address:
    where = city or rng.choice(country.cities)
    number = rng.randint(1, 1999) if country.code in ("US", "CA") else rng.randint(1, 180)
    street_name = rng.choice(country.streets)
    if country.code == "DE":
        street = f"{street_name} {number}"
    elif country.code == "FR":
        street = f"{number} {street_name}"
    else:
        street = f"{number} {street_name}"
    return Address(street, where.name, where.state, postal_code(country, where, rng),
                   country.name, country.code, where)


def postal_code(country: Country, city: City, rng: random.Random) -> str:
    prefix = city.postal_prefix
    if country.code in ("US", "DE", "FR"):
        digits = "".join(str(rng.randint(1, 9)) for _ in range(5 - len(prefix)))
        return prefix + digits
    if country.code == "CA":
        return (f"{prefix}{rng.randint(1, 9)}{rng.choice(_LETTERS)} "
                f"{rng.randint(1, 9)}{rng.choice(_LETTERS)}{rng.randint(1, 9)}")
    return f"{prefix} {rng.randint(1, 9)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"


class PhoneBook:
    """Hands out distinct valid E.164 numbers, per city, from a per-city serial."""

    #: a multiplier coprime with every modulus used below, to scatter consecutive serials
    _SCATTER = 7_368_787

    def __init__(self, salt: int) -> None:
        self._next: dict[str, int] = {}
        self._salt = salt

    def number(self, city: City) -> str:
        serial = self._next.get(city.dialling, 0)
        self._next[city.dialling] = serial + 1
        rest = city.local_digits - 1
        space = len(city.first_digits) * 10**rest
        # Salted per city too, so two cities' numbers never share their last digits.
        salt = self._salt * 1_000_003 + sum(ord(ch) * 7919**i for i, ch in enumerate(city.name))
        value = (serial * self._SCATTER + salt) % space
        first, tail = divmod(value, 10**rest)
        return f"{city.dialling}{city.first_digits[first]}{tail:0{rest}d}"


def national_format(e164: str) -> str:
    """The number as people type it at home: "(415) 555-0123" in the US, "+44 20 7946 0123"
    (international, with spaces) elsewhere — valid, but not E.164."""
    parsed = phonenumbers.parse(e164)
    if parsed.country_code == 1:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def website(brand: str, sector: str, country: Country, qualifier: str = "") -> str:
    return f"https://www.{domain(brand, sector, country, qualifier)}"


def domain(brand: str, sector: str, country: Country, qualifier: str = "") -> str:
    words = [word for word in (brand, qualifier, sector) if word]
    slug = "-".join("".join(ch for ch in word.lower() if ch.isalnum()) for word in words)
    return f"{slug}.{country.tld}"
