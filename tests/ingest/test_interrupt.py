"""An interrupted ingest leaves the library consistent, and running it again finishes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import INGEST_LOCK, open_library
from library.db.models import Asset, Rendition
from tests.conftest import make_jpeg


def start_ingest(config: LibraryConfig, *paths: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "library", "--library", str(config.root)]
    if config.database_url:
        args += ["--database-url", config.database_url]
    return subprocess.Popen(
        [*args, "ingest", *map(str, paths), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )


#: More than the first batch, so an interrupted run has work left to lose (the run is held
#: before its first commit, so how many more does not change what is tested).
COUNT = 48
FIRST_BATCH = 16


@contextmanager
def catalog_held(config: LibraryConfig) -> Iterator[None]:
    """Hold the lock every ingest batch takes before it writes the catalog.

    While it is held an ingest can read, digest and analyse but commit nothing,
    so it cannot finish: the test decides where the run is interrupted, not the clock.
    """
    if config.database_url:
        import psycopg

        connection = psycopg.connect(config.database_url, autocommit=True)
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (INGEST_LOCK,))
        try:
            yield
        finally:
            connection.close()  # ends the session, and the lock with it
        return
    held = sqlite3.connect(config.sqlite_path, isolation_level=None)
    held.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        held.execute("ROLLBACK")
        held.close()


def has_workers(pid: int) -> bool:
    """Has the ingest started its decoding pool, i.e. left discovery for the batches?"""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return bool(children.read_text().split()) if children.exists() else False


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def count_assets(config: LibraryConfig) -> int:
    database = open_library(config)
    try:
        with database.session_scope(write=False) as session:
            return session.scalar(select(func.count(Asset.id))) or 0
    finally:
        database.dispose()


def check_complete(config: LibraryConfig, expected: int) -> None:
    database = open_library(config)
    store = Store(config.store_root)
    with database.session_scope(write=False) as session:
        assets = session.scalars(select(Asset)).all()
        assert len(assets) == expected
        assert len({a.sha256 for a in assets}) == expected
        referenced = {a.store_path for a in assets}
        for rendition in session.scalars(select(Rendition)):
            referenced.add(rendition.store_path)
        assert all({r.kind for r in a.renditions} == {"thumb", "web"} for a in assets)
    database.dispose()
    assert set(store.walk()) == referenced
    assert all(store.exists(p) for p in referenced)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_ingest_finishes_on_rerun(
    database: object, config: LibraryConfig, tmp_path: Path, sig: signal.Signals
) -> None:
    folder = tmp_path / "in"
    for seed in range(COUNT):
        make_jpeg(folder / f"p{seed:03d}.jpg", (640, 480), seed=seed + 100)
    # The first batch is committed by a run of its own; the interrupted run then finds
    # it cataloged, decodes the rest, and is stopped before it can commit any of it.
    first = sorted(folder.iterdir())[:FIRST_BATCH]
    seeded = start_ingest(config, *first)
    assert seeded.wait(timeout=120) == 0, seeded.communicate()[1].decode()
    with catalog_held(config):
        process = start_ingest(config, folder)
        wait_until(lambda: has_workers(process.pid), process)
        assert process.poll() is None
        os.kill(process.pid, sig)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    if sig == signal.SIGINT:
        assert process.returncode == 130, stderr.decode()
        assert b"Traceback" not in stderr
        assert b"interrupted" in stderr
    assert count_assets(config) == FIRST_BATCH
    rerun = start_ingest(config, folder)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    check_complete(config, COUNT)
