"""The Hamming index must agree exactly with brute force, however the data is shaped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from library.duplicates import hamming, hashbits
from library.duplicates.hamming import HammingIndex
from library.duplicates.hashbits import (
    brute_force_pairs,
    brute_force_query,
    hamming_distance,
    popcount64,
)

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def as_signed(value: int) -> int:
    """Hashes are stored as int64, so unsigned patterns are folded into that range."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def flip(value: int, bits: list[int] | np.ndarray) -> int:
    return as_signed(value ^ sum(1 << int(b) for b in set(bits)))


def random_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform hashes (half of them negative) under sparse, shuffled, partly negative ids."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(INT64_MIN, INT64_MAX, size=n, dtype=np.int64, endpoint=True)
    ids = rng.choice(10**9, size=n, replace=False).astype(np.int64) * 7 - 50_000
    return ids, hashes


def clustered_data(
    seeds: int, per_seed: int, seed: int, max_flips: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Groups of variants 0..max_flips bits from a seed hash, exact duplicates included."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(INT64_MIN, INT64_MAX, size=seeds, dtype=np.int64, endpoint=True)
    centres[0] = -1  # every bit set
    centres[1] = INT64_MIN  # only the sign bit set
    values = []
    for centre in centres.tolist():
        values.append(centre)
        values.append(centre)  # a duplicate of the seed
        for _ in range(per_seed):
            values.append(flip(centre, rng.permutation(64)[: rng.integers(0, max_flips + 1)]))
    hashes = np.array(values, dtype=np.int64)
    ids = rng.choice(10**8, size=len(hashes), replace=False).astype(np.int64) * 9_973 + 10**6
    return ids, hashes


@pytest.fixture(autouse=True)
def probe_small_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """These sets are small enough to be scanned; probe the tables, which big ones use.

    The scan has its own tests below, which undo this.
    """
    monkeypatch.setattr(hamming, "_SCAN_ITEMS", 0)


def assert_pairs_match(
    index: HammingIndex, ids: np.ndarray, hashes: np.ndarray, radius: int
) -> np.ndarray:
    expected = brute_force_pairs(ids, hashes, radius)
    got = index.pairs(radius)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    return expected


def assert_queries_match(
    index: HammingIndex, ids: np.ndarray, hashes: np.ndarray, targets: list[int], radius: int
) -> int:
    """Returns how many matches were compared, so callers can insist the check had teeth."""
    compared = 0
    for target in targets:
        expected = brute_force_query(ids, hashes, target, radius)
        assert index.query(target, radius) == expected, (target, radius)
        compared += len(expected)
    return compared


# --- helpers and the reference itself ---------------------------------------------------------


def test_popcount_counts_twos_complement_bits() -> None:
    values = [0, 1, -1, INT64_MIN, INT64_MAX, 0x0F0F, -2, 12345678901234]
    expected = [bin(v & ((1 << 64) - 1)).count("1") for v in values]
    arr = np.array(values, dtype=np.int64)
    assert popcount64(arr).tolist() == expected
    assert popcount64(arr.view(np.uint64)).tolist() == expected
    assert hashbits._swar_popcount(arr.view(np.uint64)).tolist() == expected


def test_popcount_fallback_agrees_on_random_values() -> None:
    _, hashes = random_data(2000, seed=1)
    bits = hashes.view(np.uint64)
    np.testing.assert_array_equal(hashbits._swar_popcount(bits), popcount64(hashes))


def test_hamming_distance_accepts_signed_and_unsigned_spellings() -> None:
    assert hamming_distance(-1, 0) == 64
    assert hamming_distance(-1, (1 << 64) - 1) == 0
    assert hamming_distance(INT64_MIN, 0) == 1
    assert hamming_distance(INT64_MIN, INT64_MAX) == 64
    assert hamming_distance(0b1011, 0b0110) == 3
    with pytest.raises(ValueError, match="64 bits"):
        hamming_distance(1 << 64, 0)


def test_brute_force_pairs_matches_a_plain_double_loop() -> None:
    ids, hashes = clustered_data(seeds=3, per_seed=8, seed=2)
    expected = sorted(
        (min(ids[i], ids[j]), max(ids[i], ids[j]), hamming_distance(int(hashes[i]), int(hashes[j])))
        for i, j in combinations(range(len(ids)), 2)
        if hamming_distance(int(hashes[i]), int(hashes[j])) <= 8
    )
    assert len(expected) > 10
    assert brute_force_pairs(ids, hashes, 8).tolist() == [list(map(int, row)) for row in expected]


def test_brute_force_query_is_sorted_by_distance_then_id() -> None:
    hashes = np.array([0b111, 0b1, 0b0, 0b11, 0b1], dtype=np.int64)
    ids = np.array([50, 40, 30, 20, 10], dtype=np.int64)
    assert brute_force_query(ids, hashes, 0, 2) == [(30, 0), (10, 1), (40, 1), (20, 2)]


# --- query and pairs against brute force ------------------------------------------------------


@pytest.mark.parametrize("radius", [0, 1, 4, 8])
def test_query_matches_brute_force_on_clustered_data(radius: int) -> None:
    ids, hashes = clustered_data(seeds=40, per_seed=25, seed=3)
    index = HammingIndex(ids, hashes)
    targets = hashes[::7].tolist() + [flip(int(h), [5, 63]) for h in hashes[::31]]
    assert assert_queries_match(index, ids, hashes, targets, radius) > len(targets)


def test_query_matches_brute_force_on_random_data_with_a_wide_radius() -> None:
    # Random 64-bit hashes are almost never within 8 bits, so use a radius where they are.
    ids, hashes = random_data(3000, seed=4)
    index = HammingIndex(ids, hashes, max_radius=20)
    targets = hashes[:40].tolist()
    for radius in (0, 8, 15, 20):
        compared = assert_queries_match(index, ids, hashes, targets, radius)
        assert compared >= len(targets)
    assert assert_queries_match(index, ids, hashes, targets, 20) > 2 * len(targets)


@pytest.mark.parametrize("radius", [0, 2, 5, 8])
def test_pairs_match_brute_force_on_clustered_data(radius: int) -> None:
    ids, hashes = clustered_data(seeds=60, per_seed=30, seed=5)
    expected = assert_pairs_match(HammingIndex(ids, hashes), ids, hashes, radius)
    assert len(expected) > 60  # at least every seed with its duplicate


@pytest.mark.parametrize("radius", [0, 9, 16, 20])
def test_pairs_match_brute_force_on_random_data(radius: int) -> None:
    ids, hashes = random_data(2500, seed=6)
    hashes[-5:] = hashes[:5]  # a few exact duplicates, so radius 0 finds something
    expected = assert_pairs_match(HammingIndex(ids, hashes, max_radius=20), ids, hashes, radius)
    assert len(expected) >= 5


@pytest.mark.parametrize("substrings", [3, 4, 5, 9, 12])
def test_every_substring_count_is_exact(substrings: int) -> None:
    ids, hashes = clustered_data(seeds=30, per_seed=20, seed=7)
    index = HammingIndex(ids, hashes, substrings=substrings)
    assert index.substrings == substrings
    for radius in (0, 3, 8):
        assert_pairs_match(index, ids, hashes, radius)
    assert_queries_match(index, ids, hashes, hashes[::13].tolist(), 8)


def test_pairs_rows_are_ordered_unique_and_carry_true_distances() -> None:
    ids, hashes = clustered_data(seeds=20, per_seed=15, seed=8)
    got = HammingIndex(ids, hashes).pairs()
    by_id = dict(zip(ids.tolist(), hashes.tolist(), strict=True))
    assert got.dtype == np.int64 and got.shape[1] == 3 and len(got) > 20
    assert (got[:, 0] < got[:, 1]).all()
    keys = [tuple(row) for row in got[:, :2].tolist()]
    assert keys == sorted(set(keys))
    for a, b, dist in got.tolist():
        assert dist == hamming_distance(by_id[a], by_id[b]) <= 8


def test_worker_processes_give_the_same_pairs() -> None:
    ids, hashes = clustered_data(seeds=60, per_seed=30, seed=9)
    index = HammingIndex(ids, hashes)
    np.testing.assert_array_equal(index.pairs(workers=2), brute_force_pairs(ids, hashes, 8))


def test_pairs_are_split_into_many_tasks_without_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny tasks put bucket neighbours in different tasks; nothing may be lost or doubled.
    monkeypatch.setattr(hamming, "_PROBES_PER_TASK", 2000)
    ids, hashes = clustered_data(seeds=30, per_seed=20, seed=10)
    assert_pairs_match(HammingIndex(ids, hashes, substrings=3), ids, hashes, 8)


# --- the bit pattern, not the sign ------------------------------------------------------------


def test_negative_hashes_are_compared_by_their_bit_pattern() -> None:
    hashes = np.array([-1, INT64_MAX, INT64_MIN, 0, flip(-1, [0, 1, 2])], dtype=np.int64)
    ids = np.arange(10, 15, dtype=np.int64)
    index = HammingIndex(ids, hashes)
    assert index.query(-1) == [(10, 0), (11, 1), (14, 3)]
    assert index.query((1 << 64) - 1) == index.query(-1)  # the unsigned spelling
    assert index.query(0, 1) == [(13, 0), (12, 1)]
    assert index.pairs().tolist() == [[10, 11, 1], [10, 14, 3], [11, 14, 4], [12, 13, 1]]


# --- incremental changes ----------------------------------------------------------------------


def test_added_items_are_seen_before_and_after_merging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hamming, "_MIN_DELTA", 50)  # merge after a few batches
    ids, hashes = clustered_data(seeds=40, per_seed=20, seed=11)
    index = HammingIndex(ids[:300], hashes[:300])
    for start in range(300, len(ids), 37):
        index.add(ids[start : start + 37], hashes[start : start + 37])
        seen = slice(0, start + 37)
        assert len(index) == len(ids[seen])
        assert_queries_match(
            index, ids[seen], hashes[seen], hashes[start : start + 37 : 9].tolist(), 8
        )
    assert_pairs_match(index, ids, hashes, 8)
    assert_pairs_match(index, ids, hashes, 4)


