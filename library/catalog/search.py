"""Full-text search over photos' words and the captions they were published with.

The index lives beside the catalog in tables the ORM does not map (created by
migration 0002): on SQLite an FTS5 table ``asset_search`` whose rowid is the
asset id, on PostgreSQL ``asset_search(asset_id, document tsvector)`` with a
GIN index. ``asset_search_stats`` holds each photo's article count with an
index on (count, id), so "most used" pages are read in index order instead of
counting usages for every request.

Text is folded (accents removed, case-folded) in Python before it reaches
either database, so both back-ends find "Cremieux" for "Crémieux". Words are
stemmed by the index (migration 0009: FTS5's porter tokenizer, PostgreSQL's
English Snowball stemmer), so "cats" finds "cat" and "rallies" finds "rally".
User input is never handed to the query parser as written: `parse_query`
reads words, phrases, ``-exclusions``, ``OR`` and ``field:value`` into a
`Query`, rebuilding every word from letters and digits only, so no input can
produce a syntax error; what it cannot use it lists instead of raising.

The index is only as fresh as its last ``reindex_assets`` call: whoever
changes a photo's words or usages calls it in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from library.catalog.groupusages import group_article_counts, group_mates
from library.db.engine import chunked
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

#: The PostgreSQL text search configuration (migration 0009): the English
#: Snowball stemmer without a stop-word list, so "the who" is still searchable,
#: as it is with FTS5's porter tokenizer on SQLite.
TS_CONFIG = "photodesk"

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
    # Keywords again, alone (migration 0009), for ``keyword:``; FTS5 has a column.
    Column("keywords", TSVECTOR, nullable=False),
)
#: Every lexeme of ``asset_search`` (migration 0018), for looking prefixes up.
lexemes_table = Table("search_lexemes", _metadata, Column("lexeme", Text, primary_key=True))

#: A prefix standing for more lexemes than this is left to GIN's own prefix match.
PREFIX_LEXEMES = 64

#: Photos per id slice of the PostgreSQL index, as a shift: slice ``n`` holds the ids
#: from ``n << SLICE_BITS`` up to the next slice's first. Each slice has its own GIN
#: index of the words (``ix_asset_search_slice_<n>``, `add_slice_indexes`).
SLICE_BITS = 20


def id_slice(asset_id: int) -> int:
    """The index slice holding this photo id."""
    return asset_id >> SLICE_BITS


def slice_bounds(number: int) -> tuple[int, int]:
    """The ids [low, high) of one slice."""
    return number << SLICE_BITS, (number + 1) << SLICE_BITS


def add_slice_indexes(connection: Any, ahead: int = 1) -> list[str]:
    """Create the words' index of every id slice up to the newest photo's and ``ahead``
    more, where missing (PostgreSQL); returns the names created.

    A partial GIN index per slice holds the postings of that slice's photos alone, so
    a listing that asks the newest slice first reads its words' postings there, and
    not the whole catalog's (`queries._BySlice`). The rows of one slice lie anywhere
    in the table (reindexing moves them), which is why the split is by index and not
    by the table's order. A slice without its index is still answered, by the
    catalog-wide index, only slower. Each build reads the whole table once.
    """
    newest = connection.execute(text("SELECT max(id) FROM assets")).scalar() or 0
    have = set(
        connection.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'asset_search'")
        ).scalars()
    )
    made = []
    for number in range(id_slice(newest) + ahead + 1):
        name = f"ix_asset_search_slice_{number}"
        if name in have:
            continue
        low, high = slice_bounds(number)
        connection.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {name} ON asset_search USING gin (document) "
                f"WHERE asset_id >= {low} AND asset_id < {high}"
            )
        )
        made.append(name)
    return made


# --- Queries --------------------------------------------------------------------------


def fold(value: str) -> str:
    """Text as the index stores it: accents removed and case-folded."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


