"""Exact Hamming-radius search over 64-bit perceptual hashes by multi-index hashing."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import numpy.typing as npt

from library.duplicates.hashbits import (
    HASH_BITS,
    BoolArray,
    HashArray,
    IntArray,
    PairSlots,
    SizeArray,
    _as_id_array,
    _as_uint64_array,
    _check_radius,
    _hash_as_uint64,
    _pairs_from_positions,
    _require_unique,
    _sorted_matches,
    _validated_items,
    popcount64,
)
from library.processes import die_with_parent

DEFAULT_MAX_RADIUS = 8


#: A substring key indexes a dense offsets table, so wider substrings would cost too much memory.
_MAX_SUBSTRING_BITS = 24


_MIN_SUBSTRINGS = -(-HASH_BITS // _MAX_SUBSTRING_BITS)


#: Cost of verifying one candidate relative to one bucket probe, for choosing m.
_CANDIDATE_COST = 2.0


#: Added hashes are scanned linearly until the buffer outgrows 1/_DELTA_SHARE of the tables.
_DELTA_SHARE = 8


_MIN_DELTA = 4096


#: Indexes up to this size answer a query by scanning every hash.
_SCAN_ITEMS = 4096


#: Bucket probes per pairs() work unit: enough to amortise numpy's per-call overhead, few
#: enough to balance the workers' load; temporaries stay at a few MB per worker.
_PROBES_PER_TASK = 1 << 21


#: Smallest index for which pairs() starts worker processes by default.
_PARALLEL_MIN_ITEMS = 50_000


@dataclass(frozen=True)
class _Substring:
    """Bits [shift, shift + bits) of a hash, used as a bucket key."""

    shift: int
    bits: int

    def keys(self, hashes: HashArray) -> IntArray:
        mask = np.uint64((1 << self.bits) - 1)
        return ((hashes >> np.uint64(self.shift)) & mask).astype(np.int64)

    def key(self, hash_: int) -> int:
        return (hash_ >> self.shift) & ((1 << self.bits) - 1)


def _split(count: int) -> tuple[_Substring, ...]:
    """Near-equal widths; the wider substrings come first, where radii are largest."""
    base, extra = divmod(HASH_BITS, count)
    widths = [base + (1 if i < extra else 0) for i in range(count)]
    shifts = np.cumsum([0, *widths[:-1]]).tolist()
    return tuple(_Substring(s, w) for s, w in zip(shifts, widths, strict=True))


def _substring_radii(radius: int, count: int) -> tuple[int, ...]:
    """Per-substring probe radii; -1 means the substring need not be probed.

    With radius = s*count + a, a pair within the radius is within s on one of the first
    a + 1 substrings or within s - 1 on one of the others, or else the distances would sum
    to at least (a + 1)(s + 1) + (count - a - 1)s = radius + 1.
    """
    s, a = divmod(radius, count)
    return tuple(s if i <= a else s - 1 for i in range(count))


#: Query hashes times scanned hashes compared in one numpy call by `query_many`: its
#: distance matrix stays a few megabytes however large the batch.
_SCAN_CELLS = 1 << 20


def _row_chunks(rows: int, width: int) -> list[tuple[int, int]]:
    step = max(1, _SCAN_CELLS // max(width, 1))
    return [(start, min(start + step, rows)) for start in range(0, rows, step)]


def _ball_size(bits: int, radius: int) -> int:
    return sum(math.comb(bits, k) for k in range(min(radius, bits) + 1)) if radius >= 0 else 0


def _probe_cost(n: int, max_radius: int, count: int) -> float:
    """Bucket probes plus expected random candidates for one query: what a plan costs.

    A candidate costs about two probes (its slot and its hash are both random reads), which
    matches measured pairs() times: m = 3 and m = 4 break even near N = 10^5 for radius 8.
    """
    balls, buckets = _plan_terms(max_radius, count)
    return float(np.sum(balls * (1.0 + _CANDIDATE_COST * n / buckets)))


@lru_cache(maxsize=1024)
def _plan_terms(max_radius: int, count: int) -> tuple[npt.NDArray[np.float64], ...]:
    """Per probed substring: its ball size and bucket count (what the cost depends on).

    Cached, because every index of an ingest run plans for the same sizes and the
    binomial sums cost far more than the arithmetic on them.
    """
    terms = [
        (_ball_size(sub.bits, r), 1 << sub.bits)
        for sub, r in zip(_split(count), _substring_radii(max_radius, count), strict=True)
    ]
    return (
        np.array([ball for ball, _ in terms], dtype=np.float64),
        np.array([buckets for _, buckets in terms], dtype=np.float64),
    )


@lru_cache(maxsize=256)
def _choose_substring_count(n: int, max_radius: int) -> int:
    """Few wide substrings suit large N (buckets stay sparse); many narrow ones suit small N."""
    counts = range(_MIN_SUBSTRINGS, HASH_BITS + 1)
    return min(counts, key=lambda m: (_probe_cost(n, max_radius, m), m))


@lru_cache(maxsize=256)
def _flip_masks(bits: int, radius: int) -> IntArray:
    """Every key differing from 0 in at most `radius` of `bits` bits, 0 first."""
    masks = [
        sum(1 << b for b in chosen)
        for weight in range(min(radius, bits) + 1)
        for chosen in combinations(range(bits), weight)
    ]
    return np.array(masks, dtype=np.int64)


@lru_cache(maxsize=256)
def _masks_by_top_bit(bits: int, radius: int) -> tuple[IntArray, ...]:
    """Non-zero flip masks grouped by their highest bit.

    A key k probes k ^ f only when f's top bit is clear in k (so k ^ f > k); the partner
    bucket probes back with the same f and is skipped, so every pair is generated once.
    """
    masks = _flip_masks(bits, radius)[1:]
    top = np.zeros(len(masks), dtype=np.int64)
    for bit in range(bits):
        top[(masks >> bit) & 1 == 1] = bit
    return tuple(masks[top == bit] for bit in range(bits))


def _expand_ranges(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """(which range, position) for every position in the ranges [start, start + count)."""
    total = int(counts.sum())
    which = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    before = np.cumsum(counts) - counts
    positions = np.arange(total, dtype=np.int64) + (starts - before)[which]
    return which, positions


@dataclass(frozen=True)
class _Table:
    """Slots sorted by one substring's key, bucketed so a probe is two reads of `offsets`."""

    substring: _Substring
    #: Slots ordered by key; stable, so slots ascend inside a bucket.
    order: IntArray
    #: Bucket k is order[offsets[k]:offsets[k + 1]].
    offsets: IntArray

    @classmethod
    def build(cls, substring: _Substring, hashes: HashArray) -> _Table:
        keys = substring.keys(hashes)
        order = np.argsort(keys, kind="stable").astype(np.int64)
        return cls(substring, order, _offsets_from_counts(_bucket_counts(substring, keys)))

    def compacted(self, hashes: HashArray, keep: BoolArray, new_slot: IntArray) -> _Table:
        """Drop removed slots and renumber the rest, keeping the sort without re-sorting."""
        dropped = _bucket_counts(self.substring, self.substring.keys(hashes[~keep]))
        order = new_slot[self.order[keep[self.order]]]
        return _Table(self.substring, order, self.offsets - _offsets_from_counts(dropped))

    def appended(self, hashes: HashArray, first_slot: int) -> _Table:
        """Merge new slots in at the end of their buckets: O(N + k log k), no full sort."""
        keys = self.substring.keys(hashes)
        by_key = np.argsort(keys, kind="stable")
        at = self.offsets[keys[by_key] + 1]
        order = np.insert(self.order, at, by_key + first_slot)
        offsets = self.offsets + _offsets_from_counts(_bucket_counts(self.substring, keys))
        return _Table(self.substring, order, offsets)


