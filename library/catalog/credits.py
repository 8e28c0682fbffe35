"""Credits the library already uses: suggestions for the credit and source fields, and spelling checks.

A desk keeps one spelling per credit. The suggestions are the credit and
source values on the library's photos, most used first; ``advise`` tells an
editor, before saving, that what they typed differs from a known credit only
in case, spacing or punctuation ("NASA, ESA" where the library says
"NASA/ESA" on 40 photos), or is not in house style ("AP Photo/Jane Roe" for
"Jane Roe/AP"), each with the value to use instead.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from library.db.models import Asset, Change
from library.text.credits import credit_key, house_style

#: Credits longer than this are notes, not credits: they are not suggested.
MAX_SUGGESTED_LENGTH = 120


@dataclass(frozen=True)
class KnownCredit:
    """A credit or source value as the library spells it, and on how many photos."""

    text: str
    count: int


@dataclass(frozen=True)
class CreditFix:
    """A better value for what was typed, and why (one line for the editor)."""

    value: str
    reason: str


def used_credits(session: Session, limit: int | None = 200) -> list[KnownCredit]:
    """Credit and source values on the library's photos, most used first (ties by name).

    One value counts once per field it fills, so a photo credited "Jane
    Roe/AP" with source "AP" counts for both.
    """
    counts: Counter[str] = Counter()
    for column in (Asset.credit, Asset.source):
        rows = session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        )
        for value, count in rows:
            text = (value or "").strip()
            if text and len(text) <= MAX_SUGGESTED_LENGTH:
                counts[text] += int(count)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    return [KnownCredit(text, count) for text, count in ranked[:limit]]


#: Per database: (what the catalog looked like, when it was counted, the credits).
_COUNTED: dict[str, tuple[tuple[object, tuple[object, ...]], float, list[KnownCredit]]] = {}
_COUNTING = threading.Lock()


def _catalog_state(session: Session) -> tuple[object, tuple[object, ...]]:
    """(which catalog this is, how it stands): the first photo's arrival, then the newest
    edit and the newest photo, which change whenever a credit or source may have.
    Index lookups only."""
    row = session.execute(
        select(
            select(func.min(Asset.ingested_at)).scalar_subquery(),
            select(func.max(Change.id)).scalar_subquery(),
            select(func.max(Change.changed_at)).scalar_subquery(),
            select(func.max(Asset.id)).scalar_subquery(),
            select(func.max(Asset.ingested_at)).scalar_subquery(),
        )
    ).one()
    return row[0], tuple(row[1:])


def known_credits(session: Session, max_age: float = 0.0) -> list[KnownCredit]:
    """Every credit in use (used_credits), counted again only when the catalog changed.

    Counting reads every photo (a third of a second at 100,000 on a busy
    machine), and the gallery asks on every credit typed. The count is kept
    per database and process, keyed by the newest edit and the newest photo;
    ``max_age`` (seconds) lets a count that old be served after a change, so
    a desk saving a photo a second counts at most once per ``max_age``.
    Suggestions a few seconds behind are fine; the saved values never are,
    and they do not come from here.
    """
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    state = _catalog_state(session)
    found = _COUNTED.get(url)
    now = time.monotonic()
    # A lagging count is only served for the same catalog (a database emptied
    # and filled again under the same URL is another catalog).
    if found and (found[0] == state or (found[0][0] == state[0] and now - found[1] < max_age)):
        return found[2]
    with _COUNTING:
        counted = used_credits(session, limit=None)
        _COUNTED[url] = (state, now, counted)
    return counted


def advise(typed: str, known: list[KnownCredit]) -> list[CreditFix]:
    """What to use instead of ``typed``: its house style, or else the library's usual spelling.

    Empty when ``typed`` is in house style and is the spelling the library
    uses most among those that differ from it only in case, spacing or
    punctuation. A list, so a later rule can add a second opinion.
    """
    text = " ".join(typed.split())
    if not text:
        return []
    counts = {credit.text: credit.count for credit in known}
    styled = house_style(text)
    if styled != text:
        used = f", as on {_photos(counts[styled])}" if styled in counts else ""
        return [CreditFix(styled, f"house style is “{styled}”{used}")]
    key = credit_key(text)
    # Most used first, so the first one with this key is the library's usual spelling.
    usual = next((credit for credit in known if credit_key(credit.text) == key), None)
    if usual is None or usual.text == text:
        return []
    return [
        CreditFix(usual.text, f"the library writes it “{usual.text}” on {_photos(usual.count)}")
    ]


def _photos(count: int) -> str:
    return f"{count} photo{'s' if count != 1 else ''}"


def check_credit(session: Session, typed: str, max_age: float = 0.0) -> list[CreditFix]:
    """``advise`` against the library's credits (known_credits, with its ``max_age``)."""
    return advise(typed, known_credits(session, max_age))
