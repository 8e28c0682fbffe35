"""Near-duplicate pairs: finding them with the Hamming index, verifying and storing them.

Near pairs are found when photos are ingested (only the new photos are looked
up in an exact Hamming-radius index over the signals in
:data:`assets.similarity.CANDIDATE_RULES`) or by a full pass (:func:`rescan`),
each confirmed by :func:`assets.verification.verify` on the stored fingerprints
and stored with its evidence. Pairs that rest only on hash values common across the
library (a page template, a frame shared by many different photos) are not verified
(:mod:`library.duplicates.common_values`). Storing pairs updates the stored groups in the
same transaction. :func:`matches_for` checks a file that is not in the library.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assets import similarity, verification
from assets.analysis import Analysis
from library.db.engine import chunked
from library.db.models import Asset, AssetHash, DuplicateMember, DuplicatePair
from library.duplicates import backlog, common_values, containment
from library.duplicates.builder import LEVELS
from library.duplicates.hamming import HammingIndex
from library.duplicates.hashbits import hash_array
from library.duplicates.membership import rebuild_groups, refresh_groups
from library.duplicates.stored import fingerprints, signals_of

#: A bulk ingest larger than this share of the library is checked with a full pass.
FULL_PASS_SHARE = 0.2


#: A cross-signal rule whose query side is at most this share of the stored side queries
#: the stored side's index (`HammingIndex.cross_pairs`); larger query sides go through one
#: index over both sides, whose all-pairs sweep is faster when both are large.
CROSS_QUERY_SHARE = 0.25


#: Each rule's name as stored with a pair ("phash_mirror→phash"), by rule position.
RULE_NAMES: tuple[str, ...] = tuple(f"{q}→{s}" for q, s, _ in similarity.CANDIDATE_RULES)


def stored_signals() -> list[str]:
    return sorted({stored for _, stored, _ in similarity.CANDIDATE_RULES})


@dataclass
class Candidate:
    asset_id: int
    rule: str
    distance: int


class SignalIndex:
    """One exact Hamming index per stored signal, loaded from the catalog."""

    def __init__(self, session: Session, exclude: Iterable[int] = ()):
        excluded = np.array(sorted(set(exclude)), dtype=np.int64)
        self.indexes: dict[str, HammingIndex] = {}
        for name, (ids, values) in load_signals(session, stored_signals()).items():
            if len(excluded):
                keep = ~np.isin(ids, excluded)
                ids, values = ids[keep], values[keep]
            self.indexes[name] = HammingIndex(ids, values, max_radius=_max_radius())

    @classmethod
    def of(cls, signals: dict[int, dict[str, int]]) -> SignalIndex:
        """An index of just these photos (the saved index keeps the photos changed since
        it was saved in one), without reading the catalog."""
        index = cls.__new__(cls)
        index.indexes = {}
        for name in stored_signals():
            have = [
                (asset_id, values[name]) for asset_id, values in signals.items() if name in values
            ]
            index.indexes[name] = HammingIndex(
                np.array([i for i, _ in have], dtype=np.int64),
                np.array([v for _, v in have], dtype=np.int64),
                max_radius=_max_radius(),
            )
        return index

    def bind(self, session: Session) -> None:
        """Nothing to do: everything it answers is in memory (see `LookupIndex.bind`)."""

    def add_assets(self, session: Session, asset_ids: Sequence[int]) -> None:
        """Bring newly committed photos into the index without reloading it."""
        self.add_many(signals_of(session, list(asset_ids)))

    def add(self, asset_id: int, signals: dict[str, int]) -> None:
        self.add_many({asset_id: signals})

    def add_many(self, signals: dict[int, dict[str, int]]) -> None:
        """One insert per signal for a whole batch: each insert checks ids against the
        whole index, so a photo at a time cost a batch of 64 some 1,400 checks."""
        for name, index in self.indexes.items():
            have = [
                (asset_id, values[name]) for asset_id, values in signals.items() if name in values
            ]
            if have:
                ids, values = zip(*have, strict=True)
                index.add(np.array(ids, dtype=np.int64), np.array(values, dtype=np.int64))

    def __len__(self) -> int:
        """Photos in the index (those with any stored signal)."""
        return max((len(index) for index in self.indexes.values()), default=0)

    def hits(
        self, signals: dict[str, int], exclude: int | None = None
    ) -> list[tuple[int, int, int]]:
        """(rule position, stored photo, distance) for each rule and each stored photo it
        brings within its radius, rules in order."""
        found: list[tuple[int, int, int]] = []
        for position, (query, stored, radius) in enumerate(similarity.CANDIDATE_RULES):
            if query not in signals or stored not in self.indexes:
                continue
            found.extend(
                (position, asset_id, distance)
                for asset_id, distance in self.indexes[stored].query(signals[query], radius)
                if asset_id != exclude
            )
        return found

    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        """Every stored photo some rule brings within its radius, with the closest rule."""
        return closest(self.hits(signals, exclude))

    def hits_many(self, signals: Sequence[tuple[int, dict[str, int]]]) -> npt.NDArray[np.int64]:
        """(photo, stored photo, distance, rule position) rows of each photo's `hits`, the
        photo itself left out, photos in the order given: one index call per rule."""
        if not signals:
            return _no_hits()
        photos = np.array([asset_id for asset_id, _ in signals], dtype=np.int64)
        found: list[npt.NDArray[np.int64]] = []
        for position, (query, stored, radius) in enumerate(similarity.CANDIDATE_RULES):
            index = self.indexes.get(stored)
            asking = [
                (row, values[query]) for row, (_, values) in enumerate(signals) if query in values
            ]
            if index is None or not asking:
                continue
            rows = np.array([row for row, _ in asking], dtype=np.int64)
            answers = index.query_many(hash_array([v for _, v in asking]), radius)
            row = rows[answers[:, 0]]
            keep = photos[row] != answers[:, 1]
            found.append(
                np.column_stack(
                    (row[keep], answers[keep, 1], answers[keep, 2], np.full(keep.sum(), position))
                )
            )
        return _in_lookup_order(photos, found)


def _no_hits() -> npt.NDArray[np.int64]:
    return np.empty((0, 4), dtype=np.int64)


def _in_lookup_order(
    photos: npt.NDArray[np.int64], found: list[npt.NDArray[np.int64]]
) -> npt.NDArray[np.int64]:
    """(photo, stored photo, distance, rule position) from (photo's row, stored photo,
    distance, rule position) pieces, ordered as one `hits` per photo in turn gives them."""
    if not found:
        return _no_hits()
    rows = np.concatenate(found)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 0]))]
    rows[:, 0] = photos[rows[:, 0]]
    return rows


def closest(hits: Iterable[tuple[int, int, int]]) -> list[Candidate]:
    """Each photo once, by its closest rule, from (rule position, photo, distance) hits in
    rule order: the earlier rule wins a tie, as every way of finding candidates has it."""
    best: dict[int, Candidate] = {}
    for position, asset_id, distance in hits:
        current = best.get(asset_id)
        if current is None or distance < current.distance:
            best[asset_id] = Candidate(asset_id, RULE_NAMES[position], distance)
    return sorted(best.values(), key=lambda c: (c.distance, c.asset_id))


def _max_radius() -> int:
    return max(radius for _, _, radius in similarity.CANDIDATE_RULES)


#: One row of ``COPY ... TO STDOUT (FORMAT binary)`` of (signal number, asset id, value):
#: the field count, then each field's length and its big-endian value.
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("name_size", ">i4"),
        ("name", ">i4"),
        ("id_size", ">i4"),
        ("id", ">i4"),
        ("value_size", ">i4"),
        ("value", ">i8"),
    ]
)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def load_signals(
    session: Session, names: Sequence[str]
) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Every photo's stored value of each named signal: name → (asset ids, values), by id.

    The Hamming index needs whole columns of numbers, and at millions of photos building
    a Python row per hash costs seconds per signal. PostgreSQL sends all of them in one
    binary COPY read straight into numpy; SQLite hands rows to one numpy conversion.
    """
    wanted = sorted(set(names))
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    if not wanted:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        number, ids, values = _copy_signals(session, wanted)
    else:
        rows = session.execute(
            select(AssetHash.algorithm, AssetHash.asset_id, AssetHash.value).where(
                AssetHash.algorithm.in_(wanted)
            )
        ).all()
        position = {name: i for i, name in enumerate(wanted)}
        number = np.array([position[r[0]] for r in rows], dtype=np.int64)
        ids = np.array([r[1] for r in rows], dtype=np.int64)
        values = np.array([r[2] for r in rows], dtype=np.int64)
    order = np.lexsort((ids, number))
    number, ids, values = number[order], ids[order], values[order]
    bounds = np.searchsorted(number, np.arange(len(wanted) + 1))
    return {
        name: (ids[bounds[i] : bounds[i + 1]], values[bounds[i] : bounds[i + 1]])
        if bounds[i + 1] > bounds[i]
        else empty
        for i, name in enumerate(wanted)
    }


