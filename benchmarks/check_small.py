"""`check` in a library too small for a saved index: loaded whole against the catalog probes.

A library under `saved_index.BUILD_FROM` photos has no saved signal index. `check` used
to ask the catalog's substring indexes (some 64,000 probes whatever the library's
size); it now loads every stored signal, which for so few photos costs less. Both are
timed on the same library and files in the same run, alternating, and their answers
compared (the run stops if they differ).

    .venv/bin/photodesk --library /tmp/small ingest ../shared/corpora/exif-samples \\
        ../shared/corpora/near-dup
    .venv/bin/python benchmarks/check_small.py --library /tmp/small [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from library.config import LibraryConfig  # noqa: E402
from library.db.engine import open_library  # noqa: E402
from library.db.models import Asset  # noqa: E402
from library.duplicates import check, saved_index  # noqa: E402

PROBES = ROOT.parent / "shared" / "corpora" / "near-dup"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--files", type=int, default=6, help="probe files from near-dup")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    database = open_library(LibraryConfig(args.library, args.database_url))
    files = [str(p) for p in sorted(PROBES.rglob("*.jpg"))[: args.files]]
    if not files:
        sys.exit(f"no probe files under {PROBES}: the benchmark needs ../shared/corpora")
    build_from = saved_index.BUILD_FROM
    with database.session_scope(write=False) as session:
        photos = session.scalar(select(func.count()).select_from(Asset))
    print(f"{photos} photos, {len(files)} files, {args.rounds} rounds, alternating")
    times: dict[str, list[float]] = {"catalog probes (before)": [], "loaded whole (now)": []}
    answers: dict[str, set[str]] = {}
    for _ in range(args.rounds):
        for label, threshold in zip(times, (0, build_from), strict=True):
            saved_index.BUILD_FROM = threshold
            for path in files:
                began = time.perf_counter()
                with database.session_scope(write=False) as session:
                    (result,) = check.check_files(session, [path], None)
                times[label].append((time.perf_counter() - began) * 1000)
                answers.setdefault(path, set()).add(repr(result.to_json()))
    saved_index.BUILD_FROM = build_from
    if any(len(seen) > 1 for seen in answers.values()):
        sys.exit("the two ways gave different answers")
    for label, samples in times.items():
        samples.sort()
        print(
            f"  {label:<24} median {statistics.median(samples):6.1f} ms, "
            f"p95 {samples[int(len(samples) * 0.95)]:6.1f} ms"
        )
    before, now = (statistics.median(s) for s in times.values())
    print(f"  {before / now:.1f}x; the same answers for every file")


if __name__ == "__main__":
    main()
