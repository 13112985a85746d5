"""The duplicate matcher's configuration: what to compare, how much it counts, how to block.

One *matcher* per rule id (``duplicate_contact``, ``lead_matches_contact``, …). A matcher names
the object it reads (and, for cross-object matching, the object it matches ``against``), the
*comparisons* that make up a pair's score, the *blocking keys* that decide which records are
compared at all, and the rule that suggests which record of a group survives.

The models forbid unknown keys: a misspelt ``wieght`` is an error with its line, not a silent
default. Loading (with ``path:line:column`` on every error) lives in
:mod:`engine.duplicates.config_loader`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import WeederError


class Kind(StrEnum):
    """What a compared value is; each kind has its normaliser and a default scorer."""

    TEXT = "text"  # folded: case, accents, punctuation
    FIRST_NAME = "first_name"  # folded, nicknames count as equal (Bob = Robert)
    LAST_NAME = "last_name"  # folded
    COMPANY = "company"  # legal form removed, generic words weighted down
    EMAIL = "email"  # local part + domain, free-mail domains not evidence
    PHONE = "phone"  # E.164
    STREET = "street"  # abbreviations spelt one way (Street = St)
    POSTCODE = "postcode"  # compact, ZIP+4 → ZIP
    DATE = "date"  # YYYYMMDD
    WEBSITE = "website"  # host without scheme and www
    IDENTIFIER = "identifier"  # digits and letters only


class Scorer(StrEnum):
    """A similarity in [0, 1]. All but ``email`` and ``weighted_tokens`` are rapidfuzz scorers."""

    RATIO = "ratio"
    PARTIAL_RATIO = "partial_ratio"
    TOKEN_SORT_RATIO = "token_sort_ratio"
    TOKEN_SET_RATIO = "token_set_ratio"
    TOKEN_RATIO = "token_ratio"
    WRATIO = "wratio"
    QRATIO = "qratio"
    JARO_WINKLER = "jaro_winkler"
    JARO = "jaro"
    LEVENSHTEIN = "levenshtein"
    DAMERAU_LEVENSHTEIN = "damerau_levenshtein"
    INDEL = "indel"
    EXACT = "exact"
    #: Company names: soft token overlap where each word counts by its weight (generic words less).
    WEIGHTED_TOKENS = "weighted_tokens"
    #: Emails: the local part decides; a shared domain adds only when it is not free-mail.
    EMAIL = "email"


DEFAULT_SCORER: dict[Kind, Scorer] = {
    Kind.TEXT: Scorer.RATIO,
    Kind.FIRST_NAME: Scorer.JARO_WINKLER,
    Kind.LAST_NAME: Scorer.JARO_WINKLER,
    Kind.COMPANY: Scorer.WEIGHTED_TOKENS,
    Kind.EMAIL: Scorer.EMAIL,
    Kind.PHONE: Scorer.LEVENSHTEIN,
    Kind.STREET: Scorer.TOKEN_SORT_RATIO,
    Kind.POSTCODE: Scorer.LEVENSHTEIN,
    Kind.DATE: Scorer.LEVENSHTEIN,
    Kind.WEBSITE: Scorer.RATIO,
    Kind.IDENTIFIER: Scorer.LEVENSHTEIN,
}


class Transform(StrEnum):
    """How a blocking key part is derived from a comparison's normalised value."""

    EXACT = "exact"
    METAPHONE = "metaphone"
    SOUNDEX = "soundex"
    NYSIIS = "nysiis"
    PREFIX = "prefix"  # first `length` characters
    TAIL = "tail"  # last `length` characters (phone tails)
    SORTED_TOKENS = "sorted_tokens"  # words in alphabetical order (survives swapped words)
    DISTINCTIVE_WORD = "distinctive_word"  # company: the first word that is not generic
    DOMAIN = "domain"  # email: the organisation domain; nothing for free-mail
    LOCAL_PART = "local_part"  # email: the part before @
    YEAR = "year"  # date: YYYY


class SurvivorRule(StrEnum):
    """Which record of a duplicate group to keep, in the order the rules are listed."""

    OLDEST = "oldest"  # earliest CreatedDate
    MOST_COMPLETE = "most_complete"  # most non-empty fields
    MOST_RECENT_ACTIVITY = "most_recent_activity"  # latest LastActivityDate