@dataclass(frozen=True)
class _FlatTables:
    """Every table's slots and offsets in two arrays, so a query probes all tables at once.

    Holding only this form (per-table arrays are sliced out when needed) keeps one copy.
    """

    substrings: tuple[_Substring, ...]
    #: Table t's slots in key order are order[t * n : (t + 1) * n].
    order: IntArray
    #: Table t's bucket k is order[offsets[bases[t] + k] : offsets[bases[t] + k + 1]].
    offsets: IntArray
    bases: tuple[int, ...]

    @classmethod
    def of(cls, tables: list[_Table]) -> _FlatTables:
        n = len(tables[0].order)
        bases = np.cumsum([0] + [len(t.offsets) for t in tables[:-1]]).tolist()
        order = np.concatenate([t.order for t in tables])
        offsets = np.concatenate([t.offsets + i * n for i, t in enumerate(tables)])
        return cls(tuple(t.substring for t in tables), order, offsets, tuple(bases))

    def tables(self) -> list[_Table]:
        n = len(self.order) // len(self.substrings)
        return [
            _Table(
                sub,
                self.order[i * n : (i + 1) * n],
                self.offsets[base : base + (1 << sub.bits) + 1] - i * n,
            )
            for i, (sub, base) in enumerate(zip(self.substrings, self.bases, strict=True))
        ]

    def candidates(self, hash_: int, radii: tuple[int, ...]) -> IntArray:
        """Slots whose key in some table is within that table's radius of the target's key."""
        table, masks, bases = _query_plan(self.substrings, self.bases, radii)
        keys = np.array([sub.key(hash_) for sub in self.substrings], dtype=np.int64)
        probes = (keys[table] ^ masks) + bases
        starts = self.offsets[probes]
        _, positions = _expand_ranges(starts, self.offsets[probes + 1] - starts)
        return self.order[positions]


