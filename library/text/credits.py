"""The desk's house style for credit fields, and the key under which two spellings are one credit.

House style is ``Name/Agency``: the person first, then each agency in the
desk's spelling, separated by slashes without spaces. ``house_style`` gets
there from what wires and sites send by a table of rules, applied in order;
each rule has an example that the tests check, so a rule is added as a row:

=====================  =================================  ==============================
rule                   from                               to
=====================  =================================  ==============================
wrapped                ``(Jane Roe/AP)``                  ``Jane Roe/AP``
photo_intro            ``Photo by Rob Carr/Getty Images`` ``Rob Carr/Getty Images``
file_note              ``Jeff Chiu/AP, File``             ``Jeff Chiu/AP``
separators             ``David McNew—Getty Images``       ``David McNew/Getty Images``
                       ``Jane Roe, AFP``, ``NASA, ESA``   ``Jane Roe/AFP``, ``NASA/ESA``
agency_photo           ``AP Photo/Jane Roe``              ``Jane Roe/AP``
agency_first           ``REUTERS/Benoit Tessier``         ``Benoit Tessier/Reuters``
agency_spelling        ``Jane Roe/The Associated Press``  ``Jane Roe/AP``
capitals               ``KOJI SASAHARA/AFP``              ``Koji Sasahara/AFP``
=====================  =================================  ==============================

A credit the rules do not recognise is returned tidied (spaces collapsed)
and otherwise as written: "Courtesy of NASA", "Photo-Illustration: WIRED"
and "Jane Roe for The New York Times" are the desk's to judge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

#: Agencies as the desk writes them, by their folded name (lower case, single spaces).
AGENCY_SPELLING: dict[str, str] = {
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "epa": "EPA",
    "epa-efe": "EPA-EFE",
    "efe": "EFE",
    "dpa": "dpa",
    "picture alliance": "picture alliance",
    "getty images": "Getty Images",
    "getty": "Getty Images",
    "xinhua": "Xinhua",
    "kyodo": "Kyodo",
    "kyodo news": "Kyodo",
    "yonhap": "Yonhap",
    "tass": "TASS",
    "anadolu": "Anadolu",
    "anadolu agency": "Anadolu",
    "upi": "UPI",
    "pa": "PA",
    "pa images": "PA Images",
    "pa wire": "PA Wire",
    "sipa": "Sipa",
    "sipa usa": "Sipa USA",
    "zuma press": "ZUMA Press",
    "zuma wire": "ZUMA Wire",
    "nurphoto": "NurPhoto",
    "sopa images": "SOPA Images",
    "bloomberg": "Bloomberg",
    "pool": "Pool",
    "imago": "Imago",
    "alamy": "Alamy",
    "shutterstock": "Shutterstock",
    "nasa": "NASA",
    "esa": "ESA",
    "jaxa": "JAXA",
    "noaa": "NOAA",
    "irna": "IRNA",
    "isna": "ISNA",
    "tasnim": "Tasnim",
    "wana": "WANA",
}

_SPACES = re.compile(r"\s+")
_PHOTO_INTRO = re.compile(
    r"^(?:photo(?:graph)?s?\s*(?:credit\s*)?(?::|by\b)|credit\s*:|©)\s*", re.IGNORECASE
)
_FILE_NOTE = re.compile(r"\s*[,/]\s*file(?:\s+photo)?\s*$", re.IGNORECASE)
#: "/", "|", a spaced dash, or a dash between words (the em dash Time and others print).
_SEPARATORS = re.compile(r"\s*[/|]\s*|\s+[-\u2013\u2014]\s+|\s*[\u2013\u2014]\s*")
#: "Jane Roe, AFP" and "JANE ROE (REUTERS)": an agency after a comma or in brackets at the end.
_TRAILING_AGENCY = re.compile(
    r"^(?P<name>.+?)(?:\s*,\s*(?P<comma>[^,]+)|\s*\((?P<bracket>[^()]+)\))$"
)
_AGENCY_PHOTO = re.compile(r"^(?P<agency>.+?)\s+(?:photo|foto)s?$", re.IGNORECASE)
_VIA = re.compile(r"\s+via\s+", re.IGNORECASE)


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.strip().casefold())


def agency(part: str) -> str | None:
    """The desk's spelling of an agency name, or None when ``part`` is not a known agency."""
    return AGENCY_SPELLING.get(_fold(part))


def _is_capitals_name(part: str) -> bool:
    """A person's name sent in capitals ("KOJI SASAHARA"); not an agency or an acronym."""
    words = part.split()
    letters = [c for c in part if c.isalpha()]
    return (
        len(words) >= 2
        and bool(letters)
        and all(c.isupper() for c in letters)
        and all(re.fullmatch(r"[^\W\d_][\w'.\u2019-]*", w) for w in words)
    )


