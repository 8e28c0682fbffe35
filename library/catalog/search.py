"""Full-text search over photos' words and the captions they were published with.

The index lives beside the catalog in tables the ORM does not map (created by
migration 0002): on SQLite an FTS5 table ``asset_search`` whose rowid is the
asset id, on PostgreSQL ``asset_search(asset_id, document tsvector)`` with a
GIN index. ``asset_search_stats`` holds each photo's article count with an
index on (count, id), so "most used" pages are read in index order instead of
counting usages for every request.

Text is folded (accents removed, case-folded) in Python before it reaches
either database, so both back-ends find "Cremieux" for "Crémieux". User input
is never handed to the query parser as written: it is split into words and
quoted phrases, and every word is rebuilt from letters and digits only, so no
input can produce a syntax error.

The index is only as fresh as its last ``reindex_assets`` call: whoever
changes a photo's words or usages calls it in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from library.db.models import Asset, Usage

#: Indexed columns, in the order of the FTS5 table's columns.
SEARCH_FIELDS: tuple[str, ...] = (
    "caption",
    "headline",
    "title",
    "alt_text",
    "credit",
    "creator",
    "source",
    "keywords",
    "published",
)

SORTS = ("newest", "most_used")

#: A query longer than this many words is cut: nobody types more, and each
#: word is one more index lookup.
_MAX_TERMS = 16
_CHUNK = 500
_WORD = re.compile(r"[^\W_]+")

# Not part of Base.metadata: migration 0002 owns these tables.
_metadata = MetaData()
stats_table = Table(
    "asset_search_stats",
    _metadata,
    Column("asset_id", Integer, primary_key=True),
    Column("article_count", Integer, nullable=False),
)
pg_search_table = Table(
    "asset_search",
    _metadata,
    Column("asset_id", Integer, primary_key=True),
    Column("document", TSVECTOR, nullable=False),
)


# --- Queries --------------------------------------------------------------------------


def fold(value: str) -> str:
    """Text as the index stores it: accents removed and case-folded."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Term:
    """One word (matched as a prefix) or one quoted phrase (matched exactly)."""

    words: tuple[str, ...]
    phrase: bool


def parse_query(q: str) -> list[Term]:
    """Split what a person typed into words and "quoted phrases".

    An unclosed quote runs to the end. Anything that is not a letter or a
    digit separates words, which is how both tokenizers read the indexed text.
    """
    terms: list[Term] = []
    for index, part in enumerate(fold(q or "").split('"')):
        words = tuple(_WORD.findall(part))
        if not words:
            continue
        if index % 2 == 1:
            terms.append(Term(words, phrase=True))
        else:
            terms.extend(Term((word,), phrase=False) for word in words)
    return terms[:_MAX_TERMS]


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression; every word is double-quoted, so it is never an operator."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(term.words) + '"'
        parts.append(quoted if term.phrase else quoted + "*")
    return " AND ".join(parts)


def tsquery(terms: Sequence[Term]) -> str:
    """A to_tsquery() expression; words are single-quoted lexemes of letters and digits."""
    parts = []
    for term in terms:
        if term.phrase:
            parts.append("(" + " <-> ".join(f"'{w}'" for w in term.words) + ")")
        else:
            parts.append(f"'{term.words[0]}':*")
    return " & ".join(parts)


def matching_ids(session: Session, terms: Sequence[Term]) -> Select[Any]:
    if _dialect(session) == "postgresql":
        return select(pg_search_table.c.asset_id).where(
            pg_search_table.c.document.bool_op("@@")(func.to_tsquery("simple", tsquery(terms)))
        )
    return (
        select(literal_column("rowid"))
        .select_from(text("asset_search"))
        .where(literal_column("asset_search").op("MATCH")(fts5_query(terms)))
    )


# --- Keeping the index current -----------------------------------------------------


