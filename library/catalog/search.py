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
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, aliased, defer

from library.catalog.queries import AssetFilter
from library.db.models import Article, Asset, Change, DuplicateDecision, Usage
from library.errors import InvalidValueError

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


@dataclass
class SearchFilter(AssetFilter):
    """The gallery's filters: the catalog ones plus usage and duplicate questions."""

    #: Only photos published in at least this many articles.
    used_min: int | None = None
    #: Only photos that share their pixels with another photo or head a duplicate group.
    has_duplicates: bool = False

    def apply(self, query: Select[Any]) -> Select[Any]:
        query = super().apply(query)
        if self.used_min is not None and self.used_min > 0:
            query = query.where(
                Asset.id.in_(
                    select(stats_table.c.asset_id).where(
                        stats_table.c.article_count >= self.used_min
                    )
                )
            )
        if self.has_duplicates:
            query = query.where(_has_duplicates())
        return query


def _has_duplicates() -> Any:
    # Known debt: "duplicate" means same pixels (content_digest) or a recorded
    # master decision until the near-duplicate finder provides groups.
    other = aliased(Asset)
    same_pixels = exists(
        select(other.id).where(other.content_digest == Asset.content_digest, other.id != Asset.id)
    )
    # An uncorrelated IN list is built once per query, where a correlated OR
    # over asset_id and other_id would scan the decisions for every photo.
    masters = select(DuplicateDecision.asset_id).where(DuplicateDecision.kind == "master")
    members = select(DuplicateDecision.other_id).where(
        DuplicateDecision.kind == "master", DuplicateDecision.other_id.is_not(None)
    )
    return or_(same_pixels, Asset.id.in_(masters.union(members)))


@dataclass
class SearchPage:
    """One page of results and the cursor for the next one (None on the last page)."""

    assets: list[Asset]
    next: str | None
    #: asset id → number of distinct articles it was published in.
    usage_counts: dict[int, int]


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


def search_assets(
    session: Session,
    q: str = "",
    filters: AssetFilter | None = None,
    sort: str = "newest",
    limit: int = 60,
    after: str | None = None,
) -> SearchPage:
    """Photos matching every word of ``q`` and the filters, one keyset page at a time.

    ``after`` is the ``next`` cursor of the previous page: the last id for
    "newest", "count.id" for "most_used". Keyset pages cost the same on page
    one and page one thousand, unlike OFFSET.
    """
    if sort not in SORTS:
        raise InvalidValueError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if limit < 1:
        raise InvalidValueError("limit: must be at least 1")
    query = select(Asset).options(defer(Asset.embedded), defer(Asset.field_sources))
    terms = parse_query(q)
    if terms:
        query = query.where(Asset.id.in_(_matching_ids(session, terms)))
    if filters is not None:
        query = filters.apply(query)
    count = stats_table.c.article_count
    if sort == "newest":
        if after:
            query = query.where(Asset.id < _parse_cursor(after, 1)[0])
        query = query.order_by(Asset.id.desc())
    else:
        query = query.join(stats_table, stats_table.c.asset_id == Asset.id)
        if after:
            last_count, last_id = _parse_cursor(after, 2)
            query = query.where(tuple_(count, stats_table.c.asset_id) < tuple_(last_count, last_id))
        query = query.order_by(count.desc(), stats_table.c.asset_id.desc())
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    counts = usage_counts(session, [a.id for a in rows])
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = str(last.id) if sort == "newest" else f"{counts.get(last.id, 0)}.{last.id}"
    return SearchPage(rows, cursor, counts)


def _matching_ids(session: Session, terms: Sequence[Term]) -> Select[Any]:
    if _dialect(session) == "postgresql":
        return select(pg_search_table.c.asset_id).where(
            pg_search_table.c.document.bool_op("@@")(func.to_tsquery("simple", tsquery(terms)))
        )
    return (
        select(literal_column("rowid"))
        .select_from(text("asset_search"))
        .where(literal_column("asset_search").op("MATCH")(fts5_query(terms)))
    )