class _Strict(BaseModel):
    # Attribute docstrings become the descriptions editors show from the rule files' schema.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


Similarity = Annotated[float, Field(ge=0.0, le=1.0)]


class Comparison(_Strict):
    """One compared quantity: its source fields, how it is scored, and how much it counts."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """A name for this comparison (lower case), used by blocking keys and the prefilter."""
    kind: Kind
    """What the value is: it picks the normalisation and the default scorer."""
    fields: list[str] = Field(min_length=1)
    """Salesforce field names on the matched object; dotted paths reach parents
    (Account.Name)."""
    against_fields: list[str] | None = Field(default=None, min_length=1)
    """The fields on the `against` object, when they are named differently (Lead.Street
    against Contact.MailingStreet). Defaults to `fields`."""
    combine: Literal["join", "best"] = "join"
    """join: several fields form one value (street lines). best: each field is a separate
    value and the best-agreeing combination counts (Phone against MobilePhone)."""
    scorer: Scorer | None = None
    """How similarity is measured; defaults to the kind's scorer."""
    weight: float = Field(gt=0)
    """How much the comparison counts when the values agree."""
    differ_weight: float | None = Field(default=None, ge=0)
    """How much the comparison counts when the values differ: its weight slides from this
    (similarity 0) to `weight` (similarity 1). Lower it for fields people have several of or
    change (emails, phones, addresses): a different email says less than the same email.
    Defaults to `weight`."""
    agree: Similarity = 0.85
    """The similarity from which the explanation says the field agrees."""
    floor: Similarity = 0.0
    """Similarities below this count as 0: unrelated values share letters and digits by chance
    (two random 7-digit numbers score ~0.4), and that chance must not add up across fields."""
    required: bool = False
    """Reject a pair whose values are both present but do not agree, whatever the total."""
    swap_with: str | None = None
    """Also try this comparison's values against another comparison's (given name and surname
    typed into each other's boxes); the better reading of the two counts."""
    nickname_similarity: Similarity = 0.95
    """first_name only: the similarity given to listed nicknames (Bob against Robert)."""

    @property
    def weight_at_zero(self) -> float:
        return self.weight if self.differ_weight is None else self.differ_weight

    @property
    def effective_scorer(self) -> Scorer:
        return self.scorer or DEFAULT_SCORER[self.kind]

    def fields_for(self, against: bool) -> list[str]:
        return (self.against_fields or self.fields) if against else self.fields


class KeyPart(_Strict):
    """One part of a blocking key: a comparison's normalised value, transformed."""

    comparison: str
    """The comparison whose value this part is made from."""
    transform: Transform = Transform.EXACT
    """How the value becomes a key part (metaphone, prefix, tail, domain, ...)."""
    length: int | None = Field(default=None, ge=1, le=64)
    """How many characters prefix and tail keep."""


class BlockingKey(_Strict):
    """Records that share a key's value are compared; a key is the join of its parts."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """A name for the key, shown in the matcher's statistics."""
    parts: list[KeyPart] = Field(min_length=1)
    """The parts joined into the key's value."""
    prefilter: bool = True
    """Whether the pairs this key proposes must pass `blocking.prefilter`. Switch it off for
    keys that are strong evidence on their own (the same email, the same phone number), whose
    pairs may carry quite different names (Bob and Robert, a maiden name)."""


class Prefilter(_Strict):
    """Only pairs whose summary strings (the comparisons' values joined) are this close get
    scored: sharing a sound-alike surname or a postcode is no reason to compare two people
    whose names differ. Runs as rapidfuzz ``cdist`` (large blocks) or ``cpdist`` (pairs of
    small blocks) with a score cutoff, on all cores."""

    comparisons: list[str] = Field(min_length=1)
    """The comparisons whose values are joined into the summary string."""
    scorer: Scorer = Scorer.TOKEN_SET_RATIO
    """A rapidfuzz scorer for the summary strings."""
    cutoff: Similarity = 0.5
    """Pairs below this similarity are not scored."""


