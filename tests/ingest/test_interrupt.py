"""An interrupted ingest leaves the library consistent, and running it again finishes the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import open_library
from library.db.models import Asset, Rendition
from tests.conftest import make_jpeg


def start_ingest(config: LibraryConfig, folder: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "library", "--library", str(config.root)]
    if config.database_url:
        args += ["--database-url", config.database_url]
    return subprocess.Popen(
        [*args, "ingest", str(folder), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )


#: Enough photos that a run outlasts the wait for its first quarter by far.
COUNT = 200


def wait_for_progress(
    config: LibraryConfig, process: subprocess.Popen[bytes], at_least: int
) -> None:
    """Return once the running ingest has committed `at_least` photos."""
    database = open_library(config)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            with database.session_scope(write=False) as session:
                if (session.scalar(select(func.count(Asset.id))) or 0) >= at_least:
                    return
            time.sleep(0.02)
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
    rng = random.Random(int(sig))
    process = start_ingest(config, folder)
    # Interrupt after a random number of committed photos, not after a random time, so
    # the test hits the middle of the run however fast or busy the machine is.
    wait_for_progress(config, process, rng.randint(1, COUNT // 4))
    assert process.poll() is None, "the ingest finished before it could be interrupted"
    os.kill(process.pid, sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    if sig == signal.SIGINT and process.returncode == 130:
        assert b"Traceback" not in stderr
        assert b"interrupted" in stderr
    rerun = start_ingest(config, folder)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    check_complete(config, COUNT)