def test_small_additions_stay_buffered_but_count() -> None:
    ids, hashes = clustered_data(seeds=10, per_seed=20, seed=12)
    index = HammingIndex(ids[:100], hashes[:100])
    index.add(ids[100:], hashes[100:])
    assert len(index._delta_ids) == len(ids) - 100  # still in the scanned buffer
    assert_queries_match(index, ids, hashes, hashes[::5].tolist(), 8)
    assert_pairs_match(index, ids, hashes, 8)


def test_growing_from_empty_replans_and_stays_exact() -> None:
    ids, hashes = clustered_data(seeds=300, per_seed=30, seed=13)
    index = HammingIndex(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    first_plan = index.substrings
    for start in range(0, len(ids), 2500):
        index.add(ids[start : start + 2500], hashes[start : start + 2500])
    assert index.substrings != first_plan
    assert_pairs_match(index, ids, hashes, 8)


def test_removed_items_disappear_and_can_return(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hamming, "_MIN_DELTA", 40)
    ids, hashes = clustered_data(seeds=20, per_seed=20, seed=14)
    index = HammingIndex(ids[:350], hashes[:350])
    index.add(ids[350:], hashes[350:])
    gone = np.concatenate((ids[:300:4], ids[360::5]))  # from the tables and from the buffer
    index.remove(gone)
    keep = ~np.isin(ids, gone)
    assert len(index) == int(keep.sum())
    assert_queries_match(index, ids[keep], hashes[keep], hashes[::11].tolist(), 8)
    assert_pairs_match(index, ids[keep], hashes[keep], 8)
    with pytest.raises(ValueError, match="not in the index"):
        index.remove(gone[:1])
    index.add(gone, hashes[np.isin(ids, gone)])
    assert_pairs_match(index, ids, hashes, 8)


def test_removed_items_are_skipped_while_still_in_the_tables() -> None:
    ids, hashes = clustered_data(seeds=10, per_seed=20, seed=15)
    index = HammingIndex(ids, hashes)
    gone = ids[::9]
    index.remove(gone)
    assert index._dead == len(gone)  # not merged away yet: queries must skip them
    keep = ~np.isin(ids, gone)
    compared = assert_queries_match(index, ids[keep], hashes[keep], hashes.tolist(), 8)
    assert compared > len(hashes)


def test_adding_a_stored_id_is_refused() -> None:
    index = HammingIndex(np.array([1, 2]), np.array([5, 6]))
    with pytest.raises(ValueError, match="already in the index"):
        index.add(np.array([2]), np.array([7]))
    index.add(np.array([3]), np.array([7]))
    with pytest.raises(ValueError, match="already in the index"):
        index.add(np.array([3]), np.array([8]))
    assert len(index) == 3


def test_empty_index_answers_with_nothing() -> None:
    index = HammingIndex(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert len(index) == 0
    assert index.query(12345) == []
    pairs = index.pairs()
    assert pairs.shape == (0, 3) and pairs.dtype == np.int64
    index.add(np.array([7, 8]), np.array([-1, -2]))
    assert index.query(-1) == [(7, 0), (8, 1)]
    assert index.pairs().tolist() == [[7, 8, 1]]


def test_the_index_keeps_its_own_copy_of_the_input() -> None:
    hashes = np.array([0, 1], dtype=np.int64)
    index = HammingIndex(np.array([1, 2]), hashes)
    hashes[:] = -1
    assert index.query(0, 0) == [(1, 0)]


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: HammingIndex(np.arange(3), np.arange(2)), "differ in length"),
        (lambda: HammingIndex(np.arange(2), np.arange(2), max_radius=65), "max_radius"),
        (lambda: HammingIndex(np.arange(2), np.arange(2), max_radius=-1), "max_radius"),
        (lambda: HammingIndex(np.array([1, 1]), np.arange(2)), "duplicate ids"),
        (lambda: HammingIndex(np.arange(2), np.array([0.5, 1.0])), "integers"),
        (lambda: HammingIndex(np.arange(4).reshape(2, 2), np.arange(4)), "one-dimensional"),
        (lambda: HammingIndex(np.arange(2), np.arange(2), substrings=2), "substrings"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).query(0, 9), "exceeds"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).query(0, -1), "radius"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).query(1 << 64), "64 bits"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).pairs(65), "radius"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).pairs(workers=0), "workers"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).add([5], [1, 2]), "differ in length"),
        (lambda: HammingIndex(np.arange(2), np.arange(2)).add([5, 5], [1, 2]), "duplicate"),
        (lambda: brute_force_query(np.arange(2), np.arange(2), 0, 65), "radius"),
        (lambda: brute_force_pairs(np.arange(2), np.arange(3), 8), "differ in length"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        call()
    assert "\n" not in str(caught.value)


# --- property test ----------------------------------------------------------------------------

small_sets = st.tuples(
    st.lists(st.integers(INT64_MIN, INT64_MAX), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.integers(0, 63), max_size=10)),
        max_size=40,
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    data=small_sets,
    radius=st.integers(0, 8),
    substrings=st.sampled_from([None, 3, 4, 9]),
    id_step=st.integers(1, 1000),
)
def test_index_agrees_with_brute_force_on_small_sets(
    data: tuple[list[int], list[tuple[int, list[int]]]],
    radius: int,
    substrings: int | None,
    id_step: int,
) -> None:
    centres, variants = data
    values = centres + [flip(centres[i % len(centres)], bits) for i, bits in variants]
    hashes = np.array(values, dtype=np.int64)
    ids = np.arange(len(values), dtype=np.int64)[::-1] * id_step - 500
    index = HammingIndex(ids, hashes, substrings=substrings)
    np.testing.assert_array_equal(index.pairs(radius), brute_force_pairs(ids, hashes, radius))
    for target in values[:10]:
        assert index.query(target, radius) == brute_force_query(ids, hashes, target, radius)