#: ``field:value`` names matched inside the index, by the column (FTS5) or the
#: weight (PostgreSQL) that holds that field.
INDEX_FIELDS = {"caption": "A", "credit": "B", "creator": "C"}
#: ``field:value`` names that become catalog conditions (see `queries`).
FILTER_FIELDS = ("keyword", "camera", "article", "used", "taken", "archive")
FIELDS = (*INDEX_FIELDS, *FILTER_FIELDS)

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]*))'
)
_USED = re.compile(r"(>=|<=|>|<|=)?(\d{1,6})")
_TAKEN = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True)
class Term:
    """Words matched as a prefix (one word) or in order (a phrase), optionally in one field."""

    words: tuple[str, ...]
    phrase: bool
    #: "caption", "credit" or "creator" for ``credit:nasa``; None searches every field.
    field: str | None = None

    def describe(self) -> str:
        text = " ".join(self.words)
        text = f"“{text}”" if self.phrase else text
        return f"{self.field}:{text}" if self.field else text


@dataclass(frozen=True)
class FieldFilter:
    """A ``field:value`` that is a catalog condition rather than words in the index.

    ``value`` is already checked: for ``used`` an operator and a number
    (">2"), for ``taken`` a year, year-month or date, for ``archive`` "yes"
    or "no".
    """

    name: str
    value: str
    negated: bool = False

    def describe(self) -> str:
        return ("not " if self.negated else "") + f"{self.name}:{self.value}"


@dataclass
class Query:
    """What was understood of a search box, and what was not.

    Every group must match; the terms of a group are alternatives (``OR``).
    A photo matching any excluded term is left out.
    """

    groups: list[tuple[Term, ...]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    filters: list[FieldFilter] = field(default_factory=list)
    #: One short note per piece of the query that was dropped, for the person.
    ignored: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups or self.excluded or self.filters)

    @property
    def terms(self) -> list[Term]:
        """Every term a matching photo contains (what highlighting marks)."""
        return [term for group in self.groups for term in group]

    def describe(self) -> str:
        """The query as understood, in words: ``cats or dogs, not rocket, credit:nasa``."""
        parts = [" or ".join(t.describe() for t in group) for group in self.groups]
        parts += [f"not {t.describe()}" for t in self.excluded]
        parts += [f.describe() for f in self.filters]
        return ", ".join(parts)


def parse_query(q: str) -> Query:
    """Read what a person typed; never fails, whatever the input.

    Understood: words (prefixes), "quoted phrases" (an unclosed quote runs to
    the end), ``-word`` and ``-"phrase"`` to exclude, ``OR`` between two words
    or phrases, and ``field:value`` for the names in `FIELDS`. Anything that
    is not a letter or a digit separates words, as both tokenizers read the
    indexed text, so no input reaches the index's own query syntax. What
    cannot be used is listed in ``ignored`` instead of raising.
    """
    query = Query()
    joining = False
    count = cut = 0
    for match in _TOKEN.finditer((q or "").replace("\x00", " ")):
        if not match.group(0):
            continue  # the empty match between two spaces
        negated = bool(match["neg"])
        name = (match["field"] or "").lower()
        is_phrase = match["phrase"] is not None
        raw = match["phrase"] if is_phrase else match["word"]
        if name and name not in FIELDS:
            # "10:30" or "http://x" are words, not fields.
            raw = f"{match['field']}:{raw}"
            name = ""
        if not negated and not name and not is_phrase and raw == "OR":
            if not query.groups or joining:
                query.ignored.append("OR needs a word on each side")
                joining = joining and bool(query.groups)
                continue
            joining = True
            continue
        if count >= _MAX_TERMS:
            cut += 1
            joining = False
            continue
        if name in FILTER_FIELDS:
            problem = _add_filter(query, name, raw.strip(), negated)
            if problem:
                query.ignored.append(problem)
            elif joining:
                query.ignored.append(f"OR before {match.group(0)} (OR joins words only)")
            joining = False
            count += 1
            continue
        words = tuple(_WORD.findall(fold(raw)))
        if not words:
            if name and not raw.strip():
                query.ignored.append(f"{name}: (no value)")
            elif match.group(0).strip('"'):
                query.ignored.append(f"{match.group(0)} (no letters or digits)")
            joining = False
            continue
        column = name or None
        if is_phrase or negated or column:
            # "credit:jane/reuters" and "-well-known" are one thing, in order.
            terms = [Term(words, phrase=is_phrase or len(words) > 1, field=column)]
        else:
            terms = [Term((word,), phrase=False) for word in words]
        count += len(terms)
        if negated:
            query.excluded.extend(terms)
        elif joining and query.groups:
            query.groups[-1] = (*query.groups[-1], terms[0])
            query.groups.extend((term,) for term in terms[1:])
        else:
            query.groups.extend((term,) for term in terms)
        joining = False
    if joining:
        query.ignored.append("OR at the end")
    if cut:
        query.ignored.append(
            f"{cut} more term{'s' if cut > 1 else ''} (only {_MAX_TERMS} are used)"
        )
    return query


