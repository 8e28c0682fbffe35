"""Spot one name spelled several ways across captions, and typos in bylines."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = ["fold_name", "likely_typo", "name_variants"]

#: Romanisation swaps, applied in order after case and accents are dropped.
#: Persian and Arabic names reach the desk through several transliteration
#: schemes, so "gh"/"q", "zh"/"dh"/"z", "kh"/"x", "w"/"v", "y"/"i" and "o"/"u"
#: mark the same sound; "Shaghaghi" and "Shaqaqi" must fold to one key.
_FOLDS: tuple[tuple[str, str], ...] = (
    ("gh", "q"),
    ("kh", "x"),
    ("zh", "z"),
    ("dh", "z"),
    ("th", "t"),
    ("ph", "f"),
    ("ck", "k"),
    ("w", "v"),
    ("y", "i"),
    ("o", "u"),
)
_DOUBLED = re.compile(r"(.)\1+")
#: A final "h" after a vowel is silent in these schemes: "Zadeh" and "Zade".
_FINAL_H = re.compile(r"(?<=[aeiu])h$")
_VOWELS = frozenset("aeiu")

#: Endings that make a different word ("Tehran"/"Tehrani", "Mohammad"/"Mohammadi",
#: "Daniel"/"Daniela"), not a different spelling, so such pairs are never flagged.
_DERIVING_SUFFIXES = ("i", "s", "es", "n", "an", "ian", "a", "e", "u", "ese", "ish")

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?:-[^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
#: Capitalised words that are not names, and calendar words: "July" and "Julia"
#: may look alike but a month is never a misspelt person.
_NOT_NAMES_TEXT = """
    a an and as at but by for from he her his i in into it its of on or our she that the their
    these they this those to we with who while after before during near over under outside
    inside photo photos file archive credit courtesy image picture mr mrs ms dr president
    minister prime police army state city university
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_MIN_FUZZY_LENGTH = 5
_MIN_EXACT_LENGTH = 4
_MIN_RATIO = 0.85


def fold_name(name: str) -> str:
    """A transliteration-blind key: same key means "same name, other spelling".

    Accents, case, hyphens, spaces and apostrophes go, romanisation swaps in
    ``_FOLDS`` are applied, and doubled letters collapse ("Hosseini"/"Hoseyni").
    """
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if ch.isalpha() and not unicodedata.combining(ch))
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = _DOUBLED.sub(r"\1", text)
    return _FINAL_H.sub("", text)


