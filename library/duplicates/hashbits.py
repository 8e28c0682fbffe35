"""64-bit hashes as numpy arrays: bit counts, input checks and the brute-force reference.

The reference answers are what `hamming.HammingIndex` is tested and benchmarked against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


HashArray = npt.NDArray[np.uint64]


CountArray = npt.NDArray[np.uint8]


BoolArray = npt.NDArray[np.bool_]


SizeArray = npt.NDArray[np.signedinteger[Any]]


#: (first slot, second slot, distance) columns of found pairs.
PairSlots = tuple[IntArray, IntArray, IntArray]


HASH_BITS = 64


_LOW_64 = (1 << HASH_BITS) - 1


_SIGNED_MIN = -(1 << (HASH_BITS - 1))


_EMPTY_PAIRS_SHAPE = (0, 3)


def popcount64(x: npt.ArrayLike) -> CountArray:
    """Count set bits per 64-bit pattern; signed values count their two's-complement bits."""
    bits = _as_uint64_array(x, "x")
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(bits), dtype=np.uint8)
    return _swar_popcount(bits)


def _swar_popcount(bits: HashArray) -> CountArray:
    """Bit counting for numpy < 2.0, which lacks np.bitwise_count."""
    one, two, four, bytes_ = (np.uint64(c) for c in (1, 2, 4, 56))
    m1, m2, m4, h01 = (
        np.uint64(c)
        for c in (0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101)
    )
    x = bits - ((bits >> one) & m1)
    x = (x & m2) + ((x >> two) & m2)
    x = (x + (x >> four)) & m4
    return ((x * h01) >> bytes_).astype(np.uint8)


def hamming_distance(a: int, b: int) -> int:
    """Distance between two hashes, whichever of the signed or unsigned spellings they use."""
    return (_hash_as_uint64(a) ^ _hash_as_uint64(b)).bit_count()


def brute_force_query(
    ids: npt.ArrayLike, hashes: npt.ArrayLike, hash: int, radius: int
) -> list[tuple[int, int]]:
    """Reference answer for HammingIndex.query: compares the target with every hash."""
    id_arr, hash_arr = _validated_items(ids, hashes)
    _check_radius(radius, "radius")
    dist = popcount64(hash_arr ^ np.uint64(_hash_as_uint64(hash)))
    hit = np.flatnonzero(dist <= radius)
    return _sorted_matches(id_arr[hit], dist[hit].astype(np.int64))


def brute_force_pairs(
    ids: npt.ArrayLike, hashes: npt.ArrayLike, radius: int, *, row_limit: int | None = None
) -> IntArray:
    """Reference answer for HammingIndex.pairs: every row against every later row.

    One row at a time keeps memory at O(N) and runs faster than 2-D blocks, whose
    temporaries overflow the cache. ``row_limit`` keeps only pairs whose earlier member is
    among the first rows, so a benchmark can time a sample and extrapolate.
    """
    id_arr, hash_arr = _validated_items(ids, hashes)
    _check_radius(radius, "radius")
    n = len(hash_arr)
    stop = n if row_limit is None else min(max(row_limit, 0), n)
    found = [_brute_force_row(hash_arr, row, radius) for row in range(stop)]
    return _pairs_from_positions(id_arr, [piece for piece in found if piece[0].size])


def _brute_force_row(hashes: HashArray, row: int, radius: int) -> PairSlots:
    dist = popcount64(hashes[row + 1 :] ^ hashes[row])
    later = np.flatnonzero(dist <= radius)
    return np.full(len(later), row, dtype=np.int64), later + row + 1, dist[later].astype(np.int64)


def _check_radius(radius: int, name: str) -> int:
    """Radii outside 0..64 cannot be Hamming distances between 64-bit hashes."""
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
        raise ValueError(f"{name} must be an integer in 0..{HASH_BITS}, got {radius!r}")
    if not 0 <= radius <= HASH_BITS:
        raise ValueError(f"{name} must be in 0..{HASH_BITS}, got {radius}")
    return int(radius)


def _hash_as_uint64(value: int) -> int:
    """Accept both spellings of a hash: signed int64 (as stored) and unsigned uint64."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"hash must be an integer, got {value!r}")
    number = int(value)
    if not _SIGNED_MIN <= number <= _LOW_64:
        raise ValueError(f"hash {number} does not fit in 64 bits")
    return number & _LOW_64


def hash_array(values: Sequence[int]) -> HashArray:
    """Hashes in either spelling (signed as stored, unsigned as computed), as bit patterns."""
    return np.array([_hash_as_uint64(value) for value in values], dtype=np.uint64)


def _as_uint64_array(values: npt.ArrayLike, name: str) -> HashArray:
    """View hashes as unsigned so shifts and np.bitwise_count see the raw bit pattern."""
    arr = np.asarray(values)
    if arr.dtype == np.uint64:
        return arr
    if arr.size == 0 and arr.dtype.kind not in "iu":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False).view(np.uint64)


def _as_id_array(values: npt.ArrayLike) -> IntArray:
    """Ids are int64 so pairs() can return one integer array; not copied if already int64."""
    arr = np.asarray(values)
    if arr.size == 0 and arr.dtype.kind not in "iu":
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"ids must hold integers, got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise ValueError("ids must fit in int64")
    return arr.astype(np.int64, copy=False)


def _validated_items(ids: npt.ArrayLike, hashes: npt.ArrayLike) -> tuple[IntArray, HashArray]:
    """Catch mismatched inputs at the boundary rather than as odd results later."""
    id_arr, hash_arr = _as_id_array(ids), _as_uint64_array(hashes, "hashes")
    if id_arr.ndim != 1 or hash_arr.ndim != 1:
        raise ValueError("ids and hashes must be one-dimensional arrays")
    if len(id_arr) != len(hash_arr):
        raise ValueError(f"ids and hashes differ in length: {len(id_arr)} != {len(hash_arr)}")
    return id_arr, hash_arr


def _require_unique(ids: IntArray, what: str) -> None:
    """pairs() reports ids, so two items sharing an id would be indistinguishable."""
    if len(ids) < 2:
        return
    ordered = np.sort(ids)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size:
        raise ValueError(f"{what} contain duplicate ids, e.g. {int(repeated[0])}")


def _sorted_matches(ids: IntArray, dist: IntArray) -> list[tuple[int, int]]:
    """Query results are ordered by distance, then id, so callers see the best first."""
    order = np.lexsort((ids, dist))
    return list(zip(ids[order].tolist(), dist[order].tolist(), strict=True))


def _pairs_from_positions(ids: IntArray, found: list[PairSlots]) -> IntArray:
    """Turn (slot, slot, distance) pieces into sorted (id_a < id_b, distance) rows."""
    if not found:
        return np.empty(_EMPTY_PAIRS_SHAPE, dtype=np.int64)
    left = ids[np.concatenate([f[0] for f in found])]
    right = ids[np.concatenate([f[1] for f in found])]
    dist = np.concatenate([f[2] for f in found])
    low, high = np.minimum(left, right), np.maximum(left, right)
    order = np.lexsort((high, low))
    return np.column_stack((low[order], high[order], dist[order])).astype(np.int64)