@lru_cache(maxsize=64)
def _query_plan(
    substrings: tuple[_Substring, ...], bases: tuple[int, ...], radii: tuple[int, ...]
) -> tuple[IntArray, IntArray, IntArray]:
    """(table, flip mask, bucket base) of every probe a query at these radii makes."""
    per_table = [
        (i, _flip_masks(sub.bits, r), base)
        for i, (sub, base, r) in enumerate(zip(substrings, bases, radii, strict=True))
        if r >= 0
    ]
    table = np.concatenate([np.full(len(m), i, dtype=np.int64) for i, m, _ in per_table])
    masks = np.concatenate([m for _, m, _ in per_table])
    base = np.concatenate([np.full(len(m), b, dtype=np.int64) for _, m, b in per_table])
    return table, masks, base


def _bucket_counts(substring: _Substring, keys: IntArray) -> IntArray:
    return np.bincount(keys, minlength=1 << substring.bits).astype(np.int64)


def _offsets_from_counts(counts: IntArray) -> IntArray:
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


@dataclass(frozen=True)
class _SortedView:
    """A table's hashes and keys laid out in bucket order, so pair checks read sequentially."""

    table: _Table
    hashes: HashArray
    keys: IntArray
    #: Bucket sizes, narrow so the many probes that find nothing read little memory.
    sizes: SizeArray

    @classmethod
    def of(cls, table: _Table, hashes: HashArray) -> _SortedView:
        ordered = hashes[table.order]
        sizes: SizeArray = np.diff(table.offsets)
        if len(hashes) < np.iinfo(np.int32).max:
            sizes = sizes.astype(np.int32)
        return cls(table, ordered, table.substring.keys(ordered), sizes)


@dataclass(frozen=True)
class _PairTask:
    """Rows [lo, hi) of view `table`, probed at `radius` for pairs within `max_dist`.

    It names its view by position rather than holding it, so sending a task to a worker
    process costs a few bytes; the views reach workers once, when the pool starts.
    """

    table: int
    lo: int
    hi: int
    radius: int
    max_dist: int
    #: Substrings probed before this one: a pair close on any of them was reported there.
    earlier: tuple[tuple[_Substring, int], ...]


def _run_pair_task(views: list[_SortedView], task: _PairTask) -> PairSlots:
    """Slot pairs found by one task: candidates from the buckets, verified by full distance."""
    view = views[task.table]
    found = [_verified(view, task, left, right) for left, right in _candidate_groups(view, task)]
    slots_a, slots_b, dist = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return slots_a, slots_b, dist


