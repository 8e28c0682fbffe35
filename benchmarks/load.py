"""Load test: concurrent clients browse, search and edit against `photodesk serve` on loopback.

Starts the real server (waitress) as a separate process on a copy of the demo
library, then runs N client threads for S seconds through the JSON API with
bearer tokens: 45 % browse a gallery page, 25 % search, 20 % read one photo,
10 % edit a caption with the version they read (a 409 is a normal answer
under contention: the client reads again and retries). It reports throughput,
latency percentiles per kind, and checks that the server answered no 5xx and
that every acknowledged edit is in the photo's history.

Traffic goes to 127.0.0.1 only, and stops by itself after S seconds.

Usage:
    .venv/bin/python benchmarks/load.py [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["rocket", "launch", "coffee", "cat", "nasa", "archive", "harbour", "clock", "galaxy"]


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, int, str]] = field(
        default_factory=list
    )  # (asset, version, caption)
    conflicts: int = 0
    lost_edits: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def table(self) -> str:
        lines = [f"{'kind':<8}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
        for kind, values in sorted(self.latencies.items()):
            p50, p95, p99 = (_percentile(values, q) * 1000 for q in (0.5, 0.95, 0.99))
            lines.append(f"{kind:<8}{len(values):>7}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}")
        lines.append(
            f"throughput: {self.requests / self.seconds:.0f} requests/s over {self.seconds:.0f} s; "
            f"statuses {dict(sorted(self.statuses.items()))}; conflicts (409) {self.conflicts}; "
            f"acknowledged edits {len(self.acknowledged)}; lost edits {self.lost_edits}; "
            f"server errors {self.server_errors}"
        )
        return "\n".join(lines)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_library(folder: Path) -> tuple[str, str]:
    """The demo library plus an editor's and a viewer's API token."""
    from library.catalog.users import create_token, create_user
    from library.config import LibraryConfig
    from library.db.engine import init_library
    from library.demo import build_demo

    database = init_library(LibraryConfig(folder))
    build_demo(database)
    with database.session_scope() as session:
        create_user(session, "loadeditor", "editor", "load-test-password")
        create_user(session, "loadviewer", "viewer", "load-test-password")
        editor = create_token(session, "loadeditor")
        viewer = create_token(session, "loadviewer")
    database.dispose()
    return editor, viewer


def start_server(folder: Path, port: int, threads: int) -> subprocess.Popen[bytes]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "library",
            "--library",
            str(folder),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: waitress logs a warning per queued request under load,
        # and a pipe nobody reads fills up and stalls the server mid-run.
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                message = log.read().decode(errors="replace") or "died"
                raise RuntimeError(message) from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start in 30 s")


def run_load(
    port: int, editor: str, viewer: str, clients: int, seconds: float, seed: int = 0
) -> LoadResult:
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def request(
        conn: http.client.HTTPConnection, method: str, path: str, token: str, body: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ids: list[int] = []
        while time.monotonic() < stop_at:
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.45 or not ids:
                    kind = "browse"
                    status, data = request(conn, "GET", "/api/photos?limit=24", viewer)
                    if status == 200:
                        ids = [p["id"] for p in data["photos"]]
                elif roll < 0.70:
                    kind = "search"
                    status, _ = request(conn, "GET", f"/api/photos?q={rng.choice(WORDS)}", viewer)
                elif roll < 0.90:
                    kind = "read"
                    status, _ = request(conn, "GET", f"/api/photos/{rng.choice(ids)}", viewer)
                else:
                    kind = "edit"
                    asset = rng.choice(ids)
                    status, data = request(conn, "GET", f"/api/photos/{asset}", editor)
                    caption = f"load test caption {number}-{rng.randrange(10**9)}"
                    if status == 200:
                        status, data = request(
                            conn,
                            "PATCH",
                            f"/api/photos/{asset}",
                            editor,
                            {"version": data["version"], "caption": caption},
                        )
                        with lock:
                            if status == 200:
                                result.acknowledged.append((asset, data["version"], caption))
                            elif status == 409:
                                result.conflicts += 1
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                result.requests += 1
                result.statuses[status] += 1
                result.latencies[kind].append(elapsed)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def count_lost_edits(folder: Path, result: LoadResult) -> int:
    """Every acknowledged edit must be in the history with its version and value."""
    from sqlalchemy import select

    from library.config import LibraryConfig
    from library.db.engine import open_library
    from library.db.models import Change

    database = open_library(LibraryConfig(folder))
    with database.session_scope(write=False) as session:
        recorded = {
            (c.asset_id, c.version, c.new_value)
            for c in session.scalars(select(Change).where(Change.field == "caption"))
        }
    database.dispose()
    return sum(1 for edit in result.acknowledged if edit not in recorded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photodesk-load-") as tmp:
        folder = Path(tmp) / "library"
        editor, viewer = prepare_library(folder)
        port = free_port()
        server = start_server(folder, port, args.threads)
        try:
            result = run_load(port, editor, viewer, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        result.lost_edits = count_lost_edits(folder, result)
    print(
        f"{args.clients} clients for {args.seconds:.0f} s against photodesk serve "
        f"({args.threads} threads) on {os.cpu_count()} cores"
    )
    print(result.table())
    if result.errors:
        print(f"client-side errors: {len(result.errors)} (first: {result.errors[0]})")
    if result.server_errors or result.lost_edits or result.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
