"""Speed of the exact Hamming index (library.hamming) against brute force, in one run.

For each size N the data is uniform random 64-bit hashes plus 5 % clustered groups (2..40
variants 0..12 bits from a seed hash, exact duplicates included) under sparse shuffled ids.
Timed on the same data in the same run:

* index build;
* single-hash queries at radius 8 (half stored hashes, half fresh random ones), mean and p99,
  against ``brute_force_query`` on the full set, with every answer compared;
* all pairs within radius 8 (``pairs``) with the default workers and with one worker,
  against ``brute_force_pairs``: run in full up to ``--full-brute-force`` items (and the
  results compared), above that timed on the first ``--sample-rows`` rows and extrapolated
  by the share of the N(N-1)/2 comparisons they make (marked "est."); the index's pairs
  touching those rows are compared with the sample's.

    .venv/bin/python benchmarks/dupes_speed.py --sizes 100000 1000000 --queries 1000 --seed 0
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from library.duplicates.hamming import HammingIndex  # noqa: E402
from library.duplicates.hashbits import brute_force_pairs, brute_force_query  # noqa: E402

RADIUS = 8
CLUSTER_SHARE = 0.05
MAX_FLIPS = 12
GROUP_SIZES = (2, 40)

T = TypeVar("T")


@dataclass
class Row:
    """One line of the results table; brute force may be measured, estimated or absent."""

    operation: str
    index_s: float
    brute_s: float | None = None
    estimated: bool = False


@dataclass
class SizeReport:
    n: int
    substrings: int = 0
    pairs_found: int = 0
    rows: list[Row] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


# --- data ------------------------------------------------------------------------------------


def random_masks(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One uint64 mask per weight, with exactly that many distinct random bits set."""
    ranks = rng.random((len(weights), 64)).argsort(axis=1).argsort(axis=1)
    chosen = ranks < weights[:, None]
    bit_values = np.uint64(1) << np.arange(64, dtype=np.uint64)
    return np.bitwise_or.reduce(np.where(chosen, bit_values, np.uint64(0)), axis=1)


def clustered_hashes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Groups of near-duplicates, the shape a photo desk's re-sent pictures take."""
    sizes: list[int] = []
    while sum(sizes) < count:
        sizes.append(int(rng.integers(GROUP_SIZES[0], GROUP_SIZES[1] + 1)))
    seeds = rng.integers(0, 2**64 - 1, size=len(sizes), dtype=np.uint64, endpoint=True)
    centres = np.repeat(seeds, sizes)[:count]
    weights = rng.integers(0, MAX_FLIPS + 1, size=count)
    return centres ^ random_masks(rng, weights)


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random hashes plus clustered groups, shuffled, under sparse non-contiguous ids."""
    grouped = int(n * CLUSTER_SHARE)
    uniform = rng.integers(0, 2**64 - 1, size=n - grouped, dtype=np.uint64, endpoint=True)
    hashes = np.concatenate((uniform, clustered_hashes(rng, grouped)))[rng.permutation(n)]
    ids = rng.choice(20 * n, size=n, replace=False).astype(np.int64) * 3 + 17
    return ids, hashes.view(np.int64)


# --- timing ----------------------------------------------------------------------------------


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def cpu_seconds() -> float:
    """This process's and its finished children's CPU time: wall time hides machine load."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def query_latencies(
    run: Callable[[int], list[tuple[int, int]]], targets: list[int]
) -> tuple[list[list[tuple[int, int]]], np.ndarray]:
    """Each query timed on its own, so the p99 reflects single-photo lookups."""
    answers, seconds = [], []
    for target in targets:
        start = time.perf_counter()
        answers.append(run(target))
        seconds.append(time.perf_counter() - start)
    return answers, np.array(seconds)