# --- small indexes are scanned ----------------------------------------------------------------


def test_a_scanned_index_answers_as_the_probed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    ids, hashes = clustered_data(seeds=30, per_seed=20, seed=21)
    index = HammingIndex(ids[:500], hashes[:500])
    index.add(ids[500:], hashes[500:])
    index.remove(ids[::9])
    targets = hashes[::5].tolist()
    probed = [index.query(t, r) for t in targets for r in (0, 3, 8)]
    monkeypatch.setattr(hamming, "_SCAN_ITEMS", 10_000)
    scanned = [index.query(t, r) for t in targets for r in (0, 3, 8)]
    assert scanned == probed
    keep = ~np.isin(ids, ids[::9])
    assert assert_queries_match(index, ids[keep], hashes[keep], targets, 8) > len(targets)


@pytest.mark.parametrize("scan_items", [0, 10_000])
def test_many_queries_at_once_answer_as_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch, scan_items: int
) -> None:
    """A batch's look-up asks each rule once for all its photos: the rows must be what a
    query per photo gives, in the photos' order, with the buffer and removals seen."""
    monkeypatch.setattr(hamming, "_SCAN_ITEMS", scan_items)
    monkeypatch.setattr(hamming, "_SCAN_CELLS", 700)  # several chunks of queries
    ids, hashes = clustered_data(seeds=30, per_seed=20, seed=22)
    index = HammingIndex(ids[:500], hashes[:500])
    index.add(ids[500:], hashes[500:])
    index.remove(ids[::9])
    # Repeats, a hash far from everything and signed and unsigned spellings of one value.
    targets = [*hashes[::7].tolist(), int(hashes[3]), -1 & INT64_MAX, int(hashes[3])]
    for radius in (0, 4, 8):
        expected = [
            [row, found, distance]
            for row, target in enumerate(targets)
            for found, distance in index.query(target, radius)
        ]
        got = index.query_many(np.array(targets, dtype=np.int64), radius)
        assert got.tolist() == expected
    assert len(expected) > len(targets)  # the check had teeth
    assert index.query_many(np.empty(0, dtype=np.int64)).shape == (0, 3)
    with pytest.raises(ValueError, match="radius"):
        index.query_many(np.array([1]), 9)