def _add_filter(query: Query, name: str, value: str, negated: bool) -> str | None:
    """Add ``name:value`` to the query, or say why it cannot be used."""
    if not value:
        return f"{name}: (no value)"
    if name == "used":
        found = _USED.fullmatch(value)
        if not found:
            return f"{name}:{value} (expected a number, e.g. used:>2)"
        value = (found[1] or "") + str(int(found[2]))
    elif name == "taken":
        found = _TAKEN.fullmatch(value)
        if not found or taken_range(value) is None:
            return f"{name}:{value} (expected a year, year-month or date, e.g. taken:2019-05)"
    elif name == "archive":
        value = value.lower()
        if value not in ("yes", "no"):
            return f"{name}:{value} (expected yes or no)"
    query.filters.append(FieldFilter(name, value, negated))
    return None


def taken_range(value: str) -> tuple[str, str] | None:
    """``taken:2019`` as the capture-time strings it covers: [start, end).

    Capture times are stored as ISO text, so a year, month or day is a range
    of strings and the ``taken_at`` index answers it. None for an impossible date.
    """
    found = _TAKEN.fullmatch(value)
    if not found:
        return None
    year, month, day = (int(part) if part else None for part in found.groups())
    assert year is not None
    try:
        if month is None:
            return f"{year:04d}", f"{year + 1:04d}"
        start = date(year, month, day or 1)
        if day is None:
            end = date(year + month // 12, month % 12 + 1, 1)
            return start.isoformat()[:7], end.isoformat()[:7]
        return start.isoformat(), (start + timedelta(days=1)).isoformat()
    except ValueError:
        return None


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words) + '"'
    expression = quoted if term.phrase else quoted + "*"
    return f"{term.field} : {expression}" if term.field else expression


def fts5_query(groups: Sequence[tuple[Term, ...]]) -> str:
    """An FTS5 MATCH expression; every word is double-quoted, so it is never an operator."""
    parts = []
    for group in groups:
        alternatives = [_fts5_term(term) for term in group]
        parts.append(alternatives[0] if len(group) == 1 else f"({' OR '.join(alternatives)})")
    return " AND ".join(parts)


def _ts_term(term: Term) -> str:
    weight = INDEX_FIELDS[term.field] if term.field else ""
    if term.phrase:
        return (
            "(" + " <-> ".join(f"'{w}'{':' + weight if weight else ''}" for w in term.words) + ")"
        )
    return f"'{term.words[0]}':*{weight}"


def tsquery(groups: Sequence[tuple[Term, ...]]) -> str:
    """A to_tsquery() expression; words are single-quoted lexemes of letters and digits."""
    parts = []
    for group in groups:
        alternatives = [_ts_term(term) for term in group]
        parts.append(alternatives[0] if len(group) == 1 else f"({' | '.join(alternatives)})")
    return " & ".join(parts)


