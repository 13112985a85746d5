"""format: a filled-in field is well formed — an email, a phone number, a web address, a pattern.

Incorrect data is the dangerous kind: find it, then close the door it came in by. Empty fields
are not checked here (that is ``required``'s job).

Keys:
  ``field``/``fields``; ``format``: ``email`` | ``phone`` | ``url`` | ``regex``;
  ``pattern`` (regex: the whole value must match) and ``expected`` (regex: what it should look
  like, in words); ``default_region`` (phone: ISO country for numbers without ``+``, default
  ``US``), ``region_field`` (phone: a country field whose value picks the region instead),
  ``strict`` (phone: the number must be valid for its region, not only possible);
  ``schemes`` (url: allowed schemes, default http and https).
Emails are checked with email-validator without DNS look-ups; phones with phonenumbers.
Actions: report, task.

Example::

    - id: contact-email-format
      kind: format
      object: Contact
      field: Email
      format: email

passes ``{Email: maria.chen@acme-corp.com}`` and ``{Email: null}``;
fails ``{Email: "ann@@acme.com"}`` with "Email 'ann@@acme.com' is not a valid email address".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from typing import Literal

import email_validator
import phonenumbers
from pydantic import Field, field_validator, model_validator

from engine import phones
from engine.model import Action, Context, Record
from engine.places import alpha2_of, country_vocabulary
from engine.rules.base import FieldsParams, Needs, Violation

KIND = "format"
ACTIONS = (Action.REPORT, Action.TASK)
FIELD_PARAMS = ("field", "fields", "region_field")

#: value, record -> what is wrong, or None when the value is well formed
Test = Callable[[str, Record], str | None]


class Params(FieldsParams):
    format: Literal["email", "phone", "url", "regex"] = Field(description="what the value must be")
    pattern: str | None = Field(default=None,
                                description="regex format: the whole value must match")
    expected: str | None = Field(default=None, description="regex format: the shape, in words")
    default_region: str = Field(default="US", description="phone: region of numbers without +")
    region_field: str | None = Field(default=None,
                                     description="phone: country field picking the region")
    strict: bool = Field(default=False,
                         description="phone: valid for its region, not only possible")
    schemes: list[str] = Field(default_factory=lambda: ["http", "https"], min_length=1,
                               description="url: allowed schemes")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad regular expression {pattern!r}: {error}") from None
        return pattern

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {region!r}; use an ISO country code like US")
        return region.upper()

    @model_validator(mode="after")
    def _pattern_only_for_regex(self) -> Params:
        if self.format == "regex" and self.pattern is None:
            raise ValueError("format regex needs a 'pattern'")
        if self.format != "regex" and self.pattern is not None:
            raise ValueError(f"'pattern' only applies to format regex, not {self.format}")
        return self

    @cached_property
    def probe(self) -> Test:
        """The compiled test for this format: value, record -> problem or None."""
        return _make_test(self)


def needs(params: Params) -> Needs:
    extra = (params.region_field,) if params.region_field else ()
    return Needs(fields=frozenset((*params.targets, *extra)))


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    test = params.probe
    for name in params.targets:
        value = record.get(name)
        if value is None or value == "":
            continue
        text = value if type(value) is str else str(value)
        problem = test(text, record)
        if problem is not None:
            yield Violation(field=name, message=f"{name} {text!r} {problem}",
                            evidence={"value": text})


# ------------------------------------------------------------------------------ the tests

# Ordinary addresses (word characters in the local part, an ASCII domain) are nearly all of
# them; they skip the full validator, which costs ~30 µs an address. Everything else, and every
# address this pattern refuses, goes through email-validator itself.
_FAST_EMAIL = re.compile(
    r"(?!.*\.\.)(?P<local>[\w+-](?:[\w.+-]{0,62}[\w+-])?)"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = tuple(f".{name}" for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)


@lru_cache(maxsize=65536)
def _email_problem_slow(text: str) -> str | None:
    try:
        email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        return f"is not a valid email address: {error}"
    return None


def email_problem(text: str) -> str | None:
    """What is wrong with an address, or None (email-validator's verdict, without DNS)."""
    found = _FAST_EMAIL.fullmatch(text) if len(text) <= 254 else None
    if found is not None and not text.lower().endswith(_SPECIAL_USE) and (
            text.isascii() or len(found.group("local").encode("utf-8")) <= 64):
        return None
    return _email_problem_slow(text)


_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]+)"
    r"(?::[0-9]{1,5})?(?:[/?#][^\s]*)?"
)


def _make_test(params: Params) -> Test:
    if params.format == "email":
        return lambda text, record: email_problem(text)
    if params.format == "url":
        schemes = frozenset(scheme.lower() for scheme in params.schemes)
        shown = " or ".join(sorted(schemes))

        def url_problem(text: str, record: Record) -> str | None:
            found = _URL.fullmatch(text)
            if found is None:
                return "is not a web address like https://www.example.com"
            if found.group("scheme").lower() not in schemes:
                return f"should start with {shown}://"
            return None

        return url_problem
    if params.format == "regex":
        pattern = re.compile(params.pattern or "")
        expected = params.expected or f"the pattern /{params.pattern}/"

        def regex_problem(text: str, record: Record) -> str | None:
            return None if pattern.fullmatch(text) else f"does not look like {expected}"

        return regex_problem
    return _make_phone_test(params)


def _make_phone_test(params: Params) -> Test:
    default_region, strict, region_field = params.default_region, params.strict, params.region_field

    def phone_problem(text: str, record: Record) -> str | None:
        if not strict and phones.looks_e164(text):
            return None
        region = (region_of(record.get(region_field), default_region) if region_field
                  else default_region)
        if phones.parse(text, region, strict) is None:
            return "is not a valid phone number" if strict else "is not a phone number"
        return None

    return phone_problem


def region_of(country: object, default: str) -> str:
    """The phone region for a country field's value; the default when it names no country."""
    if not isinstance(country, str) or not country:
        return default
    match = country_vocabulary().match(country)
    code = alpha2_of(match.canonical) if match.canonical else None
    return code if code and code in phonenumbers.SUPPORTED_REGIONS else default