def _copy_signals(
    session: Session, wanted: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(signal number in ``wanted``, asset id, value) columns by binary COPY, in the
    session's transaction."""
    raw = session.connection().connection.driver_connection
    data = bytearray()
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        statement = (
            "COPY (SELECT array_position(%s::text[], algorithm::text) - 1, asset_id, value "
            "FROM asset_hashes WHERE algorithm = ANY(%s::text[])) TO STDOUT (FORMAT binary)"
        )
        with cursor.copy(statement, (wanted, wanted)) as copy:
            for chunk in copy:
                data += chunk
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("unexpected COPY output: no binary signature")
    extension = int.from_bytes(data[15:19], "big")
    start = 19 + extension
    stop = len(data) - 2  # the trailer, a field count of -1
    rows = np.frombuffer(
        data, dtype=_COPY_ROW, count=(stop - start) // _COPY_ROW.itemsize, offset=start
    )
    if len(rows) and not (rows["fields"] == 3).all():
        raise ValueError("unexpected COPY output: rows of another shape")
    return (
        rows["name"].astype(np.int64),
        rows["id"].astype(np.int64),
        rows["value"].astype(np.int64),
    )


# --- finding pairs ----------------------------------------------------------------------


def wants_full_pass(session: Session, new: int) -> bool:
    """A bulk ingest that is a large share of the library is checked by one full pass,
    which is faster than that many single look-ups.

    Up to 1,000 photos are always looked up, so the library is not counted for them:
    at ten million photos the count alone takes over a second."""
    if new <= 1000:
        return False
    total = session.scalar(select(func.count(Asset.id))) or 0
    return new > max(1000, FULL_PASS_SHARE * total)


def update_pairs(
    session: Session,
    asset_ids: Sequence[int],
    index: LookupIndex | None = None,
    regions: containment.RegionIndex | None = None,
) -> int:
    """Look newly ingested photos up in the index and store the verified pairs.

    Only the new photos are queried. ``index`` must already hold them (ingest
    keeps one index for a whole run and adds each batch to it, and likewise one
    index of the composites' ``regions``).
    """
    if not asset_ids:
        return 0
    if index is None:
        if wants_full_pass(session, len(asset_ids)):
            return rescan(session)
        index = SignalIndex(session)
    index.bind(session)
    stored = match_new(session, asset_ids, index).stored
    touched = containment.update_contains(session, asset_ids, index, regions)
    refresh_groups(session, {i for pair in stored for i in pair} | touched)
    return len(stored)


class LookupIndex(Protocol):
    """What looking new photos up needs of an index: a loaded `SignalIndex`, or the
    library's saved index (`saved_index.SavedIndex`), which gives the same hits."""

    def __len__(self) -> int: ...

    def hits(
        self, signals: dict[str, int], exclude: int | None = None
    ) -> list[tuple[int, int, int]]: ...

    def candidates(
        self, signals: dict[str, int], exclude: int | None = None
    ) -> list[Candidate]: ...

    def hits_many(self, signals: Sequence[tuple[int, dict[str, int]]]) -> npt.NDArray[np.int64]: ...

    def add_assets(self, session: Session, asset_ids: Sequence[int]) -> None: ...

    def bind(self, session: Session) -> None:
        """Read the catalog, where it must, in this transaction: an index kept across an
        ingest run's transactions must not open one of its own beside the writer's."""


@dataclass
class Matched:
    """What a look-up or a full pass verified and stored."""

    stored: list[tuple[int, int]]
    #: Pairs sent to verification (those stored already or of the same pixels included).
    proposed: int
    #: Rounds of verification it took (see `_verify_in_rounds`).
    rounds: int


def match_new(
    session: Session, asset_ids: Sequence[int], index: LookupIndex, discount: bool = True
) -> Matched:
    """Verify and store the pairs a look-up of these photos proposes.

    With ``discount``, pairs that rest only on values common across the library are
    not verified (`common_values`); the stored groups count as one picture each, so
    a new copy of a photo with many copies is not taken for a common value. Counts
    come from these photos' look-ups: what their values find is counted whole, but
    a stored photo's value counts as common only as far as these look-ups reach it
    (a full pass counts every photo's look-up, so it may leave out a little more).
    """
    signals = signals_of(session, list(asset_ids))
    hits = index.hits_many([(asset_id, signals.get(asset_id, {})) for asset_id in asset_ids])
    links = _group_links(session, np.unique(hits[:, :2]).tolist()) if discount else None
    return _verify_in_rounds(session, hits, len(index), links, discount)


def _group_links(
    session: Session, asset_ids: Sequence[int]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each photo's link to its stored group (the group as a negative id), so that the
    copies of one photo already grouped count once among what a value finds."""
    rows: list[tuple[int, int]] = []
    for chunk in chunked(sorted(asset_ids)):
        rows.extend(
            (asset_id, group_id)
            for asset_id, group_id in session.execute(
                select(DuplicateMember.asset_id, DuplicateMember.group_id).where(
                    DuplicateMember.asset_id.in_(chunk),
                    DuplicateMember.level != containment.CONTAINS,
                )
            )
        )
    links = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return links[:, 0], -links[:, 1] - 1


def rescan(session: Session, workers: int | None = None) -> int:
    """A full pass: all pairs of all photos, through the index's all-pairs search.

    A rule within one signal takes the index's all-pairs; a cross-signal rule (a turned
    pHash against stored pHashes, a crop window against stored low-frequency hashes)
    with a small query side queries the stored side's index (`cross_pairs`), so the
    pairs within the stored side are never found only to be thrown away; with a large
    one, one index over both sides (see CROSS_QUERY_SHARE). One index per stored
    signal serves all of its rules. Every stored pair is replaced, so the stored groups
    are rebuilt whole.
    """
    verified = match_all(session, workers).stored
    containment.rescan_contains(session, lambda: SignalIndex(session))
    rebuild_groups(session)
    backlog.clear(session)  # every photo has now been matched
    return len(verified)


def match_all(session: Session, workers: int | None = None, discount: bool = True) -> Matched:
    """Replace every stored pair by those the full pass finds and verifies (the groups
    are left for the caller to rebuild).

    With ``discount``, pairs that rest only on values common across the library are
    not verified (`common_values`), as `match_new` leaves them out for new photos.
    """
    names = sorted({n for rule in similarity.CANDIDATE_RULES for n in rule[:2]})
    tables = load_signals(session, names)
    hits = full_pass_hits(tables, workers)
    session.execute(delete(DuplicatePair))
    # A rule within one signal gives each pair once: its rows count from both sides.
    within = np.array([q == s for q, s, _ in similarity.CANDIDATE_RULES])[hits[:, 3]]
    directed = np.concatenate([hits, hits[within][:, [1, 0, 2, 3]]])
    photos = max((len(ids) for ids, _ in tables.values()), default=0)  # all have a pHash
    return _verify_in_rounds(session, directed, photos, None, discount)


#: Most rounds of verification a look-up or a full pass takes: on the quality
#: benchmark's set the second round added 19,093 pairs to verify and the third none.
DISCOUNT_ROUNDS = 6


def _verify_in_rounds(
    session: Session,
    hits: npt.NDArray[np.int64],
    photos: int,
    links: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None,
    discount: bool,
) -> Matched:
    """Verify and store the pairs of these (query id, stored id, distance, rule
    position) hits: every pair, or with ``discount`` those `common_values` supports.

    In rounds: the pairs supported so far are verified, those that verify are known
    to be one picture, and with the copies of a photo counted once more pairs may
    be supported. A popular photo's crops and pages (found by one family each) thus
    come in the second round, while different photos sharing a template never
    verify and stay discounted. Each round repeats only the whole-array counting
    (seconds at 10^6 photos); no pair is verified twice.
    """
    values = common_values.CommonValues(
        hits[:, 0], hits[:, 1], hits[:, 3], hits[:, 2], photos, links
    )
    first = first_hits(hits, values)
    low, high = values.pair_ids()
    decided = np.zeros(len(values.pairs), dtype=np.bool_)
    stored: list[tuple[int, int]] = []
    rounds = 0
    while rounds < (DISCOUNT_ROUNDS if discount else 1):
        wanted = (values.supported() if discount else np.ones_like(decided)) & ~decided
        if not wanted.any():
            break
        rounds += 1
        decided |= wanted
        chosen = np.flatnonzero(wanted)
        proposals = {
            (a, b): Candidate(found, RULE_NAMES[position], distance)
            for a, b, (_, found, distance, position) in zip(
                low[chosen].tolist(),
                high[chosen].tolist(),
                hits[first[chosen]].tolist(),
                strict=True,
            )
        }
        verified = _verify_and_store(session, proposals)
        stored.extend(verified)
        values.join([a for a, _ in verified], [b for _, b in verified])
    return Matched(stored, int(decided.sum()), rounds)


def _stored_pairs(
    session: Session, firsts: Iterable[int], wanted: Collection[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Which of the wanted pairs are stored already: read by their first photo, so a
    batch reads the pairs of its own photos, not every pair in the library."""
    found: set[tuple[int, int]] = set()
    for chunk in chunked(sorted(set(firsts))):
        rows = session.execute(
            select(DuplicatePair.asset_a, DuplicatePair.asset_b).where(
                DuplicatePair.asset_a.in_(chunk)
            )
        )
        found.update((a, b) for a, b in rows if (a, b) in wanted)
    return found


def first_hits(
    hits: npt.NDArray[np.int64], values: common_values.CommonValues
) -> npt.NDArray[np.int64]:
    """For each of ``values``' pairs, the row of its first rule giving the smallest
    distance (what the pair is stored with, as `full_pass_candidates` proposes it)."""
    order = np.lexsort((hits[:, 3], hits[:, 2], values.hit_pair))
    return order[np.searchsorted(values.hit_pair[order], np.arange(len(values.pairs)))]


def full_pass_candidates(
    tables: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    workers: int | None = None,
) -> dict[tuple[int, int], Candidate]:
    """Every pair of photos some rule brings within its radius, keyed (low id, high id),
    with the first rule giving the smallest distance; ``tables`` as `load_signals` gives.
    (The full pass verifies only those `common_values` supports, see `match_all`.)"""
    hits = full_pass_hits(tables, workers)
    low, high = np.minimum(hits[:, 0], hits[:, 1]), np.maximum(hits[:, 0], hits[:, 1])
    order = np.lexsort((hits[:, 3], hits[:, 2], high, low))
    low, high, hits = low[order], high[order], hits[order]
    first = np.ones(len(hits), dtype=np.bool_)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    return {
        (a, b): Candidate(stored, RULE_NAMES[position], distance)
        for a, b, (_, stored, distance, position) in zip(
            low[first].tolist(), high[first].tolist(), hits[first].tolist(), strict=True
        )
    }


def full_pass_hits(
    tables: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    workers: int | None = None,
) -> npt.NDArray[np.int64]:
    """(query id, stored id, distance, rule position) rows for every rule; a rule within
    one signal gives each pair once, lower id first.

    A rule and its reverse (a window against the whole frame, the whole frame against
    that window) find the same pairs with the photos swapped, so the second of them
    takes the first one's rows, swapped, instead of searching again.
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    indexes: dict[tuple[str, int], HammingIndex] = {}
    rows = [np.empty((0, 4), dtype=np.int64)]
    searched: dict[tuple[str, str, int], npt.NDArray[np.int64]] = {}

    def index_of(name: str, radius: int) -> HammingIndex:
        # One index per signal, shared by every rule that searches it.
        if (name, radius) not in indexes:
            ids, values = tables.get(name, empty)
            indexes[name, radius] = HammingIndex(ids, values, max_radius=radius)
        return indexes[name, radius]

    for position, (query, stored, radius) in enumerate(similarity.CANDIDATE_RULES):
        q_ids, q_values = tables.get(query, empty)
        s_ids, s_values = tables.get(stored, empty)
        reverse = searched.get((stored, query, radius))
        if reverse is not None:
            found = reverse.reshape(-1, 3)[:, [1, 0, 2]]
        elif query == stored:
            found = index_of(stored, radius).pairs(radius, workers=workers)
        elif len(q_ids) <= CROSS_QUERY_SHARE * len(s_ids):
            found = _crossed(index_of(stored, radius), q_ids, q_values, radius, workers)
        elif len(s_ids) <= CROSS_QUERY_SHARE * len(q_ids):
            # Few stored values (a window kept for some photos only): they query the
            # query side's index, and the rows are turned round.
            found = _crossed(index_of(query, radius), s_ids, s_values, radius, workers)
            found = found[:, [1, 0, 2]]
        else:
            found = _tagged_pairs((s_ids, s_values), (q_ids, q_values), radius, workers)
        if query != stored:
            searched[query, stored, radius] = found
        rows.append(
            np.column_stack((found.reshape(-1, 3), np.full(len(found), position, np.int64)))
        )
    return np.concatenate(rows).astype(np.int64, copy=False)


def _crossed(
    index: HammingIndex,
    ids: npt.NDArray[np.int64],
    values: npt.NDArray[np.int64],
    radius: int,
    workers: int | None,
) -> npt.NDArray[np.int64]:
    """(query id, indexed id, distance) rows of these values against the index, a photo
    never paired with itself."""
    found = index.cross_pairs(ids, values, radius, workers=workers)
    return found[found[:, 0] != found[:, 1]]


def _tagged_pairs(
    stored: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    query: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    radius: int,
    workers: int | None,
) -> npt.NDArray[np.int64]:
    """(query id, stored id, distance) rows from one index over both sides, ids tagged
    by side: the all-pairs search's cache-friendly sweep beats querying when both
    sides are large (measured at 10^6 against 10^6: 12.7 s against 32.5 s of CPU)."""
    ids = np.concatenate([stored[0] * 2, query[0] * 2 + 1])
    values = np.concatenate([stored[1], query[1]])
    found = HammingIndex(ids, values, max_radius=radius).pairs(radius, workers=workers)
    a, b, distance = found[:, 0], found[:, 1], found[:, 2]
    across = ((a ^ b) & 1 == 1) & (a // 2 != b // 2)
    a, b, distance = a[across], b[across], distance[across]
    query_first = a % 2 == 1
    return np.column_stack(
        (np.where(query_first, a, b) // 2, np.where(query_first, b, a) // 2, distance)
    )


def _verify_and_store(
    session: Session, proposals: dict[tuple[int, int], Candidate]
) -> list[tuple[int, int]]:
    """Verify the proposed pairs that are not stored yet; returns those stored."""
    if not proposals:
        return []
    involved = sorted({i for pair in proposals for i in pair})
    existing = _stored_pairs(session, {a for a, _ in proposals}, proposals.keys())
    digests: dict[int, str] = {}
    for chunk in chunked(involved):
        rows = session.execute(select(Asset.id, Asset.content_digest).where(Asset.id.in_(chunk)))
        digests.update({asset_id: digest for asset_id, digest in rows})
    prints = fingerprints(session, [i for pair in proposals for i in pair])
    stored: list[tuple[int, int]] = []
    for (a, b), candidate in sorted(proposals.items()):
        if (a, b) in existing or digests.get(a) == digests.get(b):
            continue  # same pixels is its own, stronger level
        if a not in prints or b not in prints:
            continue
        result = verification.verify(prints[a][0], prints[b][0], prints[a][1], prints[b][1])
        if not result.same:
            continue
        session.add(
            DuplicatePair(
                asset_a=a,
                asset_b=b,
                signal=candidate.rule,
                distance=candidate.distance,
                score=round(float(result.score), 4),
                method=result.method,
                detail=result.detail,
                signals_version=similarity.SIGNALS_VERSION,
            )
        )
        stored.append((a, b))
    session.flush()
    return stored


# --- checking files that are not in the library ------------------------------------------


@dataclass
class CheckMatch:
    asset_id: int
    level: str
    distance: int | None
    why: str
    score: float | None


class _Candidates(Protocol):
    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        """Every stored photo some rule brings within its radius, with the closest rule."""
        ...


def matches_for(
    session: Session, analysis: Analysis, index: _Candidates | None = None
) -> list[CheckMatch]:
    """Every catalog photo the analysed file duplicates, at its strongest level.

    ``index`` is a loaded `SignalIndex` or a `lookup.CatalogLookup` (which `check` uses);
    both give the same candidates.
    """
    matches: dict[int, CheckMatch] = {}
    same = session.scalar(select(Asset.id).where(Asset.sha256 == analysis.sha256))
    if same is not None:
        matches[same] = CheckMatch(same, "identical", 0, "identical file: same SHA-256", 1.0)
    for asset_id in session.scalars(
        select(Asset.id).where(Asset.content_digest == analysis.content_digest)
    ):
        matches.setdefault(
            asset_id,
            CheckMatch(
                asset_id, "pixels", 0, "same pixels: content digest matches, metadata differs", 1.0
            ),
        )
    if analysis.fingerprint:
        index = index or SignalIndex(session)
        candidates = [c for c in index.candidates(analysis.hashes) if c.asset_id not in matches]
        prints = fingerprints(session, [c.asset_id for c in candidates])
        for candidate in candidates:
            stored = prints.get(candidate.asset_id)
            if stored is None:
                continue
            result = verification.verify(
                analysis.fingerprint, stored[0], analysis.features, stored[1]
            )
            if result.same:
                why = (
                    f"near-duplicate: {candidate.rule} at Hamming distance {candidate.distance}; "
                    f"verified by {result.method} (score {result.score:.3f}): {result.detail}"
                )
                matches[candidate.asset_id] = CheckMatch(
                    candidate.asset_id,
                    "near",
                    candidate.distance,
                    why,
                    round(float(result.score), 4),
                )
    if analysis.regions:
        index = index or SignalIndex(session)
        shown = containment.shown_photos(session, analysis.regions, index)
        for asset_id, (where, _share, result) in sorted(shown.items()):
            if asset_id in matches:
                continue
            why = (
                f"{where}; verified by {result.method} (score {result.score:.3f}): {result.detail}"
            )
            matches[asset_id] = CheckMatch(
                asset_id, "contains", None, why, round(float(result.score), 4)
            )
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(matches.values(), key=lambda m: (order[m.level], m.distance or 0, m.asset_id))