def _parse_cursor(after: str, parts: int) -> list[int]:
    try:
        values = [int(p) for p in after.split(".")]
    except ValueError:
        values = []
    if len(values) != parts or any(v < 0 for v in values):
        raise InvalidValueError(f"after: not a page cursor: {after!r}")
    return values


def usage_counts(session: Session, asset_ids: Sequence[int]) -> dict[int, int]:
    """Distinct articles each photo appeared in, as last indexed."""
    if not asset_ids:
        return {}
    rows = session.execute(
        select(stats_table.c.asset_id, stats_table.c.article_count).where(
            stats_table.c.asset_id.in_(list(asset_ids))
        )
    )
    return {asset_id: count for asset_id, count in rows}


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
# They sit here because the gallery and the API need them beside search; the
# duplicate grouping is a stand-in until the near-duplicate finder lands.


def asset_usages(session: Session, asset_id: int) -> list[tuple[Usage, Article]]:
    """Where a photo was published, newest article first."""
    rows = session.execute(
        select(Usage, Article)
        .join(Article, Article.id == Usage.article_id)
        .where(Usage.asset_id == asset_id)
        .order_by(Article.published.desc(), Article.id.desc(), Usage.position)
    )
    return [(usage, article) for usage, article in rows]


def assets_by_ids(session: Session, asset_ids: Sequence[int]) -> list[Asset]:
    """The given photos, newest first (missing ids are left out)."""
    return list(
        session.scalars(
            select(Asset)
            .options(defer(Asset.embedded))
            .where(Asset.id.in_(list(asset_ids)))
            .order_by(Asset.id.desc())
        )
    )


def same_pixels(session: Session, asset: Asset) -> list[Asset]:
    """Other photos with exactly the same pixels (another file of the same picture)."""
    return list(
        session.scalars(
            select(Asset)
            .options(defer(Asset.embedded))
            .where(Asset.content_digest == asset.content_digest, Asset.id != asset.id)
            .order_by(Asset.id)
        )
    )


def digest_groups(
    session: Session, limit: int = 200, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Groups of photos sharing a content digest, with a master, one page at a time.

    The master is the photo someone chose (a "master" decision), else the
    oldest. Returns the groups and the cursor for the next page.
    """
    query = (
        select(Asset.content_digest)
        .group_by(Asset.content_digest)
        .having(func.count(Asset.id) > 1)
        .order_by(Asset.content_digest)
        .limit(limit + 1)
    )
    if after:
        query = query.where(Asset.content_digest > after)
    digests = list(session.scalars(query))
    more = len(digests) > limit
    digests = digests[:limit]
    if not digests:
        return [], None
    members: dict[str, list[int]] = {}
    for digest, asset_id in session.execute(
        select(Asset.content_digest, Asset.id)
        .where(Asset.content_digest.in_(digests))
        .order_by(Asset.id)
    ):
        members.setdefault(digest, []).append(asset_id)
    all_ids = [i for ids in members.values() for i in ids]
    chosen = set(
        session.scalars(
            select(DuplicateDecision.asset_id).where(
                DuplicateDecision.kind == "master", DuplicateDecision.asset_id.in_(all_ids)
            )
        )
    )
    groups = []
    for digest in digests:
        ids = members.get(digest, [])
        master = next((i for i in ids if i in chosen), ids[0])
        groups.append({"id": digest, "master": master, "members": ids})
    return groups, digests[-1] if more else None


def recent_changes(session: Session, limit: int = 50) -> list[Change]:
    """The newest edits across the library, for the audit report."""
    return list(session.scalars(select(Change).order_by(Change.id.desc()).limit(limit)))


def list_articles(
    session: Session, limit: int = 50, after: int | None = None
) -> tuple[list[tuple[Article, int]], int | None]:
    """Articles, newest imported first, each with its number of images."""
    images = (
        select(func.count(Usage.id))
        .where(Usage.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    query = select(Article, images).order_by(Article.id.desc()).limit(limit + 1)
    if after is not None:
        query = query.where(Article.id < after)
    rows = [(article, count) for article, count in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1][0].id if more and rows else None