def _edit_count(a: str, b: str) -> int:
    """Edits difflib needs to turn ``a`` into ``b`` (a replaced block counts its longer side)."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


def _derived(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return long_.startswith(short) and long_[len(short) :] in _DERIVING_SUFFIXES


def _variant_score(a: str, b: str, fa: str, fb: str) -> float | None:
    """Similarity of two folded names, or None when they are not one name respelled."""
    if a.casefold() == b.casefold():
        return None
    if fa == fb:
        return 1.0 if len(fa) >= _MIN_EXACT_LENGTH else None
    if min(len(fa), len(fb)) < _MIN_FUZZY_LENGTH or abs(len(fa) - len(fb)) > 2:
        return None
    if fa[0] != fb[0] and not (fa[0] in _VOWELS and fb[0] in _VOWELS):
        return None
    if _derived(fa, fb) or _derived(a.casefold(), b.casefold()):
        return None
    ratio = SequenceMatcher(None, fa, fb, autojunk=False).ratio()
    if ratio < _MIN_RATIO:
        return None
    if _edit_count(fa, fb) > max(1, max(len(fa), len(fb)) // 5):
        return None
    return round(ratio, 3)


def _candidates(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """Capitalised words, and adjacent capitalised pairs ("Hossein Zadeh") as compounds."""
    words: set[str] = set()
    compounds: set[str] = set()
    for text in texts:
        if not text:
            continue
        previous: tuple[str, int] | None = None
        for m in _WORD.finditer(text):
            word = _POSSESSIVE.sub("", m.group(0))
            capitalised = word[:1].isupper() and word.casefold() not in _NOT_NAMES
            if not capitalised:
                previous = None
                continue
            words.add(word)
            if previous is not None and not text[previous[1] : m.start()].strip():
                compounds.add(previous[0] + " " + word)
            previous = (word, m.end())
    return words, compounds


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if (a.casefold(), a) <= (b.casefold(), b) else (b, a)


def name_variants(texts: Iterable[str]) -> list[tuple[str, str, float]]:
    """Pairs of capitalised names that look like one name spelled differently.

    Returns ``(a, b, score)`` with ``a`` before ``b`` alphabetically, best
    score first. The score is the difflib ratio of the folded spellings, so 1.0
    means "identical once transliteration is ignored" ("Shaqaqi"/"Shaghaghi").
    Fuzzy pairs need five or more folded letters, the same first letter (or two
    vowels, "Esfahan"/"Isfahan"), a ratio of at least 0.85 and very few edits;
    a pair where one is the other plus an ending ("Tehran"/"Tehrani") is a
    different word and is not reported. Two-word runs ("Hossein Zadeh") only
    pair with a single word that folds to exactly the same key.
    """
    words, compounds = _candidates(texts)
    folded = {w: fold_name(w) for w in words | compounds}
    buckets: dict[str, list[str]] = {}
    for word in sorted(words):
        key = folded[word][:1]
        if key:
            buckets.setdefault("V" if key in _VOWELS else key, []).append(word)
    pairs: dict[tuple[str, str], float] = {}
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                score = _variant_score(a, b, folded[a], folded[b])
                if score is not None:
                    pairs[_ordered(a, b)] = score
    by_key: dict[str, list[str]] = {}
    for word in words:
        by_key.setdefault(folded[word], []).append(word)
    for compound in compounds:
        for word in by_key.get(folded[compound], []):
            if len(folded[compound]) >= _MIN_FUZZY_LENGTH:
                pairs[_ordered(compound, word)] = 1.0
    return sorted(
        ((a, b, s) for (a, b), s in pairs.items()),
        key=lambda p: (-p[2], p[0].casefold(), p[1].casefold()),
    )


def _osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit ("Roe"/"Reo")."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def _word_typo(a: str, b: str) -> bool:
    if fold_name(a) == fold_name(b) and fold_name(a):
        return True
    shorter = min(len(a), len(b))
    distance = _osa_distance(a, b)
    swapped = distance == 1 and len(a) == len(b) and sorted(a) == sorted(b)
    if distance == 1:
        return shorter >= 4 or (swapped and shorter >= 3)
    return distance == 2 and shorter >= 8


_BYLINE_STRIP = re.compile(r"[^\w\s/&'-]+")


def likely_typo(a: str, b: str) -> bool:
    """Whether two bylines/credits probably meant the same words but one is misspelt.

    Word by word, at most one word in three (at least one) may differ, and only
    by a slip: one edit in a word of four or more letters, a swap of neighbours,
    two edits in a long word, or a transliteration variant. Identical strings and
    case-only differences are not typos; a missing or extra space is.
    "Stuff Writer"/"Staff Writer" is a typo, "Staff Writer"/"Staff Reporter" is not.
    """
    na = " ".join(_BYLINE_STRIP.sub(" ", a.casefold()).split())
    nb = " ".join(_BYLINE_STRIP.sub(" ", b.casefold()).split())
    if not na or not nb or na == nb:
        return False
    if na.replace(" ", "") == nb.replace(" ", ""):
        return True
    wa, wb = na.split(), nb.split()
    if len(wa) != len(wb):
        return False
    diffs = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    if len(diffs) > max(1, len(wa) // 3):
        return False
    return all(_word_typo(x, y) for x, y in diffs)