def _candidate_groups(view: _SortedView, task: _PairTask) -> Iterator[tuple[IntArray, IntArray]]:
    """Position pairs whose keys are within the task's radius, in groups of modest size."""
    offsets = view.table.offsets
    rows = np.arange(task.lo, task.hi, dtype=np.int64)
    keys = view.keys[task.lo : task.hi]
    # Same key: only later positions in the bucket, so each pair is produced once.
    later = offsets[keys + 1] - rows - 1
    same = np.flatnonzero(later > 0)
    yield from _range_pairs(rows[same], rows[same] + 1, later[same])
    for bit, masks in enumerate(_masks_by_top_bit(view.table.substring.bits, task.radius)):
        if masks.size:
            yield from _range_pairs(*_probe_higher(rows, keys, view, bit, masks))


def _verified(view: _SortedView, task: _PairTask, left: IntArray, right: IntArray) -> PairSlots:
    """Keep true pairs not already reported by an earlier substring, as slots."""
    xor = view.hashes[left] ^ view.hashes[right]
    near = np.flatnonzero(popcount64(xor) <= task.max_dist)
    left, right, xor = left[near], right[near], xor[near]
    for substring, radius in task.earlier:
        fresh = np.flatnonzero(popcount64(substring.keys(xor)) > radius)
        left, right, xor = left[fresh], right[fresh], xor[fresh]
    order = view.table.order
    return order[left], order[right], popcount64(xor).astype(np.int64)


def _range_pairs(
    owners: IntArray, starts: IntArray, counts: SizeArray
) -> Iterator[tuple[IntArray, IntArray]]:
    """(owner, position) for every position of the non-empty ranges [start, start + count).

    Most buckets hold one hash, so every range's first position goes out as is and only
    the few longer ranges pay for the general expansion.
    """
    yield owners, starts
    many = np.flatnonzero(counts > 1)
    if many.size:
        which, positions = _expand_ranges(starts[many] + 1, counts[many].astype(np.int64) - 1)
        yield owners[many][which], positions


def _probe_higher(
    rows: IntArray, keys: IntArray, view: _SortedView, bit: int, masks: IntArray
) -> tuple[IntArray, IntArray, SizeArray]:
    """Probe key ^ mask for rows whose key has `bit` clear, i.e. only larger partner keys.

    Mask-major order keeps each mask's probes inside a narrow band of the offsets table,
    since the rows of a task have neighbouring keys.
    """
    clear = np.flatnonzero((keys >> bit) & 1 == 0)
    probes = (masks[:, None] ^ keys[None, clear]).ravel()
    counts = view.sizes[probes]
    hit = np.flatnonzero(counts > 0)
    owners = np.tile(rows[clear], len(masks))[hit]  # cheaper than hit % len(clear)
    return owners, view.table.offsets[probes[hit]], counts[hit]


def _pair_tasks(views: list[_SortedView], radii: list[int], max_dist: int) -> list[_PairTask]:
    """Split every probed table into row ranges of roughly _PROBES_PER_TASK probes."""
    tasks: list[_PairTask] = []
    earlier: list[tuple[_Substring, int]] = []
    for table, (view, radius) in enumerate(zip(views, radii, strict=True)):
        n = len(view.hashes)
        step = max(1, _PROBES_PER_TASK // (_ball_size(view.table.substring.bits, radius) // 2 + 1))
        tasks += [
            _PairTask(table, lo, min(lo + step, n), radius, max_dist, tuple(earlier))
            for lo in range(0, n, step)
        ]
        earlier.append((view.table.substring, radius))
    return tasks


def _run_pair_tasks(
    views: list[_SortedView], tasks: list[_PairTask], workers: int
) -> list[PairSlots]:
    """Run tasks in worker processes: numpy holds the GIL too often for threads to scale.

    Forked workers share the views copy-on-write; elsewhere they are pickled once per worker.
    """
    if workers <= 1 or len(tasks) <= 1:
        return [_run_pair_task(views, task) for task in tasks]
    method = "fork" if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=mp.get_context(method),
        initializer=_start_worker,
        initargs=(views,),
    ) as pool:
        return list(pool.map(_run_in_worker, tasks))


#: The views of the pairs() call a worker process serves, set when the worker starts.
_WORKER_VIEWS: list[_SortedView] = []


def _start_worker(views: list[_SortedView]) -> None:
    die_with_parent()
    _WORKER_VIEWS[:] = views