def reindex_assets(session: Session, asset_ids: Iterable[int]) -> int:
    """Rewrite the index rows of these photos from their fields and usages.

    Call it in the transaction that changed them. Ids of deleted photos just
    lose their rows. Returns the number of photos indexed.

    Only columns present since the first schema are read (no ORM entities), so
    migration 0002 can use this to fill the index of an existing library.
    """
    ids = sorted(set(asset_ids))
    done = 0
    for start in range(0, len(ids), _CHUNK):
        done += _index_chunk(session, ids[start : start + _CHUNK])
    return done


def rebuild_index(session: Session) -> int:
    """Throw the whole index away and build it again from the catalog."""
    if _dialect(session) == "postgresql":
        session.execute(delete(pg_search_table))
    else:
        session.execute(text("DELETE FROM asset_search"))
    session.execute(delete(stats_table))
    done = 0
    last = 0
    while True:
        ids = list(
            session.scalars(
                select(Asset.id).where(Asset.id > last).order_by(Asset.id).limit(_CHUNK)
            )
        )
        if not ids:
            return done
        done += _index_chunk(session, ids, fresh=True)
        last = ids[-1]


def unindexed_ids(session: Session) -> list[int]:
    """Photos with no index row yet (cataloged by code that did not reindex)."""
    return list(
        session.scalars(
            select(Asset.id).where(~Asset.id.in_(select(stats_table.c.asset_id))).order_by(Asset.id)
        )
    )


def _index_chunk(session: Session, ids: list[int], fresh: bool = False) -> int:
    postgres = _dialect(session) == "postgresql"
    if not fresh:
        if postgres:
            session.execute(delete(pg_search_table).where(pg_search_table.c.asset_id.in_(ids)))
        else:
            session.execute(
                text("DELETE FROM asset_search WHERE rowid IN (SELECT value FROM json_each(:ids))"),
                {"ids": _json_ids(ids)},
            )
        session.execute(delete(stats_table).where(stats_table.c.asset_id.in_(ids)))
    columns = [Asset.id, *(getattr(Asset, f) for f in SEARCH_FIELDS if f != "published")]
    rows = session.execute(select(*columns).where(Asset.id.in_(ids))).all()
    if not rows:
        return 0
    published: dict[int, list[str]] = {}
    articles: dict[int, set[int]] = {}
    usage_rows = session.execute(
        select(Usage.asset_id, Usage.article_id, Usage.caption, Usage.alt).where(
            Usage.asset_id.in_(ids)
        )
    )
    for asset_id, article_id, caption, alt in usage_rows:
        if asset_id is None:
            continue
        articles.setdefault(asset_id, set()).add(article_id)
        texts = published.setdefault(asset_id, [])
        for value in (caption, alt):
            if value and value not in texts:
                texts.append(value)
    documents = []
    for row in rows:
        values = dict(zip(("id", *SEARCH_FIELDS[:-1]), row, strict=True))
        keywords = values["keywords"]
        values["keywords"] = " ; ".join(keywords) if isinstance(keywords, list) else keywords
        values["published"] = "\n".join(published.get(row[0], []))
        documents.append(
            {key: fold(str(value)) if key != "id" else value for key, value in _filled(values)}
        )
    if postgres:
        vector = " || ".join(f"to_tsvector('simple', :{f})" for f in SEARCH_FIELDS)
        statement = f"INSERT INTO asset_search (asset_id, document) VALUES (:id, {vector})"
    else:
        names = ", ".join(SEARCH_FIELDS)
        marks = ", ".join(f":{f}" for f in SEARCH_FIELDS)
        statement = f"INSERT INTO asset_search (rowid, {names}) VALUES (:id, {marks})"
    session.execute(text(statement), documents)
    session.execute(
        insert(stats_table),
        [{"asset_id": row[0], "article_count": len(articles.get(row[0], ()))} for row in rows],
    )
    return len(rows)


def _filled(values: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    for key, value in values.items():
        yield key, "" if value is None else value


def _json_ids(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- Read helpers for the gallery: usages, same-pixel groups, recent changes ----------
