"""How often each credit or agency was published over a period: what the desk owes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.models import Article, Usage
from library.reports.csvfile import csv_bytes
from library.text.captions import normalize_credit


@dataclass
class CreditCount:
    credit: str
    usages: int
    articles: int
    photos: int


def credit_counts(
    session: Session, since: date | None = None, until: date | None = None
) -> list[CreditCount]:
    """Usages per credit (agencies and photographers) over a period: what the desk owes."""
    query = select(Usage, Article).join(Article, Usage.article_id == Article.id)
    if since:
        query = query.where(Article.published >= datetime(since.year, since.month, since.day))
    if until:
        query = query.where(Article.published < datetime(until.year, until.month, until.day))
    grouped: dict[str, dict[str, Any]] = {}
    for usage, article in session.execute(query):
        credit = usage.credit or ""
        key = normalize_credit(credit) if credit else ""
        entry = grouped.setdefault(
            key, {"forms": Counter(), "usages": 0, "articles": set(), "photos": set()}
        )
        entry["forms"][credit or "(no credit)"] += 1
        entry["usages"] += 1
        entry["articles"].add(article.id)
        entry["photos"].add(usage.asset_id or f"ref:{usage.reference_name or usage.id}")
    counts = [
        CreditCount(
            entry["forms"].most_common(1)[0][0],
            entry["usages"],
            len(entry["articles"]),
            len(entry["photos"]),
        )
        for entry in grouped.values()
    ]
    counts.sort(key=lambda c: (-c.usages, c.credit))
    return counts


CREDIT_COLUMNS = ("credit", "usages", "articles", "photos")


def credits_csv(counts: Sequence[CreditCount]) -> bytes:
    """The credit counts as a CSV file (UTF-8 with a BOM, formula-like credits defused)."""
    return csv_bytes(CREDIT_COLUMNS, ([c.credit, c.usages, c.articles, c.photos] for c in counts))