def matching_ids(
    session: Session,
    groups: Sequence[tuple[Term, ...]],
    excluded: Sequence[tuple[Term, ...]] = (),
    in_slice: Any = None,
) -> Select[Any]:
    """Ids of the photos whose index row matches every group and none of ``excluded``.

    Exclusions ride in the same index query (FTS5's ``NOT``, tsquery's ``!``):
    a separate NOT IN list made each page of ``fire -credit:afp`` read both
    lists from the index and join them in SQL, 20 ms for a count at 100,000
    photos against 15 ms this way. ``groups`` must not be empty: an index
    query cannot start from "everything but".

    ``in_slice`` (PostgreSQL): only the photos of this id slice (`id_slice`), whose
    own index (`add_slice_indexes`) holds the postings of its photos alone.
    """
    if _dialect(session) == "postgresql":
        query = select(pg_search_table.c.asset_id).where(_pg_matches(session, groups, excluded))
        if in_slice is not None:
            query = query.where(*in_ids(pg_search_table.c.asset_id, in_slice))
        return query
    return (
        select(literal_column("rowid"))
        .select_from(text("asset_search"))
        .where(literal_column("asset_search").op("MATCH")(_fts5_matches(groups, excluded)))
    )


def in_ids(key: Any, number: int) -> list[Any]:
    """``key`` within slice ``number``, its bounds written into the SQL: the planner uses a
    partial index only where it can prove the index's condition, which a bound
    parameter would not let it do once psycopg prepares the statement."""
    low, high = slice_bounds(number)
    return [key >= literal_column(str(low), Integer), key < literal_column(str(high), Integer)]


def estimated_share(
    session: Session, groups: Sequence[tuple[Term, ...]], excluded: Sequence[tuple[Term, ...]]
) -> float:
    """The share of the indexed photos that PostgreSQL's planner expects these terms to
    match (0 to 1), from its statistics of the lexemes: a plan, not a count."""
    statement = matching_ids(session, groups, excluded).compile(session.get_bind())
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", statement.params)
        .scalar_one()
    )
    rows = float(plan[0]["Plan"]["Plan Rows"])
    total = session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST('asset_search' AS regclass)")
    )
    return min(1.0, rows / total) if total and total > 0 else 0.0


def matches_row(
    session: Session,
    groups: Sequence[tuple[Term, ...]],
    excluded: Sequence[tuple[Term, ...]],
    key: Any,
) -> Any:
    """A condition true for the photo ``key`` when its own index row matches (PostgreSQL).

    A scalar subquery of the photo's row by primary key: the planner cannot
    answer it from the GIN index, so a listing walks its photos in order and
    asks each one, which is quicker than the index when most photos match.
    """
    hit = select(_pg_matches(session, groups, excluded)).where(pg_search_table.c.asset_id == key)
    return hit.scalar_subquery().is_(True)


def matching_among(
    session: Session,
    groups: Sequence[tuple[Term, ...]],
    excluded: Sequence[tuple[Term, ...]],
    ids: Iterable[int],
) -> set[int]:
    """Which of ``ids`` `matching_ids` would return, asked of their own index rows.

    For a page's handful of photos (stacking asks about a group's earlier
    members). On PostgreSQL the match is computed in the select list, so the
    plan can only be a primary-key look-up per photo: as a WHERE condition the
    planner may answer it from the GIN index, which reads every match of the
    words (a seq scan of 200,000 rows for ``fire`` at 1,000,000 photos).
    """
    wanted = sorted(set(ids))
    if not wanted or not groups:
        return set()
    found: set[int] = set()
    for chunk in chunked(wanted):
        if _dialect(session) == "postgresql":
            hit = _pg_matches(session, groups, excluded)
            rows = session.execute(
                select(pg_search_table.c.asset_id, hit).where(pg_search_table.c.asset_id.in_(chunk))
            )
            found.update(asset_id for asset_id, matched in rows if matched)
        else:
            found.update(
                session.scalars(
                    select(literal_column("rowid"))
                    .select_from(text("asset_search"))
                    .where(
                        literal_column("asset_search").op("MATCH")(_fts5_matches(groups, excluded)),
                        literal_column("rowid").in_(chunk),
                    )
                )
            )
    return found