def query_targets(rng: np.random.Generator, hashes: np.ndarray, count: int) -> list[int]:
    """Half stored hashes (a photo looking for its copies), half unseen random ones."""
    stored = hashes[rng.integers(0, len(hashes), size=count - count // 2)]
    fresh = rng.integers(-(2**63), 2**63 - 1, size=count // 2, dtype=np.int64, endpoint=True)
    return np.concatenate((stored, fresh)).tolist()


# --- the benchmark ---------------------------------------------------------------------------


def bench_size(n: int, args: argparse.Namespace) -> SizeReport:
    rng = np.random.default_rng([args.seed, n])
    ids, hashes = make_data(n, rng)
    report = SizeReport(n)
    index, build_s = timed(lambda: HammingIndex(ids, hashes, max_radius=RADIUS))
    report.substrings = index.substrings
    report.rows.append(Row("build", build_s))
    bench_queries(report, index, ids, hashes, query_targets(rng, hashes, args.queries))
    bench_pairs(report, index, ids, hashes, args)
    return report


def bench_queries(
    report: SizeReport, index: HammingIndex, ids: np.ndarray, hashes: np.ndarray, targets: list[int]
) -> None:
    got, index_s = query_latencies(lambda h: index.query(h, RADIUS), targets)
    want, brute_s = query_latencies(lambda h: brute_force_query(ids, hashes, h, RADIUS), targets)
    same = sum(g == w for g, w in zip(got, want, strict=True))
    matches = sum(len(w) for w in want)
    report.checks.append(
        f"queries: {same}/{len(targets)} answers identical to brute force ({matches} matches)"
    )
    report.rows.append(Row("query mean", float(index_s.mean()), float(brute_s.mean())))
    p99 = (float(np.percentile(index_s, 99)), float(np.percentile(brute_s, 99)))
    report.rows.append(Row("query p99", *p99))


def bench_pairs(
    report: SizeReport,
    index: HammingIndex,
    ids: np.ndarray,
    hashes: np.ndarray,
    args: argparse.Namespace,
) -> None:
    cpu_start = cpu_seconds()
    pairs, parallel_s = timed(lambda: index.pairs(RADIUS, workers=args.workers))
    cpu_mid = cpu_seconds()
    _, single_s = timed(lambda: index.pairs(RADIUS, workers=1))
    report.pairs_found = len(pairs)
    report.checks.append(
        f"pairs CPU time (user+sys, workers included): {cpu_mid - cpu_start:.2f} s with the "
        f"default workers, {cpu_seconds() - cpu_mid:.2f} s with one"
    )
    if report.n <= args.full_brute_force:
        expected, brute_s = timed(lambda: brute_force_pairs(ids, hashes, RADIUS))
        same = np.array_equal(pairs, expected)
        report.checks.append(f"pairs: identical to brute force: {same} ({len(expected)} pairs)")
        estimated = False
    else:
        brute_s = sampled_brute_force(report, pairs, ids, hashes, args.sample_rows)
        estimated = True
    report.rows.append(
        Row(f"all pairs r={RADIUS} ({args.workers} workers)", parallel_s, brute_s, estimated)
    )
    report.rows.append(Row(f"all pairs r={RADIUS} (1 worker)", single_s, brute_s, estimated))


def sampled_brute_force(
    report: SizeReport, pairs: np.ndarray, ids: np.ndarray, hashes: np.ndarray, rows: int
) -> float:
    """Time brute force on the first rows, scale by comparisons, and check those rows."""
    n = len(ids)
    rows = min(rows, n)
    sample, sample_s = timed(lambda: brute_force_pairs(ids, hashes, RADIUS, row_limit=rows))
    done = rows * n - rows * (rows + 1) // 2  # row i is compared with the n - 1 - i after it
    estimate = sample_s * (n * (n - 1) / 2) / done
    order = np.argsort(ids)
    row_of = order[np.searchsorted(ids[order], pairs[:, :2])]
    touching = pairs[row_of.min(axis=1) < rows]  # the earlier member is a sampled row
    same = np.array_equal(touching, sample)
    report.checks.append(
        f"pairs: brute force run on the first {rows} of {n} rows ({sample_s:.2f} s, "
        f"{100 * done / (n * (n - 1) / 2):.2f} % of all comparisons) and scaled up; "
        f"index pairs touching those rows identical: {same} ({len(sample)} pairs)"
    )
    return estimate


# --- output ----------------------------------------------------------------------------------


def seconds_text(value: float) -> str:
    return f"{value * 1e3:.3f} ms" if value < 1 else f"{value:.2f} s"


def ratio_text(value: float) -> str:
    return f"{value:.2g}×" if value < 10 else f"{value:,.0f}×"


def print_report(report: SizeReport) -> None:
    print(
        f"\nN = {report.n:,}  (substrings m = {report.substrings}, pairs found: {report.pairs_found:,})"
    )
    print(f"| {'operation':<30} | {'index':>12} | {'brute force':>16} | {'brute / index':>13} |")
    print(f"|{'-' * 32}|{'-' * 14}:|{'-' * 18}:|{'-' * 15}:|")
    for row in report.rows:
        brute, ratio = "—", "—"
        if row.brute_s is not None:
            brute = ("est. " if row.estimated else "") + seconds_text(row.brute_s)
            ratio = ratio_text(row.brute_s / row.index_s)
        print(
            f"| {row.operation:<30} | {seconds_text(row.index_s):>12} | {brute:>16} | {ratio:>13} |"
        )
    for check in report.checks:
        print(f"  check: {check}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000, help="single-hash queries timed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workers", type=int, default=len(os.sched_getaffinity(0)), help="pairs() workers"
    )
    parser.add_argument(
        "--full-brute-force",
        type=int,
        default=100_000,
        help="largest N whose all-pairs brute force runs in full (above: sampled, estimated)",
    )
    parser.add_argument("--sample-rows", type=int, default=2000, help="rows for the estimate")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; radius {RADIUS}; seed {args.seed}; "
        "brute force runs on one core"
    )
    for n in args.sizes:
        print_report(bench_size(n, args))
    print(
        f"\npeak memory (max RSS over the whole run): this process {peak_rss_mb(False):,.0f} MB, "
        f"largest pairs() worker {peak_rss_mb(True):,.0f} MB"
    )
    return 0


def peak_rss_mb(children: bool) -> float:
    """Linux reports ru_maxrss in KiB; forked workers start with the parent's pages shared."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


if __name__ == "__main__":
    raise SystemExit(main())
