"""The region index of composites, per ingest batch: read whole (before) or kept (now).

Each batch of an ingest looks its new photos up among the regions of every stored
composite. The index of those regions used to be read from the catalog for every
batch; a run now keeps it and reads only the regions stored since (`RegionIndex.
refresh`). This times both, in the same run, on a catalog with COUNT stored regions
(random signals, as many per region as ingest stores), for a batch that adds 16
regions, and checks that both give the same candidates.

Usage:
    .venv/bin/python benchmarks/region_index.py --regions 10000 100000 \
        [--database-url postgresql://postgres@127.0.0.1:5432/EMPTY_DB]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assets import similarity  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import Database, init_library  # noqa: E402
from library.db.models import Asset, AssetRegion  # noqa: E402
from library.duplicates.containment import RegionIndex  # noqa: E402

BATCH = 16
RUNS = 5


def add_regions(database: Database, start: int, count: int, rng: random.Random) -> None:
    """``count`` composites of one region each (ids from ``start``), with random signals."""
    names = sorted({stored for _, stored, _ in similarity.CANDIDATE_RULES})
    for lo in range(start, start + count, 5000):
        hi = min(lo + 5000, start + count)
        assets = [
            {
                "id": i,
                "sha256": f"{i:064x}",
                "content_digest": f"pixels:{i:064x}",
                "format": "jpeg",
                "width": 640,
                "height": 480,
                "file_size": 1,
                "store_path": f"originals/{i}.jpg",
                "original_name": f"composite-{i}.jpg",
                "keywords": [],
                "field_sources": {},
                "embedded": {},
                "status": "new",
                "archive": False,
                "version": 1,
            }
            for i in range(lo, hi)
        ]
        regions = [
            {
                "asset_id": i,
                "left": 0.0,
                "top": 0.0,
                "right": 0.5,
                "bottom": 1.0,
                "signals": {n: rng.getrandbits(63) - (1 << 62) for n in names},
                "fingerprint": b"",
                "version": similarity.SIGNALS_VERSION,
            }
            for i in range(lo, hi)
        ]
        with database.session_scope() as session:
            session.execute(insert(Asset), assets)
            session.execute(insert(AssetRegion), regions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="photodesk-regions-") as tmp:
        database = init_library(LibraryConfig(Path(tmp) / "library", args.database_url))
        if args.database_url:
            with database.session_scope(write=False) as session:
                if session.scalar(text("SELECT count(*) FROM assets")):
                    raise SystemExit(f"--database-url {args.database_url}: not empty")
        print(f"catalog: {database.engine.dialect.name}")
        print(f"{'regions':>10} {'read whole (ms)':>18} {'kept, refreshed (ms)':>22} {'ratio':>7}")
        stored = 0
        for count in sorted(args.regions):
            add_regions(database, stored + 1, count - stored, rng)
            stored = count
            with database.session_scope(write=False) as session:
                warm = RegionIndex(session)
            whole, kept = [], []
            for _ in range(RUNS):
                add_regions(database, stored + 1, BATCH, rng)
                stored += BATCH
                with database.session_scope(write=False) as session:
                    began = time.perf_counter()
                    fresh = RegionIndex(session)
                    whole.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    warm.refresh(session)
                    kept.append(time.perf_counter() - began)
                    newest = session.scalar(
                        select(AssetRegion.signals).order_by(AssetRegion.id.desc()).limit(1)
                    )
                queries = [{n: rng.getrandbits(63) for n in fresh.indexes}, newest]
                if warm.owner != fresh.owner or [warm.candidates(q) for q in queries] != [
                    fresh.candidates(q) for q in queries
                ]:
                    raise SystemExit("the kept region index differs from one read whole")
            a, b = statistics.median(whole) * 1000, statistics.median(kept) * 1000
            print(f"{len(fresh.owner):>10,} {a:>18.1f} {b:>22.2f} {a / b:>6.0f}x")
        database.dispose()


if __name__ == "__main__":
    main()
