"""What a writer must know before using a photo: its size class and its rights badges.

Read from the catalog's own fields, so the grid, the photo page and the API say
the same thing. Agencies write restrictions in free text ("MANDATORY CREDIT.
NO SALES. NO ARCHIVES", "Editorial use only", "HANDOUT - via REUTERS"); the
phrases below are the ones wire services use, matched as whole words in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Long side at which a photo is print-ready: 20 cm at 300 ppi, a three-column picture.
PRINT_LONG_SIDE = 2400

#: "HO" is the wires' short form, in capitals only: "Ho Lin/Reuters" is a name.
_HANDOUT = re.compile(r"(?i:\bhand-?out\b)|\bHO\b")
_EDITORIAL = re.compile(
    r"\beditorial\s+(?:use\s+)?only\b|\bfor\s+editorial\s+use\b|\bno\s+commercial\s+use\b",
    re.IGNORECASE,
)
_RESTRICTED = re.compile(
    r"\brestrict(?:ed|ion|ions)\b|\bno\s+(?:re)?sales\b|\bno\s+archives?\b|\bembargo(?:ed)?\b"
    r"|\bnot\s+for\s+(?:sale|publication|use)\b|\bdo\s+not\s+(?:use|publish)\b"
    r"|\bmandatory\s+kill\b|\bkill\s+notice\b|\bout\s*:\s*\w|\bexclusive\s+to\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Badge:
    """One rights badge: a CSS-safe key, the words on it and why it is there."""

    key: str
    label: str
    why: str


def size_class(width: int | None, height: int | None) -> str:
    """'print-ready' from `PRINT_LONG_SIDE` px on the long side, else 'web-only'."""
    return "print-ready" if max(width or 0, height or 0) >= PRINT_LONG_SIDE else "web-only"


def rights_badges(asset: Any) -> list[Badge]:
    """Handout, editorial only, restricted and "no credit", in that order, for any photo row."""
    terms = " \n".join(
        text for text in (asset.usage_terms, asset.instructions) if text and text.strip()
    )
    badges = []
    handout = next(
        (
            name
            for name, text in (("credit", asset.credit), ("source", asset.source))
            if text and _HANDOUT.search(text)
        ),
        None,
    )
    if handout:
        badges.append(Badge("handout", "handout", f"the {handout} names a handout"))
    if terms and _EDITORIAL.search(terms):
        badges.append(Badge("editorial", "editorial only", _quote(_EDITORIAL, terms)))
    if terms and _RESTRICTED.search(terms):
        badges.append(Badge("restricted", "restricted", _quote(_RESTRICTED, terms)))
    if not (asset.credit or "").strip():
        badges.append(Badge("no-credit", "no credit", "the photo has no credit"))
    return badges


def restrictions(asset: Any) -> list[tuple[str, str]]:
    """The usage terms and special instructions a download must be read with, labelled."""
    return [
        (label, text.strip())
        for label, text in (
            ("Usage terms", asset.usage_terms),
            ("Special instructions", asset.instructions),
        )
        if text and text.strip()
    ]


def _quote(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return f"the terms say “{found.group(0)}”" if found else ""