# --- cross_pairs: one side indexed, the other side queried -----------------------------------


def brute_force_cross(
    query_ids: np.ndarray,
    query_hashes: np.ndarray,
    ids: np.ndarray,
    hashes: np.ndarray,
    radius: int,
) -> list[list[int]]:
    rows = []
    for query_id, query_hash in zip(query_ids.tolist(), query_hashes.tolist(), strict=True):
        for found_id, distance in brute_force_query(ids, hashes, query_hash, radius):
            rows.append([query_id, found_id, distance])
    return sorted(rows)


@pytest.mark.parametrize(("radius", "substrings"), [(8, None), (8, 3), (5, 4), (0, None)])
def test_cross_pairs_match_brute_force(radius: int, substrings: int | None) -> None:
    ids, hashes = clustered_data(seeds=40, per_seed=12, seed=21)
    # The query side: other variants of the same seeds, sharing some ids with the stored side.
    query_ids, query_hashes = clustered_data(seeds=40, per_seed=6, seed=21, max_flips=14)
    query_ids[::5] = ids[: len(query_ids[::5])]
    index = HammingIndex(ids, hashes, substrings=substrings)
    expected = brute_force_cross(query_ids, query_hashes, ids, hashes, radius)
    assert len(expected) > 100
    assert index.cross_pairs(query_ids, query_hashes, radius).tolist() == expected