class Blocking(_Strict):
    """Which records are compared at all: those that share the value of at least one key."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    # Written `keys` in YAML. Not the attribute's name: `dict(model)`, which Prefect applies to
    # task parameters, would take an attribute called `keys` for the mapping protocol's.
    key_list: list[BlockingKey] = Field(min_length=1, alias="keys")
    """Cheap keys (sound-alike names, email parts, phone tails, postcodes)."""
    max_block_size: int = Field(default=400, ge=2)
    """Blocks larger than this are skipped: the key is too common there to say anything (every
    "Smith" in a national list). Other keys still cover those records."""
    compare_all_up_to: int = Field(default=24, ge=2)
    """Blocks up to this size have every pair listed (and pre-filtered pair by pair); larger
    ones are pre-filtered as a whole with cdist, which never lists the pairs it drops."""
    prefilter: Prefilter | None = None
    """A quick similarity check before a pair is scored in full."""


class GenericWords(_Strict):
    """Company names: which words count less (see engine.duplicates.normalise.generic_words)."""

    use_shipped_list: bool = True
    """Weight down the shipped list of generic words (Bank, Group, Solutions, Traders...)."""
    extra: list[str] = Field(default_factory=list)
    """More words that are generic in this org."""
    not_generic: list[str] = Field(default_factory=list)
    """Words of the shipped list that are distinctive in this org after all."""
    share: Similarity = 0.01
    """A word found in at least this share of the names matched is generic too..."""
    min_count: int = Field(default=5, ge=1)
    """...when it is also found in at least this many of them."""
    weight: Similarity = 0.15
    """What a generic word counts for, against 1 for a distinctive one."""


class TaskSettings(_Strict):
    """The review task opened for each group."""

    due_in_days: int = Field(default=7, ge=0, le=365)
    """Days from the audit to the task's due date."""
    priority: Literal["Low", "Normal", "High"] = "Normal"
    """The task's priority."""


class Matcher(_Strict):
    """How to find duplicates of one object (or one object's records already in another)."""

    object: Literal["Account", "Contact", "Lead"]
    """The object whose records are matched."""
    against: Literal["Account", "Contact", "Lead"] | None = None
    """Match the records against another object's instead of among themselves (Lead against
    Contact: a lead that is already a contact)."""
    description: str = ""
    """What the matcher finds, in plain words (shown as the rule's title)."""
    threshold: Similarity
    """A pair is a duplicate when its weighted similarity reaches this."""
    min_compared_weight: float = Field(default=0.0, ge=0)
    """Pairs with less weight than this compared (both sides present) are not judged: two
    records that only share a last name are no evidence either way."""
    comparisons: list[Comparison] = Field(min_length=1)
    """What is compared, and how much each part counts."""
    blocking: Blocking
    """Which records are compared at all."""
    survivor: list[SurvivorRule] = Field(
        default_factory=lambda: [SurvivorRule.MOST_COMPLETE, SurvivorRule.OLDEST]
    )
    """Which record of a group to suggest keeping; later rules break ties of earlier ones."""
    generic_words: GenericWords = Field(default_factory=GenericWords)
    """Company names: which words count less."""
    task: TaskSettings = Field(default_factory=TaskSettings)
    """The review task opened for each group."""

    def comparison(self, name: str) -> Comparison:
        for comparison in self.comparisons:
            if comparison.name == name:
                return comparison
        raise KeyError(name)

    def source_fields(self, against: bool = False) -> list[str]:
        """Every Salesforce field this matcher reads, in first-use order (for the SOQL query)."""
        seen: dict[str, None] = {}
        for comparison in self.comparisons:
            for name in comparison.fields_for(against):
                seen.setdefault(name)
        return list(seen)


class DuplicatesConfig(_Strict):
    """Duplicate matchers: one per rule id (duplicate_contact, lead_matches_contact, ...)."""

    version: Literal[1] = 1
    """The format's version."""
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    """Region for phone numbers written without a country code (ISO 3166 alpha-2)."""
    matchers: dict[str, Matcher] = Field(min_length=1)
    """The matchers, by rule id: findings and review tasks carry the id."""

    def matcher_for(self, object_name: str, against: str | None = None) -> tuple[str, Matcher]:
        """The (rule id, matcher) for an object matched against itself or another object."""
        for rule_id, matcher in self.matchers.items():
            if matcher.object == object_name and (matcher.against or object_name) == (
                against or object_name
            ):
                return rule_id, matcher
        target = f"{object_name} against {against}" if against else object_name
        raise WeederError(f"no duplicate matcher is configured for {target}")
