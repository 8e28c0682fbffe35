"""The catalog's read questions, answered once: which photos, which usages, which articles.

Every front end (CLI, gallery pages, JSON API, reports) asks here, so a listing
sorts and filters the same way wherever it is shown. Writing lives elsewhere
(`photos`, `edits`); the full-text index that `find_photos` consults lives in
`search`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    Integer,
    Select,
    any_,
    bindparam,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased, defer, selectinload

from assets.formats import format_by_name
from library.catalog import search, stacks
from library.catalog.groupusages import NOT_SHARED, group_article_counts, group_mates
from library.db.engine import chunked
from library.db.models import (
    Article,
    Asset,
    AssetKeyword,
    AssetPath,
    Change,
    DuplicateGroup,
    DuplicateMember,
    IngestFailure,
    Usage,
)
from library.errors import ArticleNotFoundError, InvalidValueError

Sort = Literal["newest", "most_used"]
SORTS: tuple[Sort, ...] = ("newest", "most_used")


# --- which photos ---------------------------------------------------------------------


@dataclass
class PhotoFilter:
    """Every filter a listing can apply: `photodesk ls`, the gallery grid and the API."""

    missing_credit: bool = False
    format: str | None = None
    camera: str | None = None
    status: str | None = None
    archive: bool | None = None
    tag: str | None = None
    taken_from: date | None = None
    taken_to: date | None = None
    #: Only photos published in at least this many articles.
    used_min: int | None = None
    #: Only photos that belong to a duplicate group.
    has_duplicates: bool = False
    #: One card per duplicate group (`library.catalog.stacks`): the gallery's default.
    stack: bool = False
    #: Only this duplicate group's photos ("g12"), master first; the search and
    #: the other filters are set aside, so a stack opens into all its members.
    group: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.missing_credit:
            query = query.where(no_credit())
        if self.format:
            known = format_by_name(self.format)
            query = query.where(Asset.format == (known.name if known else self.format.lower()))
        if self.camera:
            pattern = f"%{self.camera.lower()}%"
            query = query.where(
                or_(
                    func.lower(Asset.camera_model).like(pattern),
                    func.lower(Asset.camera_make).like(pattern),
                )
            )
        if self.status:
            query = query.where(Asset.status == self.status)
        if self.archive is not None:
            query = query.where(Asset.archive.is_(self.archive))
        if self.tag:
            query = query.where(
                Asset.id.in_(select(AssetKeyword.asset_id).where(AssetKeyword.keyword == self.tag))
            )
        low, high = self.taken_bounds()
        if low is not None:
            query = query.where(Asset.taken_at >= low)
        if high is not None:
            query = query.where(Asset.taken_at < high)
        if self.used_min is not None and self.used_min > 0:
            query = query.where(Asset.id.in_(_used(operator.ge, self.used_min)))
        if self.has_duplicates:
            # Stored groups (library/duplicates/membership.py): same pixels, near
            # duplicates and identical files alike, one primary-key look-up per photo.
            # A composite listed in a photo's group ("contains") is not a copy of it.
            query = query.where(
                Asset.id.in_(
                    select(DuplicateMember.asset_id).where(DuplicateMember.level.not_in(NOT_SHARED))
                )
            )
        return query

    def taken_bounds(self) -> tuple[str | None, str | None]:
        """The capture-time strings [low, high) the date range covers (None: open)."""
        low = self.taken_from.isoformat() if self.taken_from else None
        high = (self.taken_to + timedelta(days=1)).isoformat() if self.taken_to else None
        return low, high


@dataclass
class PhotoPage:
    """One page of photos and the cursor for the next one (None on the last page)."""

    assets: list[Asset]
    next: str | None
    #: asset id → number of distinct articles it was published in.
    usage_counts: dict[int, int]
    #: How many photos match in all, on every page; None unless asked for.
    #: Counted up to `TOTAL_CAP`: a larger listing says "more than" (``total_capped``).
    total: int | None = None
    #: Photo → the duplicate group it stands for (two or more photos).
    stacks: dict[int, stacks.Stack] = field(default_factory=dict)
    #: True when more than ``total`` photos match (the count stopped at `TOTAL_CAP`).
    total_capped: bool = False


#: Counting stops here. An exact total of a broad search costs as much as reading
#: every match: 0.1–1.5 s a page at a million photos (benchmarks/catalog_scale.py),
#: for a number nobody pages through; "more than 10,000" tells a writer to narrow it.
TOTAL_CAP = 10_000
#: How many of a search's word matches a listing reads into a set at most (`_Matches`).
#: On PostgreSQL no more than `TOTAL_CAP`: each match read there is a row fetched from
#: ``asset_search``'s table (GIN gives row addresses), 50,001 of them 0.2–0.5 s at a
#: million photos, where asking a page's few photos by key costs a millisecond.
WORDS_READ = 50_000


def find_photos(
    session: Session,
    q: str = "",
    filters: PhotoFilter | None = None,
    sort: str = "newest",
    limit: int = 60,
    after: str | None = None,
    with_total: bool = False,
) -> PhotoPage:
    """Photos matching every word of ``q`` and the filters, one keyset page at a time.

    ``after`` is the ``next`` cursor of the previous page: the last id for
    "newest", "count.id" for "most_used". Keyset pages cost the same on page
    one and page one thousand, unlike OFFSET. ``q`` is read by
    `search.parse_query` (words, phrases, ``-word``, ``OR``, ``field:value``);
    ``with_total`` also counts every match, for "1,204 photos".
    """
    if sort not in SORTS:
        raise InvalidValueError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if limit < 1:
        raise InvalidValueError("limit: must be at least 1")
    if filters is not None and filters.group:
        return _group_page(session, filters.group, limit, after)
    parsed = search.parse_query(q)

    dated = _ByMonth.of(session, parsed, filters)
    sliced = _BySlice.of(session, parsed) if dated is None else None
    matches = _Matches(session, parsed, filters, sliced)

    def narrowed(key: Any, in_slice: int | None = None, by_row: bool = False) -> Select[Any]:
        query = select(Asset).options(defer(Asset.embedded), defer(Asset.field_sources))
        known = matches.known_words()
        query = _where_query(session, query, parsed, key, known, in_slice, by_row)
        return filters.apply(query) if filters is not None else query

    total = None
    #: The listing's ids as its count read them (slice by slice, or all of them), which
    #: hold its newest pages.
    listing: _SliceRead | None = None
    # "Has duplicates" is left out of `_Matches.words_only` (it holds for the group
    # members that asks about) but narrows a listing.
    words_are_listing = matches.words_only and not (filters is not None and filters.has_duplicates)
    if with_total and words_are_listing:
        # Words alone: the index's own match list is the count (every indexed
        # row is a photo), where COUNT over the catalog looked each one up.
        total = len(matches.word_matches())
        listing = matches.slice_read
    if with_total and total is None:
        listed = _listed_ids(session, parsed, filters)
        if listed is not None:
            # Read whole once for the count: it holds the newest page too.
            total = len(listed)
            listing = _SliceRead.whole(listed)
    if matches.known_words() is not None:
        sliced = None  # every match is read: the queries name them
    query = narrowed(Asset.id)
    if with_total and total is None:
        # The same conditions without sort or cursor, at most one more than
        # the cap: answered from the indexes, never by loading rows.
        if dated is not None:
            total = dated.count(query, TOTAL_CAP + 1)
        elif sliced is not None:
            # The listing's ids, not just their number: they hold its newest page.
            listing = sliced.read(
                lambda n: narrowed(Asset.id, n).with_only_columns(Asset.id), TOTAL_CAP + 1
            )
            total = len(listing.ids)
        else:
            first = query.with_only_columns(Asset.id).order_by(None).limit(TOTAL_CAP + 1)
            if session.get_bind().dialect.name == "postgresql":
                # The ids, not just their number (one array: 1-2 ms more than COUNT for
                # 10,001): under the cap they are the whole listing, so the page needs
                # no statement of its own (16 ms of `keyword: camera: used:>2` at 10^7).
                counted = read_ids(session, first)
                total = len(counted)
                if total <= TOTAL_CAP:
                    listing = _SliceRead.whole(counted)
            else:
                total = session.scalar(select(func.count()).select_from(first.subquery())) or 0
    capped = total is not None and total > TOTAL_CAP
    if capped:
        total = TOTAL_CAP
    if sort == "most_used" and parsed and session.get_bind().dialect.name == "sqlite":
        # Read photos in usage order from the stats index and test each against
        # the (materialized) match lists; starting from a list of 25,000 word
        # matches and sorting them all cost 40 ms at 100,000 photos.
        query = narrowed(Asset.id + 0)
    stats = search.stats_table
    count = stats.c.article_count
    # Ids first (from the indexes alone), the photo rows once the page is known.
    if sort == "most_used":
        ids_query = query.join(stats, stats.c.asset_id == Asset.id).with_only_columns(
            Asset.id, count
        )
        ids_query = ids_query.order_by(count.desc(), stats.c.asset_id.desc())
    else:
        ids_query = query.with_only_columns(Asset.id, literal(0)).order_by(Asset.id.desc())

    def batch(cursor: str | None, size: int) -> list[tuple[int, int]]:
        """Up to ``size`` photo ids after ``cursor``, each with its sort key's count."""
        if dated is not None and sort == "newest":
            below = _parse_cursor(cursor, 1)[0] if cursor else None
            return dated.batch(cast(Select[Any], ids_query), below, size)
        if listing is not None and sort == "newest":
            # Read slice by slice for the count: it may hold the page (all of it when
            # every match was read, and the words alone are the listing).
            known = listing.page(_parse_cursor(cursor, 1)[0] if cursor else None, size)
            if known is not None:
                return [(asset_id, 0) for asset_id in known]
        if sliced is not None and sort == "newest":
            below = _parse_cursor(cursor, 1)[0] if cursor else None
            if listing is not None and listing.dense:
                # One photo in a hundred of the newest slice or more matches: walking the
                # photos newest first and asking each one's index row by key finds a page
                # in a few thousand rows, where the slice's index hands out every match.
                by_row = narrowed(Asset.id, by_row=True).with_only_columns(Asset.id, literal(0))
                if below is not None:
                    by_row = by_row.where(Asset.id < below)
                paged = by_row.order_by(Asset.id.desc()).limit(size)
                return [(asset_id, n) for asset_id, n in session.execute(paged)]

            def ids_in(n: int) -> Select[Any]:
                return cast(
                    Select[Any], narrowed(Asset.id, n).with_only_columns(Asset.id, literal(0))
                )

            return sliced.batch(ids_in, below, size)
        paged = ids_query
        if cursor and sort == "newest":
            paged = paged.where(Asset.id < _parse_cursor(cursor, 1)[0])
        elif cursor:
            last_count, last_id = _parse_cursor(cursor, 2)
            paged = paged.where(tuple_(count, stats.c.asset_id) < tuple_(last_count, last_id))
        return [(asset_id, n or 0) for asset_id, n in session.execute(paged.limit(size))]

    def cursor_of(row: tuple[int, int]) -> str:
        return str(row[0]) if sort == "newest" else f"{row[1]}.{row[0]}"

    stacking = filters is not None and filters.stack
    matching = matches if stacking else None
    rows: list[tuple[int, int]] = []
    shown_stacks: dict[int, stacks.Stack] = {}
    # A stacked page reads a third more at once: about one photo in seven of a
    # large library hides behind its group's card, so one read usually fills it.
    cursor, want = after, limit + 1 + (limit // 3 if matching is not None else 0)
    while True:
        found = batch(cursor, want)
        if matching is None:
            rows += found
        else:
            # Photos hidden behind their group's card leave the page short: read on,
            # in growing steps, so a page of mostly copies costs a few queries.
            stacked = stacks.stack(session, [i for i, _ in found], matching)
            rows += [row for row in found if row[0] not in stacked.hidden]
            shown_stacks.update(stacked.stacks)
        if len(rows) > limit or len(found) < want:
            break
        cursor, want = cursor_of(found[-1]), 2 * want
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [asset_id for asset_id, _ in rows]
    loaded = {
        asset.id: asset
        for asset in session.scalars(
            select(Asset)
            .options(defer(Asset.embedded), defer(Asset.field_sources))
            .where(Asset.id.in_(ids))
        )
    }
    assets = [loaded[i] for i in ids if i in loaded]
    counts = usage_counts(session, ids)
    if not stacking:
        shown_stacks = stacks.stacks_of(session, ids)
    return PhotoPage(
        assets,
        cursor_of(rows[-1]) if more and rows else None,
        counts,
        total,
        {i: shown_stacks[i] for i in ids if i in shown_stacks},
        capped,
    )


class _ByMonth:
    """A listing with a date range, on PostgreSQL, read month by month.

    ``ix_assets_taken_month`` (migration 0019) holds each photo's capture month
    (the first seven characters of ``taken_at``), then its id, with the columns
    the date filters test. Within one month the index is in id order, so the
    newest matches of a month are a short backward walk, and the listing's
    newest page is the newest of each month's newest: a year is twelve short
    walks, where reading the whole range and sorting it by id read 500,000
    rows for a year at 10^7 photos (0.5–1.5 s), and walking the primary key
    from the newest photo passed every photo newer than the range (9.6 s).
    The months themselves are found by skipping through the same index, one
    descent each.

    The order is exactly ``ORDER BY id DESC`` (or ASC, upward), with the same
    conditions: the month only says where to look.
    """

    def __init__(self, session: Session, low: str | None, high: str | None):
        self.session = session
        self.low, self.high = low, high

    @classmethod
    def of(
        cls, session: Session, parsed: search.Query, filters: PhotoFilter | None
    ) -> _ByMonth | None:
        """The reader for a listing bounded by a capture date, or None (SQLite, no range)."""
        if session.get_bind().dialect.name != "postgresql":
            return None
        low, high = filters.taken_bounds() if filters is not None else (None, None)
        lows = [low] if low is not None else []
        highs = [high] if high is not None else []
        for condition in parsed.filters:
            if condition.name == "taken" and not condition.negated:
                span = search.taken_range(condition.value)
                assert span is not None  # parse_query only keeps dates that have one
                lows.append(span[0])
                highs.append(span[1])
        if not lows and not highs:
            return None
        # Row estimates of a range's many months are large, so PostgreSQL would
        # compile each query first: 0.3–0.8 s of JIT for a few milliseconds of work.
        session.execute(text("SET LOCAL jit = off"))
        return cls(session, max(lows) if lows else None, min(highs) if highs else None)

    def _months(self) -> Any:
        """The capture months that can hold a photo of the range, one index descent each.

        A month holds a photo of [low, high) only if it is at least low's month
        and below high: the strings are compared as ``taken_at`` is, and capture
        times are ISO strings, whose first seven characters sort as they do.
        """

        def bounded(month: Any, *more: Any) -> list[Any]:
            conditions = [month.is_not(None), *more]
            if self.low is not None:
                conditions.append(month >= self.low[:7])
            if self.high is not None:
                conditions.append(month < self.high)
            return conditions

        first = aliased(Asset)
        months = (
            select(func.min(_month(first)).label("month"))
            .where(*bounded(_month(first)))
            .cte("months", recursive=True)
        )
        later = aliased(Asset)
        step = select(
            select(func.min(_month(later)))
            .where(*bounded(_month(later), _month(later) > months.c.month))
            .scalar_subquery()
        ).where(months.c.month.is_not(None))
        return months.union_all(step)

    def batch(
        self, ids_query: Select[Any], start: int | None, size: int, upward: bool = False
    ) -> list[tuple[int, int]]:
        """Up to ``size`` of ``ids_query``'s rows (id, count) past ``start`` (None: the end).

        Newest first below ``start``, or, ``upward``, oldest first above it: the
        photo page's "previous" is the nearest newer photo of the listing.
        """
        months = self._months()
        order = Asset.id.asc() if upward else Asset.id.desc()
        inner = ids_query.order_by(None).where(_month(Asset) == months.c.month)
        if start is not None:
            inner = inner.where(Asset.id > start if upward else Asset.id < start)
        page = inner.order_by(order).limit(size).lateral("page")
        key, count = page.c
        rows = self.session.execute(
            select(key, count)
            .select_from(months)
            .join(page, true())
            .order_by(key.asc() if upward else key.desc())
            .limit(size)
        )
        return [(asset_id, n) for asset_id, n in rows]

    def count(self, query: Select[Any], cap: int) -> int:
        """How many photos ``query`` matches, counting stopped at ``cap``."""
        months = self._months()
        inner = query.with_only_columns(Asset.id).order_by(None)
        found = inner.where(_month(Asset) == months.c.month).limit(cap).lateral("found")
        first = select(found.c.id).select_from(months).join(found, true()).limit(cap)
        return self.session.scalar(select(func.count()).select_from(first.subquery())) or 0


#: Words the planner expects in more than this share of the photos (half of it with
#: exclusions) are not read slice by slice (`_BySlice`).
COMMON_SHARE = 0.1


class _BySlice:
    """A search listing on PostgreSQL read one id slice at a time, the newest slice first.

    Each slice of ids has its own index of the words (`search.add_slice_indexes`,
    migration 0022), so the words' matches in one slice cost that slice's
    postings. A listing's newest page is the newest matches of the newest
    slices that have any, and its capped count stops in the slices that hold
    that many: asking the catalog-wide index built the bitmap of every match
    first, 54-110 ms for common words at 10^7 photos, twice a page (the count,
    then the page).

    A walk is one statement, a UNION ALL of one query per slice from the newest
    down, under the LIMIT: PostgreSQL runs the branches of an Append in order and
    stops asking once the limit is met, so the slices past it are never read,
    and the rows come slice after slice, each sorted by id where the order
    matters, which is exactly ``ORDER BY id DESC``. Parallel plans, which could
    interleave the branches, are switched off for the transaction.

    The newest slice is the highest indexed id's when the listing is first read: a photo
    indexed in a later slice between that and the walk (another transaction's
    commit) is left out of this page, as if the page had been read a moment earlier.
    """

    def __init__(self, session: Session, newest: int):
        self.session = session
        #: The newest slice, read once for the listing.
        self.newest = newest

    @classmethod
    def of(cls, session: Session, parsed: search.Query) -> _BySlice | None:
        """The reader for a listing with search words, or None (SQLite, no words, or
        a catalog whose photos all lie in the first slice)."""
        if session.get_bind().dialect.name != "postgresql" or not parsed.groups:
            return None
        last_id = session.scalar(select(func.max(search.pg_search_table.c.asset_id)))
        if last_id is None or search.id_slice(last_id) == 0:
            # One slice is the whole catalog: its index holds the catalog-wide one's
            # postings, and the slice's walk only adds work (the count's ids, the
            # walk row by row): `caption:"…" -taken:` took 139-159 ms at 10^5 that
            # way against 98-124 ms asked the plain way.
            return None
        excluded = [(term,) for term in parsed.excluded]
        if search.broad_prefixes(session, parsed.groups, excluded):
            return None
        # Words in a large share of the photos ("fire", 23 %): a plain scan of the
        # index's table meets the count's cap within a few thousand pages, where one
        # slice's GIN scan reads every posting of the slice first. With exclusions it
        # cannot skip any (49 ms for one slice of "fire -credit:afp", 136 ms for the
        # read of "protesters -kabul credit:reuters", 41 ms scanned), so half the share.
        common = COMMON_SHARE / 2 if excluded else COMMON_SHARE
        if search.estimated_share(session, parsed.groups, excluded) > common:
            return None
        # A walk's estimate covers every slice, so PostgreSQL would compile it first
        # (JIT, 0.3-0.8 s) for a walk that mostly stops in the first one.
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        return cls(session, search.id_slice(last_id))

    def _slices(self, below: int | None) -> list[int]:
        """The slice numbers from the newest photo's down to 0, below ``below`` when given."""
        top = self.newest if below is None else min(self.newest, search.id_slice(below - 1))
        return list(range(top, -1, -1))

    def _walk(self, branches: list[Select[Any]], limit: int) -> Select[Any]:
        if len(branches) == 1:
            return branches[0].limit(limit)
        walk = union_all(*(b.subquery().select() for b in branches)).subquery("walk")
        return walk.select().limit(limit)

    def batch(
        self, build: Callable[[int], Select[Any]], below: int | None, size: int
    ) -> list[tuple[int, int]]:
        """Up to ``size`` rows (id, count) of the listing below ``below`` (None: the newest).

        ``build`` gives the listing's ids query for one slice number.
        """
        branches = []
        for number in self._slices(below):
            inner = build(number)
            if below is not None:
                inner = inner.where(Asset.id < below)
            branches.append(inner.order_by(Asset.id.desc()).limit(size))
        if not branches:
            return []
        rows = self.session.execute(self._walk(branches, size))
        return [(asset_id, n) for asset_id, n in rows]

    def read(self, build: Callable[[int], Select[Any]], cap: int) -> _SliceRead:
        """The first ``cap`` ids of the listing, the newest slices first, and what they tell.

        ``build`` gives the listing's query of one column (the id) for one slice.
        """
        slices = self._slices(None)
        if not slices:
            return _SliceRead.whole([])
        ids = read_ids(self.session, self._walk([build(n) for n in slices], cap))
        if len(ids) < cap:
            return _SliceRead.whole(ids)
        # The walk stopped in the oldest slice it reached, which may hold more: only
        # the slices above it were read whole.
        last = search.id_slice(min(ids))
        start = search.slice_bounds(last)[1]
        newest = sorted((i for i in ids if i >= start), reverse=True)
        return _SliceRead(ids, start, newest, dense=last == slices[0])


def read_ids(session: Session, query: Select[Any]) -> list[int]:
    """The ids a one-column query gives (PostgreSQL), in no particular order.

    As one array: 10,001 rows cost SQLAlchemy 6 ms more than psycopg, and the
    capped reads of a broad search are that long.
    """
    found = query.subquery("found")
    return list(session.scalar(select(func.array_agg(found.c[0]))) or [])


#: How many photos an ``article:`` listing reads at most to hold them all (`_listed_ids`).
#: Each is an entry of ``ix_usages_article_asset``, read without visiting the table.
LISTED_READ = 50_000


def _listed_ids(
    session: Session, parsed: search.Query, filters: PhotoFilter | None
) -> list[int] | None:
    """Every photo of a listing that is one ``article:`` condition and nothing else, on
    PostgreSQL; None for any other listing, or past `LISTED_READ` photos.

    The count and the newest page each read the titles' usages (44,655 rows for
    ``article:"story 12"`` at 10^7 photos), and the count looked each photo up
    in the catalog besides: usages name existing photos (their key is a foreign
    key, set to NULL when a photo goes), so one read of the ids is both.
    """
    if session.get_bind().dialect.name != "postgresql" or parsed.groups or parsed.excluded:
        return None
    if filters is not None and replace(filters, stack=False) != PhotoFilter():
        return None
    if len(parsed.filters) != 1:
        return None
    (condition,) = parsed.filters
    if condition.name != "article" or condition.negated:
        return None
    query = _published_in(condition.value).distinct().limit(LISTED_READ + 1)
    ids = read_ids(session, query)
    return ids if len(ids) <= LISTED_READ else None


@dataclass
class _SliceRead:
    """A listing's first ids, as read for its count (`_BySlice.read`, `_listed_ids`)."""

    #: Every id read (at most the cap asked for).
    ids: list[int]
    #: Every id of the listing from this one up was read (0: all of them).
    start: int
    #: Those ids, newest first.
    newest: list[int]
    #: The newest slice alone held the cap: one photo in a hundred of it or more matches.
    dense: bool

    @classmethod
    def whole(cls, ids: list[int]) -> _SliceRead:
        """Every id of the listing, read: any of its pages can be taken from them."""
        return cls(ids, 0, sorted(ids, reverse=True), dense=False)

    def page(self, below: int | None, size: int) -> list[int] | None:
        """The listing's ``size`` newest ids below ``below``, when the read holds them."""
        found = [i for i in self.newest if below is None or i < below][:size]
        # Every id from ``start`` up is known: these are the newest if there are
        # enough of them, or if every id is known.
        return found if len(found) == size or self.start == 0 else None


def no_credit() -> Any:
    """Missing credit: none, or only blanks.

    Written as the partial index ``ix_assets_no_credit`` (migration 0024) writes its
    condition, the empty string in the SQL: the planner uses a partial index only
    where it can prove the index's condition, which a bound parameter would not let
    it do once psycopg prepares the statement.
    """
    return or_(Asset.credit.is_(None), func.trim(Asset.credit) == literal_column("''"))


def _month(table: Any) -> Any:
    """A photo's capture month as ``ix_assets_taken_month`` holds it ("2016-03").

    The length is written into the SQL, not bound: the planner only matches an
    index on an expression to the same expression, and psycopg prepares a
    statement asked often enough, after which a bound 7 would be a parameter.
    """
    return func.left(table.taken_at, literal_column("7"))


class _Matches:
    """Which photos a listing shows, for the questions a page asks about a few of them.

    The index is read once per listing: the ids matching the search words
    (exclusions included) are kept as a set, and the catalog is asked only
    about the other conditions, by primary key. Asking the whole query again
    for each batch's handful of group members re-read the index's match lists
    every time, 15 ms a question for ``fire -credit:afp`` at 100,000 photos.
    """

    def __init__(
        self,
        session: Session,
        parsed: search.Query,
        filters: PhotoFilter | None,
        sliced: _BySlice | None = None,
    ):
        self.session = session
        self.sliced = sliced
        self.parsed = parsed
        self.excluded = [(term,) for term in parsed.excluded]
        # SQLite's FTS5 hands out rowids from its own doclists, so reading many
        # is cheap there; PostgreSQL asks a page's few photos by key instead.
        self.by_key = session.get_bind().dialect.name == "postgresql"
        # Only group members are asked about: "has duplicates" holds for them all.
        self.plain = replace(
            filters or PhotoFilter(), has_duplicates=False, stack=False, group=None
        )
        self._words: set[int] | None = None
        #: The word matches as read slice by slice (PostgreSQL), for the newest page.
        self.slice_read: _SliceRead | None = None

    @property
    def everything(self) -> bool:
        """Without search words or filters every photo is shown: no question is needed."""
        return not self.parsed and self.plain == PhotoFilter()

    @property
    def words_only(self) -> bool:
        """The listing is the index's matches for the search words, and nothing else."""
        return bool(self.parsed.groups) and not self.parsed.filters and self.plain == PhotoFilter()

    def word_matches(self) -> set[int]:
        """Ids matching the search words and none of the exclusions, read once.

        At most `WORDS_READ` of them (about 10 ms of reading): a broader
        search is asked in SQL instead (`complete` is then False).
        """
        if self._words is None and self.sliced is not None:
            # The newest slices' matches: besides the count, they hold the newest page.
            groups, excluded = self.parsed.groups, self.excluded
            self.slice_read = self.sliced.read(
                lambda n: search.matching_ids(self.session, groups, excluded, n),
                self.read_limit + 1,
            )
            self._words = set(self.slice_read.ids)
        if self._words is None:
            query = search.matching_ids(self.session, self.parsed.groups, self.excluded)
            query = query.limit(self.read_limit + 1)
            self._words = set(
                read_ids(self.session, query) if self.by_key else self.session.scalars(query)
            )
        return self._words

    @property
    def read_limit(self) -> int:
        return min(WORDS_READ, TOTAL_CAP) if self.by_key else WORDS_READ

    @property
    def complete(self) -> bool:
        """The word matches read are all there are."""
        return len(self.word_matches()) <= self.read_limit

    def known_words(self) -> list[int] | None:
        """Every word match, when PostgreSQL has already read them all (else None).

        The listing's queries then name these ids instead of asking the GIN
        index again: each ask builds the whole match bitmap (100 ms for three
        prefixes at a million photos) and fetches the rows to sort them.
        """
        if not self.by_key or self._words is None or not self.complete:
            return None
        return sorted(self._words)

    def _word_hits(self, ids: set[int]) -> set[int] | None:
        """Which of ``ids`` match the search words; None when SQL must ask with the rest."""
        if not self.parsed.groups:
            return None
        if self.by_key and (self._words is None or not self.complete):
            return search.matching_among(self.session, self.parsed.groups, self.excluded, ids)
        if self.complete:
            return ids & self.word_matches()
        return None

    def __call__(self, ids: set[int]) -> set[int]:
        """Which of ``ids`` the listing shows (grouped photos under "has duplicates" all are)."""
        if self.everything:
            return set(ids)
        hits = self._word_hits(ids)
        if hits is not None:
            ids = hits
            if self.words_only or not ids:
                return ids
            rest = replace(self.parsed, groups=[], excluded=[])
        else:
            rest = self.parsed
        query = self.plain.apply(_where_query(self.session, select(Asset.id), rest))
        return set(self.session.scalars(query.where(Asset.id.in_(sorted(ids)))))


def _group_page(session: Session, key: str, limit: int, after: str | None) -> PhotoPage:
    """A duplicate group's photos in group order (master first); the cursor is a position."""
    query = (
        select(Asset, DuplicateMember.position)
        .options(defer(Asset.embedded), defer(Asset.field_sources))
        .join(DuplicateMember, DuplicateMember.asset_id == Asset.id)
        .join(DuplicateGroup, DuplicateGroup.id == DuplicateMember.group_id)
        .where(DuplicateGroup.key == key)
        .order_by(DuplicateMember.position)
    )
    if after:
        query = query.where(DuplicateMember.position > _parse_cursor(after, 1)[0])
    rows = list(session.execute(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    assets = [asset for asset, _ in rows]
    total = session.scalar(select(DuplicateGroup.size).where(DuplicateGroup.key == key)) or 0
    counts = usage_counts(session, [a.id for a in assets])
    cursor = str(rows[-1][1]) if more and rows else None
    return PhotoPage(assets, cursor, counts, total, stacks.stacks_of(session, counts))


_NARROW_FIRST = ("used", "taken", "article", "keyword", "camera", "archive")


def _where_query(
    session: Session,
    query: Select[Any],
    parsed: search.Query,
    key: Any = Asset.id,
    word_ids: list[int] | None = None,
    in_slice: int | None = None,
    by_row: bool = False,
) -> Select[Any]:
    """Add the conditions of a parsed search box to a photo query.

    ``key`` is the photo id as the conditions test it: ``Asset.id + 0`` keeps
    SQLite from starting at an id list when another index gives the order.
    ``word_ids`` (PostgreSQL) are every photo the words and exclusions match,
    already read: one array instead of the index query. ``in_slice`` (PostgreSQL)
    keeps the words' matches to one id slice (`search.matching_ids`). ``by_row``
    (PostgreSQL) asks each photo's own index row instead (`search.matches_row`), so
    the plan can only walk the photos in the listing's order.
    """
    # Field conditions first, the usually narrowest first: SQLite starts from
    # the first ``id IN (...)`` it is given and checks the others row by row.
    for condition in sorted(parsed.filters, key=lambda f: _NARROW_FIRST.index(f.name)):
        clause = _field_condition(session, condition, key)
        if condition.negated:
            # A photo the condition knows nothing about (no date, no camera) is not
            # "taken in 2016", so "-taken:2016" keeps it: in SQL, NOT of unknown is
            # unknown, and every undated photo fell out of the listing.
            clause = ~func.coalesce(clause, false())
        query = query.where(clause)
    excluded = [(term,) for term in parsed.excluded]
    if parsed.groups and word_ids is not None:
        query = query.where(key == any_(bindparam("word_ids", word_ids, type_=ARRAY(Integer))))
    elif parsed.groups and by_row:
        query = query.where(search.matches_row(session, parsed.groups, excluded, key))
    elif parsed.groups:
        # One index query for the words and the exclusions together.
        query = query.where(
            key.in_(search.matching_ids(session, parsed.groups, excluded, in_slice))
        )
        if in_slice is not None:
            query = query.where(*search.in_ids(key, in_slice))
    elif excluded:
        # Only exclusions: every photo but the index's matches for any of them.
        query = query.where(search.excluding(session, key, excluded))
    return query


def _field_condition(session: Session, condition: search.FieldFilter, key: Any) -> Any:
    """``keyword:``, ``camera:``, ``article:``, ``used:``, ``taken:`` or ``archive:`` as SQL."""
    value = condition.value
    if condition.name == "archive":
        return Asset.archive.is_(value == "yes")
    if condition.name == "taken":
        span = search.taken_range(value)
        assert span is not None  # parse_query only keeps dates that have one
        return (Asset.taken_at >= span[0]) & (Asset.taken_at < span[1])
    if condition.name == "used":
        digits = value.lstrip("<>=")
        compare = _COMPARISONS[value[: len(value) - len(digits)] or "="]
        number = int(digits)
        stats = search.stats_table
        used = key.in_(_used(compare, number))
        if compare(0, number):
            # A photo not indexed yet has no stats row; it has never been used.
            # Correlated to the photo only: "most used" joins the stats table outside,
            # and correlating that too left this query without a table (an error).
            unindexed = ~exists(
                select(stats.c.asset_id).where(stats.c.asset_id == Asset.id).correlate(Asset)
            )
            return or_(used, unindexed)
        return used
    if condition.name == "keyword":
        # The index's keywords column: one lookup, where a LIKE over every
        # keyword row of a large library would not stay fast.
        found = search.keyword_ids(session, value)
        return key.in_(found) if found is not None else false()
    if condition.name == "camera":
        pattern = f"%{_escape_like(value.lower())}%"
        return or_(
            func.lower(Asset.camera_model).like(pattern, escape="\\"),
            func.lower(Asset.camera_make).like(pattern, escape="\\"),
        )
    return key.in_(_published_in(value))


def _published_in(title: str) -> Select[Any]:
    """Ids of the photos published in an article whose title contains ``title`` (``article:``).

    The articles first, then their usages by index: SQLite joined the other
    way, reading every usage (55 ms at 25,000 usages against 2 ms).
    """
    pattern = f"%{_escape_like(title.lower())}%"
    titled = select(Article.id).where(func.lower(Article.title).like(pattern, escape="\\"))
    return select(Usage.asset_id).where(Usage.asset_id.is_not(None), Usage.article_id.in_(titled))


def _used(compare: Callable[[Any, Any], Any], number: int) -> Select[Any]:
    """Ids of the photos whose article count ``compare``s to ``number``.

    When no count under two qualifies, the reused photos' partial index
    (migration 0020) holds every match: its condition is written out as a
    literal, which the planner needs to prove that it may use the index
    (a bound number would not do once psycopg prepares the statement).
    """
    stats = search.stats_table
    query = select(stats.c.asset_id).where(compare(stats.c.article_count, number))
    if not compare(0, number) and not compare(1, number):
        query = query.where(stats.c.article_count >= literal_column("2"))
    return query


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Neighbours:
    """The photos either side of one photo in a listing (None at either end)."""

    previous: int | None
    next: int | None


def neighbours(
    session: Session,
    asset_id: int,
    q: str = "",
    filters: PhotoFilter | None = None,
    sort: str = "newest",
) -> Neighbours:
    """The ids just before and just after ``asset_id`` in the listing `find_photos` gives.

    The photo page steps through a search with these, so they must follow
    the grid's order exactly. The photo itself need not match the search any
    more (its caption was just edited): its place in the order still holds,
    so stepping on from it lands where the editor expects.
    """
    if sort not in SORTS:
        raise InvalidValueError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if filters is not None and filters.group:
        return _group_neighbours(session, asset_id, filters.group)
    parsed = search.parse_query(q)
    query = _where_query(session, select(Asset.id), parsed)
    if filters is not None:
        query = filters.apply(query)
    steps: Callable[[bool, int], Select[Any]]
    dated = _ByMonth.of(session, parsed, filters) if sort == "newest" else None
    if sort == "newest":

        def steps(upward: bool, start: int) -> Select[Any]:
            if upward:
                return query.where(Asset.id > start).order_by(Asset.id.asc())
            return query.where(Asset.id < start).order_by(Asset.id.desc())

    else:
        stats = search.stats_table
        count = stats.c.article_count
        own = session.scalar(select(count).where(stats.c.asset_id == asset_id)) or 0
        counted = query.join(stats, stats.c.asset_id == Asset.id)
        key = tuple_(count, stats.c.asset_id)

        def steps(upward: bool, start: int) -> Select[Any]:
            # The keyset goes on from ``start``'s own count (the photo's is known).
            at = (
                own
                if start == asset_id
                else session.scalar(select(count).where(stats.c.asset_id == start)) or 0
            )
            if upward:
                return counted.where(key > tuple_(at, start)).order_by(
                    count.asc(), stats.c.asset_id
                )
            return counted.where(key < tuple_(at, start)).order_by(
                count.desc(), stats.c.asset_id.desc()
            )

    def nearest(upward: bool, start: int, size: int) -> list[int]:
        """Up to ``size`` ids of the listing past ``start``, the nearest first."""
        if dated is not None:
            ids_query = query.with_only_columns(Asset.id, literal(0)).order_by(Asset.id.desc())
            # A date range read from its index, as the grid reads it: the plain
            # walk from a photo at the range's newer end passed every newer photo.
            return [i for i, _ in dated.batch(cast(Select[Any], ids_query), start, size, upward)]
        return list(session.scalars(steps(upward, start).limit(size)))

    if filters is None or not filters.stack:
        return Neighbours(_first(nearest(True, asset_id, 1)), _first(nearest(False, asset_id, 1)))

    matching = _Matches(session, parsed, filters)

    def first_shown(upward: bool) -> int | None:
        """The nearest photo that is not hidden behind its group's card.

        The nearest one first, alone: it is usually shown, and one photo that
        is in no group needs no question about its group's other members.
        """
        start, size = asset_id, 1
        while True:
            ids = nearest(upward, start, size)
            hidden = stacks.stack(session, ids, matching).hidden
            shown = next((i for i in ids if i not in hidden), None)
            if shown is not None or len(ids) < size:
                return shown
            start, size = ids[-1], size * 8

    return Neighbours(first_shown(True), first_shown(False))


def _first(ids: list[int]) -> int | None:
    return ids[0] if ids else None


def _group_neighbours(session: Session, asset_id: int, key: str) -> Neighbours:
    """Either side of a photo in its duplicate group's order (master first)."""
    members = select(DuplicateMember.asset_id, DuplicateMember.position).join(
        DuplicateGroup, DuplicateGroup.id == DuplicateMember.group_id
    )
    members = members.where(DuplicateGroup.key == key)
    order = list(session.execute(members.order_by(DuplicateMember.position)))
    ids = [row.asset_id for row in order]
    if asset_id not in ids:
        return Neighbours(None, None)
    at = ids.index(asset_id)
    return Neighbours(ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)


def cursor_at(
    session: Session, asset_id: int, sort: str = "newest", filters: PhotoFilter | None = None
) -> str:
    """The ``after`` cursor whose page starts with this photo, in ``find_photos`` terms.

    The grid uses it to come back to a photo that the editor reached by stepping
    past the page they opened it from.
    """
    if sort not in SORTS:
        raise InvalidValueError(f"sort: expected one of {', '.join(SORTS)}, got {sort!r}")
    if filters is not None and filters.group:
        position = session.scalar(
            select(DuplicateMember.position)
            .join(DuplicateGroup, DuplicateGroup.id == DuplicateMember.group_id)
            .where(DuplicateMember.asset_id == asset_id, DuplicateGroup.key == filters.group)
        )
        return str(position - 1) if position else ""
    if sort == "newest":
        return str(asset_id + 1)
    stats = search.stats_table
    own = session.scalar(select(stats.c.article_count).where(stats.c.asset_id == asset_id))
    return f"{own or 0}.{asset_id + 1}"


def _parse_cursor(after: str, parts: int) -> list[int]:
    try:
        values = [int(p) for p in after.split(".")]
    except ValueError:
        values = []
    # A number past 64 bits would fail in the database driver, not here.
    if len(values) != parts or any(v < 0 or v >= 2**63 for v in values):
        raise InvalidValueError(f"after: not a page cursor: {after[:40]!r}")
    return values


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


# --- which usages ---------------------------------------------------------------------


def usages_of(
    session: Session, asset_ids: Iterable[int], limit: int | None = None
) -> list[tuple[Usage, Article]]:
    """Every usage of these photos with its article, in publication order (undated last);
    the first ``limit`` of them when given (`count_usages` says how many there are).

    Publication order is the one order everywhere: an auditor reads a photo's
    life from its first appearance, and the newest is one glance away at the end.
    """
    ids = list(asset_ids)
    if not ids:
        return []
    query = (
        select(Usage, Article)
        .join(Article, Usage.article_id == Article.id)
        .where(Usage.asset_id.in_(ids))
        .order_by(Article.published.is_(None), Article.published, Article.id, Usage.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(u, a) for u, a in session.execute(query)]


def count_usages(session: Session, asset_ids: Iterable[int]) -> int:
    """How many usages these photos have in all."""
    ids = list(asset_ids)
    if not ids:
        return 0
    return session.scalar(select(func.count(Usage.id)).where(Usage.asset_id.in_(ids))) or 0


def group_usages(session: Session, asset_id: int) -> list[tuple[Usage, Article]]:
    """Every usage of the photo's picture: its own and its duplicate group's copies'.

    Each usage's ``asset_id`` still names the copy that was published.
    """
    return usages_of(session, group_mates(session, [asset_id])[asset_id])


def composite_usages(session: Session, asset_id: int) -> list[tuple[Usage, Article]]:
    """Usages of the composites (collages, pages) that show this photo.

    They are another picture, so they are not the photo's own usages (see
    :mod:`library.catalog.groupusages`), but an auditor asking where the photo
    appeared wants to see them, marked as shown in a composite.
    """
    own = select(DuplicateMember.group_id).where(
        DuplicateMember.asset_id == asset_id, DuplicateMember.level.not_in(NOT_SHARED)
    )
    shown_in = session.scalars(
        select(DuplicateMember.asset_id).where(
            DuplicateMember.group_id.in_(own), DuplicateMember.level.in_(NOT_SHARED)
        )
    )
    return usages_of(session, sorted(set(shown_in)))


def usage_counts(session: Session, asset_ids: Sequence[int]) -> dict[int, int]:
    """asset id → number of distinct articles that ran it or a copy of it (0 when none).

    Read from the search index's stats, which hold exactly this count and are
    kept current in the transaction that changes usages or groups: counting a
    page of the most used photos afresh read thousands of usage rows (28 ms
    of a 55 ms page at 100,000 photos). Photos not indexed yet are counted.
    """
    if not asset_ids:
        return {}
    stats = search.stats_table
    counts: dict[int, int] = {}
    for chunk in chunked(sorted(set(asset_ids))):
        rows = session.execute(
            select(stats.c.asset_id, stats.c.article_count).where(stats.c.asset_id.in_(chunk))
        )
        counts.update({asset_id: count for asset_id, count in rows})
    missing = [i for i in asset_ids if i not in counts]
    if missing:
        counts.update(group_article_counts(session, missing))
    return counts


# --- which articles -------------------------------------------------------------------


def list_articles(
    session: Session, limit: int | None = 50, after: int | None = None
) -> tuple[list[tuple[Article, int]], int | None]:
    """Articles, newest imported first, each with its number of images, one keyset page.

    ``limit=None`` returns them all (the CLI); the images are loaded with them.
    """
    images = (
        select(func.count(Usage.id))
        .where(Usage.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    query = select(Article, images).options(selectinload(Article.usages))
    query = query.order_by(Article.id.desc())
    if after is not None:
        query = query.where(Article.id < after)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = [(article, count) for article, count in session.execute(query)]
    if limit is None:
        return rows, None
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1][0].id if more and rows else None


def get_article(session: Session, article_id: int) -> Article:
    """One article with its images; ArticleNotFoundError when there is none."""
    article = session.get(Article, article_id, options=[selectinload(Article.usages)])
    if article is None:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    return article


# --- the library as a whole -----------------------------------------------------------


def library_info(session: Session) -> dict[str, Any]:
    """Counts for `photodesk info` and the reports page."""
    assets = session.scalar(select(func.count(Asset.id))) or 0
    by_format = dict(
        session.execute(select(Asset.format, func.count(Asset.id)).group_by(Asset.format)).all()
    )
    return {
        "assets": assets,
        "paths": session.scalar(select(func.count(AssetPath.id))) or 0,
        "failures": session.scalar(select(func.count(IngestFailure.id))) or 0,
        "missing_credit": session.scalar(select(func.count(Asset.id)).where(no_credit())) or 0,
        "formats": by_format,
        # PostgreSQL sums bigints into a numeric: a Decimal, which JSON writes as text.
        "original_bytes": int(
            session.scalar(select(func.coalesce(func.sum(Asset.file_size), 0))) or 0
        ),
    }


def list_failures(session: Session) -> list[IngestFailure]:
    """Files that could not be ingested, by path."""
    return list(session.scalars(select(IngestFailure).order_by(IngestFailure.path)))


def recent_changes(session: Session, limit: int = 50) -> list[Change]:
    """The newest edits across the library, for the audit report."""
    return list(session.scalars(select(Change).order_by(Change.id.desc()).limit(limit)))