def _pg_matches(
    session: Session, groups: Sequence[tuple[Term, ...]], excluded: Sequence[tuple[Term, ...]]
) -> Any:
    """``document @@ query``, its prefixes looked up as the lexemes they stand for.

    The same tsquery `tsquery` writes, built from the same ``to_tsquery`` calls,
    except that a prefix found in `lexemes_table` becomes the OR of its lexemes,
    cast to tsquery as they are stored (not normalized again: they are already
    stems). GIN matches those exactly, skipping through the postings of the
    rarest word, where a prefix made it read every posting of every lexeme that
    starts with it (`matching_ids`).
    """
    terms = [term for group in (*groups, *excluded) for term in group]
    expanded = prefix_lexemes(session, [t.words[0] for t in terms if not t.phrase])

    def term_query(term: Term) -> Any:
        lexemes = None if term.phrase else expanded.get(term.words[0])
        if not lexemes:
            return func.to_tsquery(TS_CONFIG, _ts_term(term))
        weight = ":" + INDEX_FIELDS[term.field] if term.field else ""
        return cast(" | ".join(f"'{lexeme}'{weight}" for lexeme in lexemes), TSQUERY)

    def any_of(group: Sequence[Term]) -> Any:
        query = term_query(group[0])
        for term in group[1:]:
            query = func.tsquery_or(query, term_query(term))
        return query

    query = any_of(groups[0])
    for group in groups[1:]:
        query = func.tsquery_and(query, any_of(group))
    if excluded:
        query = func.tsquery_and(query, func.tsquery_not(any_of([t for g in excluded for t in g])))
    return pg_search_table.c.document.bool_op("@@")(query)


def prefix_lexemes(session: Session, words: Sequence[str]) -> dict[str, list[str]]:
    """Query word → the lexemes in the index that its stem begins, for each word that has
    at most `PREFIX_LEXEMES` of them (PostgreSQL).

    The word is stemmed as ``to_tsquery`` stems a prefix (``protesters`` → ``protest``),
    then looked up as a range of `lexemes_table`'s key. A word missing from the
    answer keeps GIN's own prefix match. Looked up once per transaction and word (a
    listing asks several times); indexing (`reindex_assets`) forgets what was looked
    up, as it may add lexemes.
    """
    known, broad = _lexemes_seen(session)
    wanted = sorted({w for w in words if w not in known})
    if wanted:
        stems = session.execute(
            text(
                "SELECT w, substring(to_tsquery(CAST(:config AS regconfig), "
                "quote_literal(w) || ':*')::text FROM '^''([^'']+)'':\\*$') "
                "FROM unnest(CAST(:words AS text[])) AS w"
            ),
            {"config": TS_CONFIG, "words": wanted},
        ).all()
        stem_of = {w: stem for w, stem in stems}
        rows = session.execute(
            text(
                "SELECT p.stem, l.lexeme FROM unnest(CAST(:stems AS text[])) AS p(stem) "
                "CROSS JOIN LATERAL (SELECT lexeme FROM search_lexemes "
                "WHERE lexeme >= p.stem AND lexeme < p.stem || chr(1114111) "
                "AND starts_with(lexeme, p.stem) ORDER BY lexeme LIMIT :most) AS l"
            ),
            {"stems": sorted({s for s in stem_of.values() if s}), "most": PREFIX_LEXEMES + 1},
        ).all()
        by_stem: dict[str, list[str]] = {}
        for stem, lexeme in rows:
            by_stem.setdefault(stem, []).append(lexeme)
        for w in wanted:
            lexemes = by_stem.get(stem_of.get(w) or "", [])
            # Only letters and digits go into the cast tsquery text (no quoting needed);
            # an empty list (no such word, or too many) keeps the prefix match.
            usable = len(lexemes) <= PREFIX_LEXEMES and all(map(_WORD.fullmatch, lexemes))
            known[w] = lexemes if usable else []
            if lexemes and not usable:
                broad.add(w)
    return {w: known[w] for w in words if known.get(w)}