def _run_in_worker(task: _PairTask) -> PairSlots:
    return _run_pair_task(_WORKER_VIEWS, task)


def _worker_count(workers: int | None, n: int) -> int:
    """Below _PARALLEL_MIN_ITEMS starting processes costs more than it saves."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        return workers
    if n < _PARALLEL_MIN_ITEMS:
        return 1
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


#: Probes per cross_pairs() work unit, as for pairs().
_CROSS_PROBES_PER_TASK = 1 << 20


@dataclass(frozen=True)
class _CrossSide:
    """What a cross_pairs() task reads: the index's tables and hashes and the query hashes.

    Workers receive it once, when the pool starts; tasks are only row ranges.
    """

    tables: _FlatTables
    hashes: HashArray
    alive: BoolArray
    queries: HashArray
    radii: tuple[int, ...]
    limit: int


def _run_cross_task(side: _CrossSide, lo: int, hi: int) -> PairSlots:
    """(query row, slot, distance) of every stored hash within the limit of queries[lo:hi].

    A pair is kept only from the first table that can find it, so no pair repeats
    (as `_verified` does for pairs()).
    """
    queries = side.queries[lo:hi]
    found: list[PairSlots] = []
    earlier: list[tuple[_Substring, int]] = []
    for sub, base, radius in zip(
        side.tables.substrings, side.tables.bases, side.radii, strict=True
    ):
        if radius < 0:
            continue
        masks = _flip_masks(sub.bits, radius)
        probes = ((sub.keys(queries)[:, None] ^ masks[None, :]) + base).ravel()
        starts = side.tables.offsets[probes]
        which, positions = _expand_ranges(starts, side.tables.offsets[probes + 1] - starts)
        rows = which // len(masks)
        slots = side.tables.order[positions]
        xor = side.hashes[slots] ^ queries[rows]
        dist = popcount64(xor)
        keep = (dist <= side.limit) & side.alive[slots]
        for done, done_radius in earlier:
            keep &= popcount64(done.keys(xor)) > done_radius
        hit = np.flatnonzero(keep)
        found.append((rows[hit] + lo, slots[hit], dist[hit].astype(np.int64)))
        earlier.append((sub, radius))
    rows_, slots_, dist_ = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return rows_, slots_, dist_


#: The cross_pairs() side a worker process serves, set when the worker starts.
_WORKER_SIDE: list[_CrossSide] = []


def _start_cross_worker(side: _CrossSide) -> None:
    die_with_parent()
    _WORKER_SIDE[:] = [side]


def _run_cross_in_worker(bounds: tuple[int, int]) -> PairSlots:
    return _run_cross_task(_WORKER_SIDE[0], *bounds)


def _run_cross_tasks(
    side: _CrossSide, bounds: list[tuple[int, int]], workers: int
) -> list[PairSlots]:
    """As _run_pair_tasks: forked workers share the side copy-on-write."""
    if workers <= 1 or len(bounds) <= 1:
        return [_run_cross_task(side, lo, hi) for lo, hi in bounds]
    method = "fork" if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(
        max_workers=min(workers, len(bounds)),
        mp_context=mp.get_context(method),
        initializer=_start_cross_worker,
        initargs=(side,),
    ) as pool:
        return list(pool.map(_run_cross_in_worker, bounds))


class HammingIndex:
    """Every stored hash within a Hamming radius, exactly, without scanning all of them.

    The 64 bits are split into m substrings. A pair within the radius is close on at least
    one substring (pigeonhole), so a query probes each substring's buckets at that small
    radius and confirms the few candidates with a full 64-bit distance.
    """

    _tables: _FlatTables
    _planned_for: int
    #: Main items by slot; the tables hold slots.
    _ids: IntArray
    _hashes: HashArray
    _alive: BoolArray
    _dead: int
    #: All main ids sorted, with their slots, to find items by id.
    _sorted_ids: IntArray
    _id_order: IntArray
    #: Added items not yet merged into the tables; queries scan them.
    _delta_ids: IntArray
    _delta_hashes: HashArray

    def __init__(
        self,
        ids: npt.ArrayLike,
        hashes: npt.ArrayLike,
        max_radius: int = DEFAULT_MAX_RADIUS,
        *,
        substrings: int | None = None,
    ) -> None:
        self._max_radius = _check_radius(max_radius, "max_radius")
        if substrings is not None and not _MIN_SUBSTRINGS <= substrings <= HASH_BITS:
            raise ValueError(f"substrings must be in {_MIN_SUBSTRINGS}..{HASH_BITS}")
        self._fixed_count = substrings
        id_arr, hash_arr = _validated_items(ids, hashes)
        _require_unique(id_arr, "ids")
        # Copies, so a caller reusing its arrays cannot silently corrupt the tables.
        self._build(id_arr.copy(), hash_arr.copy())

    # -- public API --

    @property
    def max_radius(self) -> int:
        return self._max_radius

    @property
    def substrings(self) -> int:
        """How many substrings the bits are split into (chosen for the size when built)."""
        return len(self._tables.substrings)

    def __len__(self) -> int:
        return len(self._ids) - self._dead + len(self._delta_ids)

    def query(self, hash: int, radius: int | None = None) -> list[tuple[int, int]]:
        """(id, distance) of every stored hash within `radius`, nearest first, then by id."""
        limit = self._radius(radius)
        target = _hash_as_uint64(hash)
        main_ids, main_dist = self._query_tables(target, limit)
        delta_dist = popcount64(self._delta_hashes ^ np.uint64(target)).astype(np.int64)
        near = delta_dist <= limit
        return _sorted_matches(
            np.concatenate((main_ids, self._delta_ids[near])),
            np.concatenate((main_dist, delta_dist[near])),
        )

    def query_many(self, hashes: npt.ArrayLike, radius: int | None = None) -> IntArray:
        """(query row, id, distance) rows: `query` of each hash, in the order of the hashes.

        An ingest batch asks some eighty rules for each of its photos. One call per
        rule for the whole batch makes a few numpy calls where a call per photo made
        a few per photo and rule, which was a fifth of an ingest's catalog work.
        """
        limit = self._radius(radius)
        targets = _as_uint64_array(hashes, "hashes").ravel()
        rows: list[IntArray] = []
        ids: list[IntArray] = []
        dists: list[IntArray] = []
        scanned = len(self._hashes) <= _SCAN_ITEMS
        width = (len(self._hashes) if scanned else 0) + len(self._delta_hashes)
        for start, stop in _row_chunks(len(targets), width):
            chunk = targets[start:stop]
            if scanned:
                found = self._scan(chunk, self._hashes, limit, self._alive)
                rows.append(found[0] + start)
                ids.append(self._ids[found[1]])
                dists.append(found[2])
            if len(self._delta_hashes):
                found = self._scan(chunk, self._delta_hashes, limit)
                rows.append(found[0] + start)
                ids.append(self._delta_ids[found[1]])
                dists.append(found[2])
        if not scanned:
            for row, target in enumerate(targets.tolist()):
                main_ids, main_dist = self._query_tables(target, limit)
                rows.append(np.full(len(main_ids), row, dtype=np.int64))
                ids.append(main_ids)
                dists.append(main_dist)
        if not rows:
            return np.empty((0, 3), dtype=np.int64)
        row_arr, id_arr, dist_arr = (np.concatenate(parts) for parts in (rows, ids, dists))
        order = np.lexsort((id_arr, dist_arr, row_arr))
        return np.column_stack((row_arr[order], id_arr[order], dist_arr[order])).astype(np.int64)

    @staticmethod
    def _scan(
        targets: HashArray, stored: HashArray, limit: int, alive: BoolArray | None = None
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query row, stored slot, distance) of every stored hash within ``limit``."""
        dist = popcount64(stored[None, :] ^ targets[:, None])
        near = dist <= limit
        if alive is not None:
            near &= alive[None, :]
        found_rows, slots = np.nonzero(near)
        return found_rows, slots, dist[found_rows, slots].astype(np.int64)

    def pairs(self, radius: int | None = None, *, workers: int | None = None) -> IntArray:
        """(id_a, id_b, distance) rows, id_a < id_b, for every pair within `radius`, sorted.

        Each substring's rows are probed in independent chunks, spread over `workers`
        processes (default: one per core once the index is large enough to repay them).
        """
        limit = self._radius(radius)
        self._flush()
        tables = self._tables.tables()
        probed = [
            (table, r)
            for table, r in zip(tables, _substring_radii(limit, len(tables)), strict=True)
            if r >= 0
        ]
        views = [_SortedView.of(table, self._hashes) for table, _ in probed]
        tasks = _pair_tasks(views, [r for _, r in probed], limit)
        found = _run_pair_tasks(views, tasks, _worker_count(workers, len(self._ids)))
        return _pairs_from_positions(self._ids, found)

    def cross_pairs(
        self,
        ids: npt.ArrayLike,
        hashes: npt.ArrayLike,
        radius: int | None = None,
        *,
        workers: int | None = None,
    ) -> IntArray:
        """(query id, stored id, distance) rows for every query hash within `radius` of a
        stored one, sorted: a bipartite all-pairs, each query probing the tables once.

        Cross-signal rules (a turned pHash against stored pHashes) want only pairs across
        the two sides; an index over both sides would also find, and throw away, every
        pair within each side. Query ids need not be unique nor differ from stored ids.
        """
        limit = self._radius(radius)
        query_ids, query_hashes = _validated_items(ids, hashes)
        self._flush()
        if not len(query_ids) or not len(self._ids):
            return np.empty((0, 3), dtype=np.int64)
        radii = _substring_radii(limit, self.substrings)
        side = _CrossSide(self._tables, self._hashes, self._alive, query_hashes, radii, limit)
        per_query = sum(
            _ball_size(sub.bits, r) for sub, r in zip(self._tables.substrings, radii, strict=True)
        )
        step = max(1, _CROSS_PROBES_PER_TASK // max(per_query, 1))
        bounds = [(lo, min(lo + step, len(query_ids))) for lo in range(0, len(query_ids), step)]
        workers_ = _worker_count(workers, max(len(query_ids), len(self._ids)))
        found = _run_cross_tasks(side, bounds, workers_)
        rows, slots, dist = (np.concatenate(parts) for parts in zip(*found, strict=True))
        left, right = query_ids[rows], self._ids[slots]
        order = np.lexsort((right, left))
        return np.column_stack((left[order], right[order], dist[order])).astype(np.int64)

    def add(self, ids: npt.ArrayLike, hashes: npt.ArrayLike) -> None:
        """Insert items; they go to a small scanned buffer merged into the tables lazily."""
        id_arr, hash_arr = _validated_items(ids, hashes)
        _require_unique(id_arr, "added ids")
        stored = self._stored_mask(id_arr)
        if stored.any():
            raise ValueError(f"id {int(id_arr[stored][0])} is already in the index")
        self._delta_ids = np.concatenate((self._delta_ids, id_arr))
        self._delta_hashes = np.concatenate((self._delta_hashes, hash_arr))
        self._maybe_flush()

    def remove(self, ids: npt.ArrayLike) -> None:
        """Delete items by id; removed slots are skipped until the next merge drops them."""
        id_arr = np.unique(_as_id_array(ids))
        in_delta = np.isin(self._delta_ids, id_arr)
        slots = self._alive_slots(id_arr)
        missing = ~np.isin(id_arr, self._delta_ids[in_delta]) & (slots < 0)
        if missing.any():
            raise ValueError(f"id {int(id_arr[missing][0])} is not in the index")
        self._delta_ids, self._delta_hashes = (
            self._delta_ids[~in_delta],
            self._delta_hashes[~in_delta],
        )
        self._alive[slots[slots >= 0]] = False
        self._dead = int(len(self._alive) - np.count_nonzero(self._alive))
        self._maybe_flush()

    # -- building and merging --

    def _build(self, ids: IntArray, hashes: HashArray) -> None:
        """Sort every substring table from scratch; used at construction and on re-planning."""
        self._planned_for = len(ids)
        count = self._fixed_count or _choose_substring_count(len(ids), self._max_radius)
        self._tables = _FlatTables.of([_Table.build(sub, hashes) for sub in _split(count)])
        self._set_main(ids, hashes)
        self._id_order = np.argsort(ids, kind="stable").astype(np.int64)
        self._sorted_ids = ids[self._id_order]

    def _set_main(self, ids: IntArray, hashes: HashArray) -> None:
        self._ids, self._hashes = ids, hashes
        self._alive = np.ones(len(ids), dtype=np.bool_)
        self._dead = 0
        self._delta_ids = np.empty(0, dtype=np.int64)
        self._delta_hashes = np.empty(0, dtype=np.uint64)

    def _maybe_flush(self) -> None:
        """Merge once scanning the buffer (and skipping removed slots) starts to cost."""
        if len(self._delta_ids) + self._dead > max(_MIN_DELTA, len(self._ids) // _DELTA_SHARE):
            self._flush()

    def _flush(self) -> None:
        """Fold the buffer into the tables and drop removed slots."""
        if not len(self._delta_ids) and not self._dead:
            return
        keep = self._alive
        ids = np.concatenate((self._ids[keep], self._delta_ids))
        hashes = np.concatenate((self._hashes[keep], self._delta_hashes))
        if self._needs_new_plan(len(ids)):
            self._build(ids, hashes)
            return
        new_slot = np.cumsum(keep, dtype=np.int64) - 1
        first = int(np.count_nonzero(keep))
        tables = [
            t.compacted(self._hashes, keep, new_slot).appended(self._delta_hashes, first)
            for t in self._tables.tables()
        ]
        self._tables = _FlatTables.of(tables)
        self._merge_id_map(keep, new_slot, first)
        self._set_main(ids, hashes)

    def _needs_new_plan(self, n: int) -> bool:
        """Re-plan only on a doubling or halving, so sizes near a threshold do not thrash."""
        if self._fixed_count is not None:
            return False
        if self._planned_for // 2 < n < 2 * max(self._planned_for, 1):
            return False
        return _choose_substring_count(n, self._max_radius) != self.substrings

    def _merge_id_map(self, keep: BoolArray, new_slot: IntArray, first: int) -> None:
        live = keep[self._id_order]
        sorted_ids, slots = self._sorted_ids[live], new_slot[self._id_order[live]]
        by_id = np.argsort(self._delta_ids, kind="stable")
        at = np.searchsorted(sorted_ids, self._delta_ids[by_id])
        self._sorted_ids = np.insert(sorted_ids, at, self._delta_ids[by_id])
        self._id_order = np.insert(slots, at, by_id + first)

    # -- lookups --

    def _radius(self, radius: int | None) -> int:
        if radius is None:
            return self._max_radius
        limit = _check_radius(radius, "radius")
        if limit > self._max_radius:
            raise ValueError(f"radius {limit} exceeds this index's max_radius {self._max_radius}")
        return limit

    def _query_tables(self, target: int, limit: int) -> tuple[IntArray, IntArray]:
        """Verify every candidate, then drop repeats (a slot can match in several tables).

        Deduplicating only the few matches is much cheaper than all the candidates.
        A small index is simply scanned: a few thousand XORs cost less than planning
        the probes, which is the common case of a new or small library.
        """
        if len(self._hashes) <= _SCAN_ITEMS:
            dist = popcount64(self._hashes ^ np.uint64(target))
            matched = np.flatnonzero((dist <= limit) & self._alive)
            return self._ids[matched], dist[matched].astype(np.int64)
        slots = self._tables.candidates(target, _substring_radii(limit, self.substrings))
        dist = popcount64(self._hashes[slots] ^ np.uint64(target))
        keep = np.flatnonzero((dist <= limit) & self._alive[slots])
        matched, first = np.unique(slots[keep], return_index=True)
        return self._ids[matched], dist[keep][first].astype(np.int64)

    def _alive_slots(self, ids: IntArray) -> IntArray:
        """Slot of each id among the live sorted items, or -1."""
        if not len(self._sorted_ids):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted_ids, ids), len(self._sorted_ids) - 1)
        slots = self._id_order[at]
        found = (self._sorted_ids[at] == ids) & self._alive[slots]
        return np.where(found, slots, -1)

    def _stored_mask(self, ids: IntArray) -> BoolArray:
        return (self._alive_slots(ids) >= 0) | np.isin(ids, self._delta_ids)
