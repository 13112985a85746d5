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
    model_config = ConfigDict(extra="forbid", frozen=True)


Similarity = Annotated[float, Field(ge=0.0, le=1.0)]


class Comparison(_Strict):
    """One compared quantity: its source fields, how it is scored, and how much it counts."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    #: Salesforce field names on the matched object; dotted paths reach parents ("Account.Name").
    fields: list[str] = Field(min_length=1)
    #: The fields on the ``against`` object, when they are named differently (Lead.Street
    #: against Contact.MailingStreet). Defaults to ``fields``.
    against_fields: list[str] | None = Field(default=None, min_length=1)
    #: ``join``: several fields form one value (street lines). ``best``: each field is a separate
    #: value and the best-agreeing combination counts (Phone against MobilePhone).
    combine: Literal["join", "best"] = "join"
    scorer: Scorer | None = None
    weight: float = Field(gt=0)
    #: How much the comparison counts when the values differ: its weight slides from this
    #: (similarity 0) to ``weight`` (similarity 1). Lower it for fields people have several of
    #: or change (emails, phones, addresses): a different email says less than the same email.
    #: Defaults to ``weight``.
    differ_weight: float | None = Field(default=None, ge=0)
    #: The similarity from which the explanation says the field agrees.
    agree: Similarity = 0.85
    #: Similarities below this count as 0: unrelated values share letters and digits by chance
    #: (two random 7-digit numbers score ~0.4), and that chance must not add up across fields.
    floor: Similarity = 0.0
    #: Reject a pair whose values are both present but do not agree, whatever the total.
    required: bool = False
    #: Also try this comparison's values against another comparison's (given name and surname
    #: typed into each other's boxes); the better reading of the two counts.
    swap_with: str | None = None
    #: first_name only: the similarity given to listed nicknames (Bob against Robert).
    nickname_similarity: Similarity = 0.95

    @property
    def weight_at_zero(self) -> float:
        return self.weight if self.differ_weight is None else self.differ_weight

    @property
    def effective_scorer(self) -> Scorer:
        return self.scorer or DEFAULT_SCORER[self.kind]

    def fields_for(self, against: bool) -> list[str]:
        return (self.against_fields or self.fields) if against else self.fields


class KeyPart(_Strict):
    comparison: str
    transform: Transform = Transform.EXACT
    length: int | None = Field(default=None, ge=1, le=64)


class BlockingKey(_Strict):
    """Records that share a key's value are compared; a key is the join of its parts."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    parts: list[KeyPart] = Field(min_length=1)
    #: Whether the pairs this key proposes must pass ``blocking.prefilter``. Switch it off for
    #: keys that are strong evidence on their own (the same email, the same phone number),
    #: whose pairs may carry quite different names (Bob and Robert, a maiden name).
    prefilter: bool = True


class Prefilter(_Strict):
    """Only pairs whose summary strings (the comparisons' values joined) are this close get
    scored: sharing a sound-alike surname or a postcode is no reason to compare two people
    whose names differ. Runs as rapidfuzz ``cdist`` (large blocks) or ``cpdist`` (pairs of
    small blocks) with a score cutoff, on all cores."""

    comparisons: list[str] = Field(min_length=1)
    scorer: Scorer = Scorer.TOKEN_SET_RATIO
    cutoff: Similarity = 0.5


class Blocking(_Strict):
    keys: list[BlockingKey] = Field(min_length=1)
    #: Blocks larger than this are skipped: the key is too common there to say anything
    #: (every "Smith" in a national list). Other keys still cover those records.
    max_block_size: int = Field(default=400, ge=2)
    #: Blocks up to this size have every pair listed (and pre-filtered pair by pair); larger
    #: ones are pre-filtered as a whole with cdist, which never lists the pairs it drops.
    compare_all_up_to: int = Field(default=24, ge=2)
    prefilter: Prefilter | None = None


class GenericWords(_Strict):
    """Company names: which words count less (see engine.duplicates.normalise.generic_words)."""

    use_shipped_list: bool = True
    extra: list[str] = Field(default_factory=list)
    #: Words of the shipped list that are distinctive in this org after all.
    not_generic: list[str] = Field(default_factory=list)
    share: Similarity = 0.01
    min_count: int = Field(default=5, ge=1)
    weight: Similarity = 0.15


class TaskSettings(_Strict):
    due_in_days: int = Field(default=7, ge=0, le=365)
    priority: Literal["Low", "Normal", "High"] = "Normal"


class Matcher(_Strict):
    """How to find duplicates of one object (or one object's records already in another)."""

    object: Literal["Account", "Contact", "Lead"]
    against: Literal["Account", "Contact", "Lead"] | None = None
    description: str = ""
    #: A pair is a duplicate when its weighted similarity reaches this.
    threshold: Similarity
    #: Pairs with less weight than this compared (both sides present) are not judged: two
    #: records that only share a last name are no evidence either way.
    min_compared_weight: float = Field(default=0.0, ge=0)
    comparisons: list[Comparison] = Field(min_length=1)
    blocking: Blocking
    survivor: list[SurvivorRule] = Field(
        default_factory=lambda: [SurvivorRule.MOST_COMPLETE, SurvivorRule.OLDEST]
    )
    generic_words: GenericWords = Field(default_factory=GenericWords)
    task: TaskSettings = Field(default_factory=TaskSettings)

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
    version: Literal[1] = 1
    #: Region for phone numbers written without a country code (ISO 3166 alpha-2).
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    matchers: dict[str, Matcher] = Field(min_length=1)

    def matcher_for(self, object_name: str, against: str | None = None) -> tuple[str, Matcher]:
        """The (rule id, matcher) for an object matched against itself or another object."""
        for rule_id, matcher in self.matchers.items():
            if matcher.object == object_name and (matcher.against or object_name) == (
                against or object_name
            ):
                return rule_id, matcher
        target = f"{object_name} against {against}" if against else object_name
        raise WeederError(f"no duplicate matcher is configured for {target}")