def _title(word: str) -> str:
    titled = word.title()  # "O'BRIEN" -> "O'Brien", "JEAN-PAUL" -> "Jean-Paul"
    return re.sub(r"^(Ma?c)(\w)", lambda m: m.group(1) + m.group(2).upper(), titled)


# Each step works on the credit's parts (split at the separators).
Parts = list[str]


def _agency_photo(parts: Parts) -> Parts:
    """The agency's photo service credits a person, who goes first: "AP Photo/Jane Roe"."""
    if len(parts) >= 2:
        found = _AGENCY_PHOTO.match(parts[0])
        if found and agency(found.group("agency")):
            return [*parts[1:], found.group("agency")]
    return parts


def _agency_first(parts: Parts) -> Parts:
    """Agencies before a person's name go after it: "REUTERS/Benoit Tessier"."""
    last = parts[-1]
    if len(parts) >= 2 and all(agency(p) for p in parts[:-1]) and _looks_like_a_name(last):
        return [last, *parts[:-1]]
    return parts


def _looks_like_a_name(part: str) -> bool:
    """Two to four words and no agency: "Benoit Tessier", not "Shotshop" or "Getty Images"."""
    words = part.split()
    return 2 <= len(words) <= 4 and not _known_party(part) and all(w[0].isalpha() for w in words)


def _known_party(part: str) -> bool:
    return all(agency(side) for side in _VIA.split(part))


def _spelling(parts: Parts) -> Parts:
    """Each agency as the desk writes it ("REUTERS" → "Reuters"), also around "via"."""
    return [" via ".join(agency(side) or side for side in _VIA.split(part)) for part in parts]


def _capitals(parts: Parts) -> Parts:
    """A person's name first, sent in capitals, in title case; the outlets after it stay."""
    first = parts[0]
    if len(parts) >= 2 and _is_capitals_name(first) and not agency(first):
        return [" ".join(_title(w) for w in first.split()), *parts[1:]]
    return parts


@dataclass(frozen=True)
class CreditRule:
    """One row of the house-style table: what it does, and an example it must turn out."""

    name: str
    apply: Callable[[Parts], Parts]
    example: str
    expected: str


def _whole(change: Callable[[str], str]) -> Callable[[Parts], Parts]:
    """A rule over the credit as one text (before it is split into parts)."""

    def step(parts: Parts) -> Parts:
        return [change("/".join(parts))]

    return step


def _unwrap(text: str) -> str:
    text = text.strip()
    while len(text) > 2 and text[0] in "([" and text[-1] in ")]":
        text = text[1:-1].strip()
    return text


def _split(parts: Parts) -> Parts:
    split: Parts = []
    for part in _SEPARATORS.split("/".join(parts)):
        found = _TRAILING_AGENCY.match(part.strip())
        tail = found and (found.group("comma") or found.group("bracket"))
        if found and tail and _known_party(tail):
            split += [found.group("name"), tail]
        elif part.strip():
            split.append(part)
    return split


RULES: tuple[CreditRule, ...] = (
    CreditRule("wrapped", _whole(_unwrap), "(Jane Roe/AP)", "Jane Roe/AP"),
    CreditRule(
        "photo_intro",
        _whole(lambda t: _PHOTO_INTRO.sub("", t, count=1)),
        "Photo by Rob Carr/Getty Images",
        "Rob Carr/Getty Images",
    ),
    CreditRule(
        "file_note", _whole(lambda t: _FILE_NOTE.sub("", t)), "Jeff Chiu/AP, File", "Jeff Chiu/AP"
    ),
    CreditRule("separators", _split, "David McNew—Getty Images", "David McNew/Getty Images"),
    CreditRule("agency_photo", _agency_photo, "AP Photo/Jane Roe", "Jane Roe/AP"),
    CreditRule("agency_first", _agency_first, "REUTERS/Benoit Tessier", "Benoit Tessier/Reuters"),
    CreditRule("agency_spelling", _spelling, "Jane Roe/The Associated Press", "Jane Roe/AP"),
    CreditRule("capitals", _capitals, "KOJI SASAHARA/AFP", "Koji Sasahara/AFP"),
)


def house_style(credit: str) -> str:
    """``credit`` in the desk's house style (see the table in the module docstring)."""
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", credit)).strip()
    if not text:
        return ""
    parts: Parts = [text]
    for rule in RULES:
        parts = [p.strip() for p in rule.apply(parts) if p.strip()] or parts
    return "/".join(parts)


def credit_key(credit: str | None) -> str:
    """Two credits with one key differ only in case, spacing or punctuation.

    "NASA/ESA", "NASA, ESA" and "nasa / esa" share the key ``nasa esa``; word
    order and the words themselves count, so "Jane Roe/AP" and "AP/Jane Roe"
    do not (house style tells those apart).
    """
    text = unicodedata.normalize("NFKC", credit or "").casefold()
    return " ".join(re.findall(r"[^\W_]+", text))
