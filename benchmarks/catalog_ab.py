"""Two checkouts' gallery pages on one kept catalog, request by request (A/B under one load).

On the shared 2-core machines a page's time moves with the neighbours' load by
more than a change saves, and `catalog_scale.py` times one checkout at a time,
minutes apart. This starts one server per checkout, each in its own process
whose import path begins at that checkout (Flask's test client, signed in as
`catalog_scale.py`'s viewer, on the catalog it built), and asks every page of
both in turn, alternating which goes first, so each pair of samples saw the
same load. Both checkouts must accept the database's Alembic revision.

Usage (the "before" checkout is any tree, e.g. ``git archive main | tar -x -C /tmp/base``):
    .venv/bin/python benchmarks/catalog_ab.py --before /tmp/base --after . \\
        --database-url postgresql://postgres@127.0.0.1:5432/scale --runs 10 --only search
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def serve(root: Path, url: str) -> None:
    """The child: print the page list as one JSON line, then time each URL read from stdin."""
    sys.path[:0] = [str(root), str(root / "benchmarks")]
    import gallery_speed

    from library.config import LibraryConfig
    from library.db.engine import init_library
    from webui import create_app
    from webui.server import freeze_startup_objects

    folder = Path(tempfile.mkdtemp(prefix="photodesk-ab-")) / "library"
    database = init_library(LibraryConfig(folder, url))
    app = create_app({"LIBRARY": folder, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = gallery_speed._signed_in_client(app, "bench", "bench-password")
    freeze_startup_objects()
    with database.session_scope(write=False) as session:
        from sqlalchemy import func, select

        from library.db.models import Asset

        count = session.scalar(select(func.max(Asset.id))) or 0
    pages = {k: [v] for k, v in gallery_speed.grid_pages(database, count).items()}
    pages.update(gallery_speed.detail_pages(database, count))
    database.dispose()
    print(json.dumps(pages), flush=True)
    for line in sys.stdin:
        began = time.perf_counter()
        response = client.get(line.strip())
        took = (time.perf_counter() - began) * 1000
        print(json.dumps([took, response.status_code]), flush=True)


class Server:
    def __init__(self, root: Path, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", __file__, "--serve", str(root), "--database-url", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout and self.process.stdin
        self.pages: dict[str, list[str]] = json.loads(self.process.stdout.readline())

    def get(self, url: str) -> float:
        assert self.process.stdout and self.process.stdin
        self.process.stdin.write(url + "\n")
        self.process.stdin.flush()
        took, status = json.loads(self.process.stdout.readline())
        assert status == 200, (url, status)
        return float(took)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and p95 as `gallery_speed.measure` takes them."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="checkout timed as 'before'")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10, help="requests per page and checkout")
    parser.add_argument("--only", metavar="REGEX", help="time only the pages matching REGEX")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url)
        return
    if args.before is None:
        raise SystemExit("--before: the checkout to compare with is required")
    servers = {
        "before": Server(args.before.resolve(), args.database_url),
        "after": Server(args.after.resolve(), args.database_url),
    }
    pages = servers["after"].pages
    if args.only:
        wanted = re.compile(args.only)
        pages = {label: urls for label, urls in pages.items() if wanted.search(label)}
    rows: list[tuple[str, Any, Any, dict[str, float]]] = []
    for label, urls in pages.items():
        samples: dict[str, list[float]] = {"before": [], "after": []}
        first: dict[str, float] = {}
        for run in range(args.runs + 2):
            url = urls[run % len(urls)]
            order = ["before", "after"] if run % 2 == 0 else ["after", "before"]
            for side in order:
                took = servers[side].get(url)
                first.setdefault(side, took)
                if run >= 2:  # two warm-up requests each
                    samples[side].append(took)
        before, after = summary(samples["before"]), summary(samples["after"])
        rows.append((label, before, after, first))
        print(
            f"  {label:<40} before {before[0]:7.1f} / {before[1]:7.1f} ms   "
            f"after {after[0]:7.1f} / {after[1]:7.1f} ms   "
            f"first request {first['before']:.0f} / {first['after']:.0f} ms",
            flush=True,
        )
    for server in servers.values():
        server.close()
    print(
        f"\nmedian / p95 (ms), {args.runs} runs each after two warm-up requests, alternating; "
        "first request: the first warm-up (target p95 100 ms)"
    )
    print(f"{'page':<40} {'before':>17} {'after':>17} {'median ratio':>13} {'first request':>16}")
    for label, (b50, b95), (a50, a95), first in rows:
        print(
            f"{label:<40} {b50:7.1f} /{b95:7.1f} {a50:7.1f} /{a95:7.1f} "
            f"{b50 / max(a50, 1e-9):12.1f}× {first['before']:7.0f} /{first['after']:7.0f}"
        )


if __name__ == "__main__":
    main()
