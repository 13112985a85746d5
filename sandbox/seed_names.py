"""People's and companies' names for the seed, drawn so that no two clean records look alike.

A duplicate matcher must find the planted near-duplicates and nothing else, so the clean pools
are pruned at import: no two first names (or last names) are close in Jaro-Winkler terms or
nicknames of each other, and the first and last pools share no name (a swapped "Lee Jordan" /
"Jordan Lee" would look like one person). Two clean people then always differ clearly in at
least one of their names. Company brands are made up and pruned the same way.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from nicknames import NickNamer
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

#: Two names at least this close (Jaro-Winkler on folded text) could be read as one.
CLOSE = 0.84

_FIRST = """
Aaron Abigail Adam Adrian Agnes Aidan Alan Albert Alice Alison Amanda Amber Amelia Andrea
Angela Anna Annette Antoine Arthur Audrey Ava Barbara Beatrice Benjamin Bernard Brandon
Brenda Brian Bruno Caleb Camille Carla Carlos Carmen Caroline Catherine Cecilia Charles
Charlotte Chloe Christopher Claire Claude Clara Colin Connor Craig Cynthia Daniel Darren
David Deborah Denise Derek Diana Dominic Donald Dorothy Douglas Dylan Edith Edward Eleanor
Elena Eliza Elizabeth Emil Emily Emma Eric Ethan Eva Evelyn Fabian Felix Fiona Florence
Francis François Frank Freya Gabriel Gareth Gavin Georg George Gerald Gillian Gloria Gordon
Grace Graham Gregory Greta Gustav Hannah Harold Harriet Hazel Heather Heinrich Helen Henry
Hugo Ian Ingrid Isaac Isabel Ivan Jacob Jacqueline James Janet Jasmine Jason Jeffrey
Jennifer Jeremy Jessica Joanna Jonathan Jordan Joseph Joshua Joyce Judith Julia Julian
Justin Karen Karl Katherine Keith Kenneth Kevin Klaus Laura Lauren Leonard Liam Lillian
Linda Lorenzo Louise Lucas Lucy Luis Lydia Madeleine Malcolm Margaret Marion Martin Matthew
Maurice Maxine Megan Melanie Michael Miguel Miriam Molly Monica Nadia Natalie Nathan Neil
Nicholas Nina Noah Norman Oliver Olivia Oscar Owen Pamela Patricia Patrick Paul Pauline
Penelope Peter Philip Pierre Priya Rachel Ralph Raymond Rebecca Richard Robert Roger Ronald
Rosa Ruth Samuel Sandra Sarah Sebastian Simon Sophie Stanley Stephanie Steven Stuart Susan
Sylvia Teresa Theodore Thomas Timothy Tobias Trevor Ursula Valerie Vanessa Victor Victoria
Vincent Walter Wendy William Xavier Yasmin Yvonne Zachary Zoë José Jürgen Jörg Hélène Amélie
Ananya Arjun Mei Hiroshi Kenji Yuki Omar Layla Tariq Fatima Chidi Ngozi Kwame Ayumi Sven
Astrid Lars Ingmar Mateo Valentina Rafael Ximena Dmitri Olga Anya Pavel Wojciech Agnieszka
"""

_LAST = """
Abbott Acosta Adler Ahmed Albrecht Alvarez Andersen Armstrong Atkinson Bailey Baldwin Banerjee
Barnes Bauer Beaumont Becker Bennett Bergmann Bishop Blackwell Bonnet Bowman Bradley Brennan
Brooks Buchanan Burke Caldwell Campbell Carrington Castillo Chandler Chatterjee Chen Clarke
Coleman Collins Cooper Costa Crawford Cunningham Dalton Davenport Delacroix Dixon Donovan
Douglas Dubois Duncan Dunn Eastwood Edwards Ellison Engel Erikson Evans Fairbanks Faulkner
Ferguson Fischer Fitzgerald Fleming Fontaine Forsyth Fournier Fraser Fuchs Gallagher Garcia
Garnier Gibson Gilbert Goldberg Gonzalez Graves Griffin Gupta Hadley Hahn Hamilton Hansen
Harding Hartmann Hawkins Hayes Henderson Hoffmann Holloway Hopkins Howell Hughes Hunter
Ibrahim Ingram Jackson Jacobs Jankowski Jenkins Jensen Kaiser Kapoor Keller Kennedy Kimura
Klein Knight Koch Kowalski Krause Lambert Landry Lang Larsen Lawrence Lefebvre Lehmann
Lindqvist Lloyd Lopez Lorenz MacLeod Maddox Marchand Marshall Martinez McDonald Mercier
Meyer Mitchell Moreau Morrison Murphy Nakamura Nash Neumann Nguyen Nilsson Norris O'Brien
O'Connor Okafor Oliveira Osborne Ortiz Palmer Park Parsons Patel Pearson Perrin Peterson
Phillips Pierce Porter Prescott Quinn Ramirez Rasmussen Reid Reyes Richter Robinson Rossi
Roussel Russo Sanchez Sato Schmidt Schneider Schröder Schulz Sharma Sinclair Singh Sullivan
Suzuki Tanaka Thompson Torres Turner Vasquez Vogel Wagner Walsh Watanabe Weber Whitaker
Whitfield Wilkinson Winter Wolff Yamamoto Young Zimmermann Zhang Ashworth Blackburn Carver
Drummond Everett Fairfax Galloway Hargreaves Hollis Kendrick Langley Mayfield Ogden Pemberton
Radcliffe Sherwood Thornton Underwood Vance Wexford Yardley Brandt Dietrich Eckert Friedrich
Gerber Haas Jung Kuhn Mayer Roth Seidel Stein Vogt Winkler Ziegler Arnaud Blanchard Chevalier
Deschamps Faure Gauthier Girard Leclerc Lemoine Masson Renaud Rousseau Vidal Brewster
Callahan Costello Dempsey Finnegan Keane Lynch Molloy Nolan Regan Sheridan Tierney Whelan
"""

#: Formal first name -> a nickname the `nicknames` table links to it directly (Bob = Robert).
NICKNAMES = {
    "Robert": "Bob", "William": "Bill", "Katherine": "Kate", "Elizabeth": "Liz",
    "Michael": "Mike", "Jennifer": "Jenny", "Thomas": "Tom", "James": "Jim", "Richard": "Rick",
    "Daniel": "Dan", "Christopher": "Chris", "Margaret": "Peggy", "Joseph": "Joe",
    "Steven": "Steve", "Patricia": "Pat", "Susan": "Sue", "Matthew": "Matt",
    "Nicholas": "Nick", "Benjamin": "Ben", "Samuel": "Sam", "Jonathan": "Jon",
    "Victoria": "Vicky", "Rebecca": "Becky", "Deborah": "Debbie", "Edward": "Ed",
    "Timothy": "Tim", "Gregory": "Greg", "Douglas": "Doug", "Kenneth": "Ken",
    "Ronald": "Ron", "Gerald": "Jerry", "Theodore": "Ted", "Zachary": "Zach",
    "Penelope": "Penny", "Dorothy": "Dot", "Harold": "Harry", "Stanley": "Stan",
}

#: Company names: a made-up brand, a sector word, sometimes a legal form.
SECTORS = (
    "Analytics", "Logistics", "Systems", "Health", "Foods", "Energy", "Capital", "Media",
    "Labs", "Robotics", "Software", "Partners", "Industries", "Consulting", "Materials",
    "Networks", "Pharma", "Retail", "Marine", "Aerospace", "Textiles", "Motors", "Security",
    "Insurance", "Properties", "Biotech", "Learning", "Hospitality", "Outdoor", "Studios",
)
LEGAL_FORMS = {
    "US": ("Inc.", "Corp", "LLC", ""), "CA": ("Inc.", "Ltd", ""), "GB": ("Ltd", "PLC", ""),
    "DE": ("GmbH", "AG", ""), "FR": ("SA", "SAS", ""),
}
QUALIFIERS = ("North", "Pacific", "Summit", "Harbor", "Union", "Pioneer", "Atlas", "Crown",
              "Beacon", "Meridian", "Keystone", "Granite", "Lakeside", "Redwood", "Sterling")
_CLUSTERS = ("b", "br", "bl", "c", "cr", "cl", "d", "dr", "f", "fr", "fl", "g", "gr", "gl",
             "h", "j", "k", "kr", "l", "m", "n", "p", "pr", "pl", "qu", "r", "s", "st", "sl",
             "sp", "t", "tr", "v", "w", "z", "th", "sh", "ch")
_VOWEL_SET = ("a", "e", "i", "o", "u")
_MEDIALS = ("l", "r", "n", "m", "v", "d", "t", "s", "x", "lv", "rb", "nd", "st", "rm", "nt",
            "lt", "rg", "sc", "th", "ll")
_FINALS = ("n", "r", "x", "s", "l", "th", "nt", "rd", "ck", "m", "a", "o", "ia", "on", "ar",
           "en", "is", "ex", "ine", "ora", "ant", "ell", "ium", "ix")
_VOWELS = frozenset("aeiouy")


def _made_up(rng: random.Random) -> str | None:
    """A pronounceable invented word ("Brelvan"), or None when the parts clash."""
    word = (rng.choice(_CLUSTERS) + rng.choice(_VOWEL_SET) + rng.choice(_MEDIALS)
            + rng.choice(_VOWEL_SET) + rng.choice(_FINALS))
    run_vowels = 0
    for char in word:
        run_vowels = run_vowels + 1 if char in _VOWELS else 0
        if run_vowels > 1:
            return None
    return word.capitalize()


def fold(name: str) -> str:
    """Lower-case ASCII letters only, as a matcher compares names."""
    text = name.lower().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in text if char.isalpha())


def _nicknamed(a: str, b: str, namer: NickNamer) -> bool:
    x, y = fold(a), fold(b)
    return (y in namer.nicknames_of(x) or y in namer.canonicals_of(x)
            or x in namer.nicknames_of(y) or x in namer.canonicals_of(y))


def _prune(candidates: Iterable[str], *, against: Sequence[str] = (),
           namer: NickNamer | None = None) -> list[str]:
    """Keep candidates, in order, that are not close to an earlier kept one or to ``against``."""
    kept: list[str] = []
    kept_folded: list[str] = []
    blocked = [fold(name) for name in against]
    for name in candidates:
        folded = fold(name)
        if folded in kept_folded or folded in blocked:
            continue
        others = kept_folded + blocked
        if others and max(JaroWinkler.normalized_similarity(folded, o) for o in others) >= CLOSE:
            continue
        if namer is not None and any(_nicknamed(name, other, namer) for other in kept):
            continue
        kept.append(name)
        kept_folded.append(folded)
    return kept


@lru_cache(maxsize=1)
def first_names() -> tuple[str, ...]:
    """The clean first-name pool (nicknames used for planted duplicates are kept out)."""
    namer = NickNamer()
    nicknames = list(NICKNAMES.values())
    return tuple(_prune(_FIRST.split(), against=nicknames, namer=namer))


@lru_cache(maxsize=1)
def real_last_names() -> tuple[str, ...]:
    return tuple(_prune(_LAST.split(), against=first_names() + tuple(NICKNAMES.values())))


@lru_cache(maxsize=4)
def last_names(count: int) -> tuple[str, ...]:
    """At least ``count`` last names: the real ones, then made-up ones pruned the same way."""
    names = list(real_last_names())
    if len(names) >= count:
        return tuple(names)
    rng = random.Random("seed-last-names")
    seen = {fold(name) for name in names}
    candidates: list[str] = []
    attempts = 0
    while len(candidates) < 12 * count and attempts < 200 * count:
        attempts += 1
        made = _made_up(rng)
        if made is not None and fold(made) not in seen:
            seen.add(fold(made))
            candidates.append(made)
    blocked = [fold(name) for name in first_names() + tuple(NICKNAMES.values())]
    extra = prune_fast(candidates, [fold(name) for name in names] + blocked, count - len(names))
    return tuple(names + extra)


def prune_fast(candidates: Sequence[str], existing: Sequence[str], wanted: int) -> list[str]:
    """Up to ``wanted`` candidates not close to ``existing`` (folded) nor to each other.

    Every pair is compared, a batch of candidates at a time against everything kept so far,
    then within the batch.
    """
    kept: list[str] = []
    pool: list[str] = list(existing)
    batch = 256
    for start in range(0, len(candidates), batch):
        chunk = list(candidates[start:start + batch])
        folded = [fold(name) for name in chunk]
        if pool:
            scores = cdist(folded, pool, scorer=JaroWinkler.normalized_similarity,
                           score_cutoff=CLOSE, workers=1)
            far = scores.max(axis=1) < CLOSE
        else:
            far = [True] * len(chunk)
        accepted: list[str] = []
        for name, key, ok in zip(chunk, folded, far, strict=True):
            if not ok or (accepted and _closest(key, accepted) >= CLOSE):
                continue
            kept.append(name)
            accepted.append(key)
            if len(kept) >= wanted:
                return kept
        pool.extend(accepted)
    return kept


def _closest(name: str, pool: Sequence[str]) -> float:
    scores = cdist([name], pool, scorer=JaroWinkler.normalized_similarity, workers=1)
    return float(scores.max())


#: Brands beyond this many would need too many comparisons; companies then share brands
#: with different words ("Brelvan Atlas Logistics"), see :func:`company_names`.
MAX_BRANDS = 3000


@lru_cache(maxsize=8)
def brands(count: int, seed: int) -> tuple[str, ...]:
    """Up to ``count`` (at most MAX_BRANDS) made-up brands ("Brelvan"), none close to
    another."""
    count = min(count, MAX_BRANDS)
    rng = random.Random(f"{seed}-brands")
    seen: set[str] = set()
    candidates: list[str] = []
    target = min(max(64, count * 4), 40000)
    attempts = 0
    while len(candidates) < target and attempts < target * 10:
        attempts += 1
        made = _made_up(rng)
        if made is not None and made not in seen:
            seen.add(made)
            candidates.append(made)
    blocked = [fold(name) for name in first_names() + real_last_names()]
    return tuple(prune_fast(candidates, blocked, count))


def company_names(count: int, rng: random.Random, seed: int) -> list[tuple[str, str, str]]:
    """``count`` distinct (brand, qualifier, sector) triples: every brand once first (each
    company clearly its own), then brands again with other words when the pool runs out."""
    pool = brands(count, seed)
    chosen: list[tuple[str, str, str]] = [(brand, "", rng.choice(SECTORS)) for brand in pool]
    seen = set(chosen)
    while len(chosen) < count:
        triple = (rng.choice(pool), rng.choice(QUALIFIERS), rng.choice(SECTORS))
        if triple not in seen:
            seen.add(triple)
            chosen.append(triple)
    return chosen[:count]


def ascii_local(name: str) -> str:
    """A name as an e-mail local part: ASCII letters only ("O'Brien" -> "obrien")."""
    return fold(name)


def typo(name: str, rng: random.Random, *, doubled_only: bool = False) -> str:
    """One plausible keying slip: a doubled, dropped or swapped letter (never the first).
    ``doubled_only``: the gentlest slip, for short words where any other reads as a new one."""
    if len(name) < 4:
        return name + name[-1]
    position = rng.randrange(1, len(name) - 1)
    choice = 0 if doubled_only else rng.randrange(3)
    if choice == 0:
        return name[:position] + name[position] + name[position:]
    if choice == 1:
        return name[:position] + name[position + 1:]
    swapped = name[:position] + name[position + 1] + name[position] + name[position + 2:]
    return swapped if swapped != name else name[:position] + name[position] + name[position:]


class PeoplePool:
    """Unique (first, last) pairs, handed out so that people who work together differ in both
    names (two Chens at one company would look like one person to a matcher)."""

    def __init__(self, needed: int, rng: random.Random) -> None:
        firsts = first_names()
        lasts = last_names(-(-needed * 3 // (2 * len(firsts))) + 1)
        self.last_set = frozenset(fold(name) for name in lasts)
        self.first_set = frozenset(fold(name) for name in firsts)
        self._combos = [(first, last) for first in firsts for last in lasts]
        rng.shuffle(self._combos)
        self._deferred: list[tuple[str, str]] = []

    def draw(self, avoid: set[str] | None = None) -> tuple[str, str]:
        """The next unused pair whose names are not in ``avoid`` (folded names)."""
        for index, combo in enumerate(self._deferred):
            if not avoid or (fold(combo[0]) not in avoid and fold(combo[1]) not in avoid):
                return self._deferred.pop(index)
        while self._combos:
            combo = self._combos.pop()
            if not avoid or (fold(combo[0]) not in avoid and fold(combo[1]) not in avoid):
                return combo
            self._deferred.append(combo)
        raise RuntimeError("the name pool is exhausted")

    def give_back(self, combo: tuple[str, str]) -> None:
        """Return an unused pair drawn by mistake; it is handed out again first."""
        self._deferred.append(combo)

    def free_typo(self, last: str, rng: random.Random) -> str:
        """A misspelling of ``last`` that is not itself a pooled last name."""
        for _ in range(20):
            candidate = typo(last, rng)
            if candidate != last and fold(candidate) not in self.last_set:
                return candidate
        return last + last[-1]
