"""The saved signal index's look-up at 10^6 and 10^7 photos, in both of its layouts.

`photodesk check` reads its candidates from the saved index (library.duplicates.
saved_index): per stored signal, sorted arrays under four 16-bit or three 21-22-bit
substrings. Which layout a layer gets depends on its size (``THREE_PARTS_FROM``); this
measures both on the same synthetic layers, so the threshold rests on numbers. A
catalog of 10^7 photos with all forty signals does not fit this machine's disk
(catalog_scale.py builds 10^7 with the main signals), so the layers are written
straight from random hashes, with near copies of each query planted, and the look-up
is timed without the catalog (opening the index and reading the candidates' current
values from the catalog add a few milliseconds that do not grow with the library;
catalog_scale.py times the whole `check` at 10^6).

Every timed query's result is compared with a brute-force scan of the same layer for
the first queries; the run stops if they differ.

    .venv/bin/python benchmarks/saved_index.py --counts 1000000 10000000 --folder /tmp/si

With ``--growth START END`` it measures instead how the index keeps up with a library
that grows by hot-folder jobs: a layer of START photos, then appends of 200 photos
(`APPEND_AT`) up to END, each followed by the folds the library's policy asks for
(`saved_index.fold_plan`), against the policy before it (every later layer folded
into one once there were more than `MAX_LAYERS`), in the same run:

    .venv/bin/python benchmarks/saved_index.py --growth 10000 60000 --folder /tmp/si
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets import similarity  # noqa: E402
from library.duplicates import saved_index  # noqa: E402
from library.duplicates.pairs import stored_signals  # noqa: E402

U64 = np.uint64


def queries(rng: np.random.Generator, count: int) -> list[dict[str, int]]:
    names = sorted({query for query, _, _ in similarity.CANDIDATE_RULES})
    return [
        {name: int(rng.integers(0, 1 << 63, dtype=np.int64)) for name in names}
        for _ in range(count)
    ]


def planted(rng: np.random.Generator, target: int, count: int) -> np.ndarray:
    """Hashes 0-8 bits from ``target``."""
    values = np.full(count, target, dtype=U64)
    for row in range(count):
        for bit in rng.choice(64, size=int(rng.integers(0, 9)), replace=False):
            values[row] ^= U64(1 << int(bit))
    return values


def write(
    folder: Path, photos: int, three: bool, asked: list[dict[str, int]]
) -> saved_index._Layer:
    rng = np.random.default_rng(7)
    saved_index.THREE_PARTS_FROM = 0 if three else 1 << 62

    def tables():  # type: ignore[no-untyped-def]
        ids = np.arange(1, photos + 1, dtype=np.int64)
        for name in stored_signals():
            values = rng.integers(0, 1 << 64, size=photos, dtype=U64, endpoint=False)
            # Ten near copies of each query's value, by the first rule into this signal.
            source = next(q for q, stored, _ in similarity.CANDIDATE_RULES if stored == name)
            for query in asked:
                values[rng.integers(0, photos, size=10)] = planted(rng, query[source], 10)
            yield name, ids, values.view(np.int64)

    folder.mkdir(parents=True, exist_ok=True)
    entry = saved_index._write_layer(folder, tables(), photos)
    return saved_index._open_layer(folder, entry)


def brute_force(layer: saved_index._Layer, query: dict[str, int]) -> set[int]:
    found: set[int] = set()
    for q, stored, radius in similarity.CANDIDATE_RULES:
        ids, values = layer.signal(stored)
        near = np.bitwise_count(values ^ U64(query[q])) <= radius
        found.update(ids[near].tolist())
    return found


def time_layer(
    layer: saved_index._Layer, asked: list[dict[str, int]], runs: int
) -> tuple[float, float, int]:
    rules = list(similarity.CANDIDATE_RULES)
    for query in asked[:3]:
        got = set(saved_index._Probes(rules, query, layer.parts, layer.directories).run(layer))
        if got != brute_force(layer, query):
            raise SystemExit("the saved index differs from a brute-force scan")
    samples = []
    hits = 0
    for round_ in range(runs):
        query = asked[round_ % len(asked)]
        began = time.perf_counter()
        hits += len(saved_index._Probes(rules, query, layer.parts, layer.directories).run(layer))
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)], hits // runs


def fold_all_later(sizes: list[int]) -> int:
    """The policy before `fold_plan`: every layer after the first, once there are too many."""
    return len(sizes) - 1 if len(sizes) > saved_index.MAX_LAYERS else 0


def grow(folder: Path, start: int, end: int, plan: Any) -> tuple[float, float, int, list[int]]:
    """Seconds in all, seconds folding, photos written by folds, and the layers at the end."""
    rng = np.random.default_rng(5)
    names = stored_signals()

    def tables(first: int, count: int):  # type: ignore[no-untyped-def]
        ids = np.arange(first, first + count, dtype=np.int64)
        for name in names:
            yield name, ids, rng.integers(0, 1 << 63, size=count, dtype=np.int64)

    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    layers = [saved_index._write_layer(folder, tables(1, start), start)]
    folding, written, next_id = 0.0, 0, start + 1
    while next_id <= end:
        step = min(saved_index.APPEND_AT, end + 1 - next_id)
        layers.append(saved_index._write_layer(folder, tables(next_id, step), step))
        next_id += step
        count = plan([int(layer["photos"]) for layer in layers])
        if count:
            fold_began = time.perf_counter()
            folded = saved_index._fold(folder, layers[-count:])
            folding += time.perf_counter() - fold_began
            written += int(folded["photos"])
            for layer in layers[-count:]:
                (folder / layer["file"]).unlink()
            layers = [*layers[:-count], folded]
    took = time.perf_counter() - began
    shutil.rmtree(folder)
    return took, folding, written, [int(layer["photos"]) for layer in layers]


def growth(folder: Path, start: int, end: int) -> None:
    print(f"from {start:,} to {end:,} photos in appends of {saved_index.APPEND_AT}")
    results = {}
    for label, plan in (("before: all later layers", fold_all_later), ("now: fold_plan", None)):
        took, folding, written, sizes = grow(
            folder / "growth", start, end, plan or saved_index.fold_plan
        )
        results[label] = folding
        print(
            f"  {label:<26} {took:7.1f} s in all, folds {folding:7.1f} s, "
            f"{written:>11,} photos rewritten ({written / end:.1f}x the library), "
            f"layers at the end {sizes}",
            flush=True,
        )
    before, now = results.values()
    print(f"  folds: {before / now:.1f}x less time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--folder", type=Path, required=True, help="scratch space (GBs)")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--growth", type=int, nargs=2, metavar=("START", "END"))
    args = parser.parse_args()
    if args.growth:
        growth(args.folder, *args.growth)
        return
    rng = np.random.default_rng(11)
    asked = queries(rng, 20)
    print(f"{'photos':>11} {'layout':<26} {'size':>9} {'median':>9} {'p95':>9} {'found':>6}")
    for photos in args.counts:
        for three in (False, True):
            folder = args.folder / f"{photos}-{3 if three else 4}"
            began = time.perf_counter()
            layer = write(folder, photos, three, asked)
            built = time.perf_counter() - began
            size = sum(p.stat().st_size for p in folder.glob("layer-*.bin"))
            # Warm the page cache as a library in use has it.
            time_layer(layer, asked, 5)
            median, p95, found = time_layer(layer, asked, args.runs)
            layout = "three of 21-22 bits" if three else "four of 16 bits"
            print(
                f"{photos:>11,} {layout:<26} {size / 2**30:>7.2f}GB {median:>7.1f}ms "
                f"{p95:>7.1f}ms {found:>6}   (written in {built:.0f} s)",
                flush=True,
            )
            del layer
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