def test_cross_pairs_in_workers_and_small_tasks_lose_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hamming, "_CROSS_PROBES_PER_TASK", 3000)
    ids, hashes = clustered_data(seeds=50, per_seed=10, seed=22)
    query_ids, query_hashes = clustered_data(seeds=50, per_seed=4, seed=22)
    index = HammingIndex(ids, hashes)
    expected = brute_force_cross(query_ids, query_hashes, ids, hashes, 8)
    assert index.cross_pairs(query_ids, query_hashes, workers=2).tolist() == expected
    assert index.cross_pairs(query_ids, query_hashes, workers=1).tolist() == expected


def test_cross_pairs_see_added_and_not_removed_items() -> None:
    ids, hashes = clustered_data(seeds=20, per_seed=8, seed=23)
    query_ids, query_hashes = clustered_data(seeds=20, per_seed=3, seed=23)
    index = HammingIndex(ids[:100], hashes[:100])
    index.add(ids[100:], hashes[100:])
    index.remove(ids[:10])
    expected = brute_force_cross(query_ids, query_hashes, ids[10:], hashes[10:], 8)
    assert index.cross_pairs(query_ids, query_hashes).tolist() == expected
    empty = np.empty(0, dtype=np.int64)
    assert index.cross_pairs(empty, empty).shape == (0, 3)


_SEARCH_FOREVER = """
import sys
import numpy as np
from library.duplicates.hamming import HammingIndex

rng = np.random.default_rng(5)
count = 2_000_000
index = HammingIndex(np.arange(count), rng.integers(-(2**63), 2**63 - 1, count), max_radius=10)
print("searching", flush=True)
index.pairs(workers=2)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_end_with_a_killed_search() -> None:
    """A search killed outright (SIGKILL, the OOM killer) leaves no worker behind."""
    root = Path(__file__).resolve().parents[2]
    search = subprocess.Popen(
        [sys.executable, "-c", _SEARCH_FOREVER], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert search.stdout is not None and search.stdout.readline() == "searching\n"
        workers: set[int] = set()
        # The workers start once the tables are built, however long a busy machine takes;
        # the search runs for many seconds after that, so they are caught at work.
        while not workers and search.poll() is None:
            workers = _children(search.pid)
            time.sleep(0.01)
        assert workers, "the search started no worker"
    finally:
        search.kill()
        search.wait()
    # SIGKILL at the parent's death needs no scheduling; a worker without it goes on with
    # its task (tens of seconds) before it finds the parent gone.
    for _ in range(3000):
        if not any(os.path.exists(f"/proc/{pid}") and _alive(pid) for pid in workers):
            return
        time.sleep(0.01)
    raise AssertionError(f"workers {sorted(workers)} outlived the killed search")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