def broad_prefixes(
    session: Session, groups: Sequence[tuple[Term, ...]], excluded: Sequence[tuple[Term, ...]]
) -> bool:
    """Whether a prefix of these terms stays GIN's own prefix match (PostgreSQL): one
    that begins more than `PREFIX_LEXEMES` lexemes.

    GIN reads every posting of every such lexeme before it can step anywhere, so
    asking it slice by slice (``in_slice``) would read them all once per slice.
    """
    words = [t.words[0] for g in (*groups, *excluded) for t in g if not t.phrase]
    prefix_lexemes(session, words)
    return any(w in _lexemes_seen(session)[1] for w in words)


def _lexemes_seen(session: Session) -> tuple[dict[str, list[str]], set[str]]:
    """This transaction's prefixes looked up: word → lexemes, and the words with too many."""
    session.connection()  # begins the transaction now, so it can be told from the last
    transaction = session.get_transaction()
    seen = session.info.get(_LEXEMES_SEEN)
    if seen is None or seen[0] is not transaction:
        seen = session.info[_LEXEMES_SEEN] = (transaction, {}, set())
    return seen[1], seen[2]


_LEXEMES_SEEN = "photodesk.search.prefix_lexemes"


def _fts5_matches(groups: Sequence[tuple[Term, ...]], excluded: Sequence[tuple[Term, ...]]) -> str:
    expression = fts5_query(groups)
    if excluded:
        alternatives = " OR ".join(f"({fts5_query([group])})" for group in excluded)
        expression = f"({expression}) NOT ({alternatives})"
    return expression


def excluding(session: Session, key: Any, groups: Sequence[tuple[Term, ...]]) -> Any:
    """A condition true for photos (``key`` is their id) whose index row matches no group.

    PostgreSQL gets NOT EXISTS, which it runs as an anti-join; its NOT IN over
    a subquery is checked row by row. SQLite builds the NOT IN list once.
    """
    if _dialect(session) == "postgresql":
        return ~exists(
            select(pg_search_table.c.asset_id).where(
                pg_search_table.c.asset_id == key,
                _pg_matches(session, [tuple(t for g in groups for t in g)], []),
            )
        )
    alternatives = " OR ".join(f"({fts5_query([group])})" for group in groups)
    return key.not_in(
        select(literal_column("rowid"))
        .select_from(text("asset_search"))
        .where(literal_column("asset_search").op("MATCH")(alternatives))
    )


def keyword_ids(session: Session, value: str) -> Select[Any] | None:
    """Ids of the photos with a keyword containing the words of ``value`` (as prefixes, stemmed).

    None when ``value`` has no letters or digits.
    """
    words = tuple(_WORD.findall(fold(value)))
    if not words:
        return None
    term = Term(words, phrase=len(words) > 1)
    if _dialect(session) == "postgresql":
        lexemes = _ts_term(term)
        return select(pg_search_table.c.asset_id).where(
            pg_search_table.c.keywords.bool_op("@@")(func.to_tsquery(TS_CONFIG, lexemes))
        )
    return (
        select(literal_column("rowid"))
        .select_from(text("asset_search"))
        .where(literal_column("asset_search").op("MATCH")("keywords : " + _fts5_term(term)))
    )


# --- Highlighting ------------------------------------------------------------------------

#: Endings cut from a query word before comparing it with the words of a text.
#: A rough cousin of the index's stemmer, used only to choose what to mark.
_ENDINGS = ("ies", "ing", "es", "ed", "s", "y", "e")


