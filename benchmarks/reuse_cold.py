"""Reuse audit cold start: `reuse_report` of this tree against an older copy, one catalog.

Usage:
    git show 520c77e:library/reports/reuse.py > /tmp/old_reuse.py
    .venv/bin/python benchmarks/reuse_cold.py --old /tmp/old_reuse.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/h_scale2_1m [--new-first]

Prints wall and CPU seconds of each and whether every picture's JSON is the same.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402
from library.reports import reuse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", required=True, help="an older library/reports/reuse.py")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--new-first", action="store_true")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("old_reuse", args.old)
    assert spec and spec.loader
    old = importlib.util.module_from_spec(spec)
    sys.modules["old_reuse"] = old  # dataclasses look their module up
    spec.loader.exec_module(old)
    folder = Path(tempfile.mkdtemp(prefix="photodesk-reuse-"))
    database = init_library(LibraryConfig(folder / "library", args.database_url))
    order = [("new", reuse), ("old", old)]
    results = {}
    for name, module in order if args.new_first else order[::-1]:
        with database.session_scope(write=False) as session:
            wall, cpu = time.perf_counter(), time.process_time()
            reports = module.reuse_report(session)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results[name] = json.dumps([r.to_json() for r in reports], sort_keys=True, default=str)
        findings = sum(len(r.findings) for r in reports)
        print(
            f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU (this process), "
            f"{len(reports):,} pictures, {findings:,} findings",
            flush=True,
        )
    print("same reports:", results["old"] == results["new"])
    database.dispose()


if __name__ == "__main__":
    main()