def _stem_prefix(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3 and not word.endswith("ss"):
            return word[: -len(ending)]
    return word


def highlight(value: str, query: Query | str) -> list[tuple[str, bool]]:
    """``value`` cut into (text, matched) segments, for marking the words a search found.

    A word is marked when it begins with a searched word less its common
    English ending ("cats" marks "cat", "rallies" marks "rally"), accents and
    case ignored. The caller escapes each segment; this returns plain text.
    """
    if isinstance(query, str):
        query = parse_query(query)
    stems = {_stem_prefix(word) for term in query.terms for word in term.words}
    if not value or not stems:
        return [(value, False)] if value else []
    segments: list[tuple[str, bool]] = []
    last = 0
    for found in _WORD.finditer(value):
        folded = fold(found.group(0))
        if not any(folded.startswith(stem) for stem in stems):
            continue
        if found.start() > last:
            segments.append((value[last : found.start()], False))
        segments.append((found.group(0), True))
        last = found.end()
    if last < len(value):
        segments.append((value[last:], False))
    return segments


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
    if ids:
        _keep_slice_ahead(session, ids[-1])
    # A usage counts for the whole duplicate group: the copies' counts move too.
    mates = {m for found in group_mates(session, ids).values() for m in found}
    refresh_usage_counts(session, mates - set(ids))
    return done


def _keep_slice_ahead(session: Session, newest: int) -> None:
    """Index the next id slice once a photo lands in the last one that has an index.

    So a growing catalog never has a newest slice without its own index (which
    would send every search to the catalog-wide one): the slice after the newest
    photo's is made while it is still empty, once per 2^20 photos. The build reads
    the whole table (seconds at 10^7) and holds writes to the index until this
    transaction ends. Nothing happens on SQLite or before migration 0022.
    """
    if _dialect(session) != "postgresql":
        return
    ahead = f"ix_asset_search_slice_{id_slice(newest) + 1}"
    missing = session.execute(
        text(
            "SELECT to_regclass('ix_asset_search_slice_0') IS NOT NULL"
            " AND to_regclass(:ahead) IS NULL"
        ),
        {"ahead": ahead},
    ).scalar()
    if missing:
        add_slice_indexes(session.connection())


def refresh_usage_counts(session: Session, asset_ids: Iterable[int] | None = None) -> None:
    """Recount the articles of these photos (all when None) after groups or usages changed.

    The count is per duplicate group (`groupusages`), so ``used:>2`` and
    "most used" see a copy of a photo that ran twice as used twice.
    """
    if asset_ids is None:
        asset_ids = session.scalars(select(stats_table.c.asset_id)).all()
    for chunk in chunked(sorted(set(asset_ids))):
        by_count: dict[int, list[int]] = {}
        for asset_id, count in group_article_counts(session, chunk).items():
            by_count.setdefault(count, []).append(asset_id)
        for count, ids in by_count.items():
            session.execute(
                update(stats_table)
                .where(stats_table.c.asset_id.in_(ids), stats_table.c.article_count != count)
                .values(article_count=count)
            )


def rebuild_index(session: Session) -> int:
    """Throw the whole index away and build it again from the catalog.

    On PostgreSQL this also indexes the id slices the catalog has grown into since
    migration 0022 indexed its slices (`add_slice_indexes`).
    """
    if _dialect(session) == "postgresql":
        session.execute(delete(pg_search_table))
        if _keeps_lexemes(session):
            session.execute(delete(lexemes_table))
        found = session.scalar(text("SELECT to_regclass('ix_asset_search_slice_0') IS NOT NULL"))
        if found:  # not before migration 0022, which 0009 rebuilds before
            add_slice_indexes(session.connection())
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


def fill_lexemes(session: Session) -> None:
    """Add every lexeme of the PostgreSQL index to `lexemes_table` (migration 0018 does the
    same), for a catalog whose ``asset_search`` rows were written without `reindex_assets`."""
    session.execute(
        text(
            "INSERT INTO search_lexemes (lexeme) "
            "SELECT DISTINCT unnest(tsvector_to_array(document)) FROM asset_search "
            "ON CONFLICT DO NOTHING"
        )
    )
    session.info.pop(_LEXEMES_SEEN, None)


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
    usage_rows = session.execute(
        select(Usage.asset_id, Usage.caption, Usage.alt).where(Usage.asset_id.in_(ids))
    )
    for asset_id, caption, alt in usage_rows:
        if asset_id is None:
            continue
        texts = published.setdefault(asset_id, [])
        for value in (caption, alt):
            if value and value not in texts:
                texts.append(value)
    counts = group_article_counts(session, [row[0] for row in rows])
    documents = []
    for row in rows:
        values = dict(zip(("id", *SEARCH_FIELDS[:-1]), row, strict=True))
        keywords = values["keywords"]
        values["keywords"] = " ; ".join(keywords) if isinstance(keywords, list) else keywords
        values["published"] = "\n".join(published.get(row[0], []))
        # PostgreSQL's parser reads "Karimi/Reuters" as one file-path token and
        # "well-known" as three; given only the words, it splits text as FTS5
        # and parse_query do, so "reuters" is found in either index.
        prepare = _words if postgres else fold
        documents.append(
            {key: prepare(str(value)) if key != "id" else value for key, value in _filled(values)}
        )
    if postgres:
        vector = " || ".join(_ts_vector(f) for f in SEARCH_FIELDS)
        keywords = f"to_tsvector('{TS_CONFIG}', :keywords)"
        statement = (
            "INSERT INTO asset_search (asset_id, document, keywords) "
            f"VALUES (:id, {vector}, {keywords})"
        )
    else:
        names = ", ".join(SEARCH_FIELDS)
        marks = ", ".join(f":{f}" for f in SEARCH_FIELDS)
        statement = f"INSERT INTO asset_search (rowid, {names}) VALUES (:id, {marks})"
    session.execute(text(statement), documents)
    if postgres and _keeps_lexemes(session):
        # New words join the lexeme list before anyone can search for them. In key
        # order, so two indexing transactions wait for each other rather than deadlock.
        session.execute(
            text(
                "INSERT INTO search_lexemes (lexeme) SELECT DISTINCT lexeme FROM asset_search, "
                "unnest(tsvector_to_array(document)) AS lexeme "
                "WHERE asset_id = ANY(CAST(:ids AS integer[])) ORDER BY lexeme "
                "ON CONFLICT DO NOTHING"
            ),
            {"ids": [row[0] for row in rows]},
        )
        session.info.pop(_LEXEMES_SEEN, None)
    session.execute(
        insert(stats_table),
        [{"asset_id": row[0], "article_count": counts.get(row[0], 0)} for row in rows],
    )
    return len(rows)


def _keeps_lexemes(session: Session) -> bool:
    """Whether `lexemes_table` exists: migration 0009 indexes with this code before 0018
    has made it (0018 then fills it from the index)."""
    if _KEEPS_LEXEMES not in session.info:
        found = session.scalar(text("SELECT to_regclass('search_lexemes') IS NOT NULL"))
        session.info[_KEEPS_LEXEMES] = bool(found)
    return bool(session.info[_KEEPS_LEXEMES])


_KEEPS_LEXEMES = "photodesk.search.keeps_lexemes"


def _words(value: str) -> str:
    return " ".join(_WORD.findall(fold(value)))


def _ts_vector(name: str) -> str:
    vector = f"to_tsvector('{TS_CONFIG}', :{name})"
    weight = INDEX_FIELDS.get(name)
    return f"setweight({vector}, '{weight}')" if weight else vector


def _filled(values: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    for key, value in values.items():
        yield key, "" if value is None else value


def _json_ids(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- Read helpers for the gallery: usages, same-pixel groups, recent changes ----------
