"""Jobs on real Celery workers, with real brokers and PostgreSQL, under faults.

The test decides where a fault lands: it holds the advisory lock every ingest
piece takes before it commits, waits until a worker is blocked on it (so the
worker has decoded and stored its piece and is in the middle of it), then
kills the worker, restarts the broker or drops the worker's connection.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from library.config import LibraryConfig
from library.db.engine import INGEST_LOCK, Database, init_library
from library.db.models import Asset, AssetPath, Job, JobBatch
from tests.conftest import PG_URL, make_jpeg, reset_postgres
from tests.jobs.services import (
    RABBITMQ,
    ROOT,
    OwnRedis,
    Worker,
    cli_args,
    need,
    reachable,
    wait_until,
    workers,
)

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[LibraryConfig, Database]]:
    need(PG_URL is not None, "PostgreSQL (PHOTODESK_TEST_DATABASE_URL)")
    assert PG_URL
    reset_postgres(PG_URL)
    config = LibraryConfig(tmp_path / "library", PG_URL)
    database = init_library(config)
    yield config, database
    database.dispose()


@pytest.fixture
def rabbitmq() -> str:
    need(reachable(RABBITMQ), f"RabbitMQ ({RABBITMQ})")
    return RABBITMQ


def photos(folder: Path, count: int) -> Path:
    for seed in range(count):
        make_jpeg(folder / f"p{seed:03d}.jpg", (320, 240), seed=seed + 900)
    return folder


def queue(config: LibraryConfig, broker: str, folder: Path, piece_size: int = 8) -> int:
    done = subprocess.run(
        [
            *cli_args(config, broker),
            "ingest",
            str(folder),
            "--queue",
            "--piece-size",
            str(piece_size),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def job_state(database: Database, job_id: int) -> Job:
    with database.session_scope(write=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def wait_for_job(database: Database, job_id: int, timeout: float = 240) -> Job:
    wait_until(
        lambda: job_state(database, job_id).state in ("done", "failed", "cancelled"),
        f"job {job_id} to end",
        timeout,
    )
    return job_state(database, job_id)


def assert_cataloged_once(database: Database, job_id: int, count: int) -> None:
    job = job_state(database, job_id)
    assert (job.state, job.done, job.failed, job.total) == ("done", count, 0, count)
    with database.session_scope(write=False) as session:
        assert session.scalar(select(func.count(Asset.id))) == count
        assert session.scalar(select(func.count(func.distinct(Asset.sha256)))) == count
        assert session.scalar(select(func.count(AssetPath.id))) == count


@contextmanager
def ingest_lock_held(url: str) -> Iterator[psycopg.Connection]:
    """Hold the lock each piece takes before committing; released when the block ends."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (INGEST_LOCK,))
        yield connection


def blocked_on_lock(connection: psycopg.Connection) -> list[int]:
    """Backends waiting for the ingest lock: workers in the middle of a piece."""
    rows = connection.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    ).fetchall()
    return [row[0] for row in rows]


def test_two_workers_ingest_one_folder(
    pg: tuple[LibraryConfig, Database], rabbitmq: str, tmp_path: Path
) -> None:
    config, database = pg
    folder = photos(tmp_path / "in", 40)
    with workers(config, rabbitmq, tmp_path, 2) as started:
        job_id = queue(config, rabbitmq, folder, piece_size=5)
        wait_for_job(database, job_id)
    assert_cataloged_once(database, job_id, 40)
    # Each worker said it started, and as root one line says so, not Celery's seven.
    for worker in started:
        said = worker.log.read_text()
        assert "photodesk worker on amqp://" in said and "Ctrl+C to stop" in said
        assert "SecurityWarning" not in said and "superuser" not in said
        assert ("warning: the worker runs as root" in said) == (os.geteuid() == 0)


def test_a_worker_killed_mid_piece_loses_and_doubles_nothing(
    pg: tuple[LibraryConfig, Database], rabbitmq: str, tmp_path: Path
) -> None:
    config, database = pg
    folder = photos(tmp_path / "in", 24)
    assert config.database_url
    with ingest_lock_held(config.database_url) as held:
        doomed = Worker(config, rabbitmq, tmp_path / "doomed.log")
        job_id = queue(config, rabbitmq, folder)
        wait_until(lambda: bool(blocked_on_lock(held)), "the worker to reach its commit")
        doomed.kill()
    with workers(config, rabbitmq, tmp_path, 1):
        wait_for_job(database, job_id)
    assert_cataloged_once(database, job_id, 24)
    with database.session_scope(write=False) as session:
        deliveries = session.scalars(select(JobBatch.deliveries)).all()
    assert max(deliveries) == 2  # the killed piece came back once, and only that one


def test_the_job_survives_a_broker_restart(
    pg: tuple[LibraryConfig, Database], tmp_path: Path
) -> None:
    config, database = pg
    redis = OwnRedis(tmp_path / "redis")
    redis.start()
    try:
        folder = photos(tmp_path / "in", 24)
        assert config.database_url
        with workers(config, redis.url, tmp_path, 1):
            with ingest_lock_held(config.database_url) as held:
                job_id = queue(config, redis.url, folder)
                wait_until(lambda: bool(blocked_on_lock(held)), "the worker to reach its commit")
                redis.stop()
                redis.start()
            wait_for_job(database, job_id)
    finally:
        redis.stop()
    assert_cataloged_once(database, job_id, 24)


def test_a_dropped_database_connection_is_retried(
    pg: tuple[LibraryConfig, Database], rabbitmq: str, tmp_path: Path
) -> None:
    config, database = pg
    folder = photos(tmp_path / "in", 16)
    assert config.database_url
    with workers(config, rabbitmq, tmp_path, 1):
        with ingest_lock_held(config.database_url) as held:
            job_id = queue(config, rabbitmq, folder)
            wait_until(lambda: bool(blocked_on_lock(held)), "the worker to reach its commit")
            (first,) = blocked_on_lock(held)
            held.execute("SELECT pg_terminate_backend(%s)", (first,))
            # The piece's transaction is run again, on a new connection, and waits again.
            wait_until(
                lambda: any(pid != first for pid in blocked_on_lock(held)),
                "the worker to try the piece again",
            )
        wait_for_job(database, job_id)
    assert_cataloged_once(database, job_id, 16)
    with database.session_scope(write=False) as session:
        assert max(session.scalars(select(JobBatch.deliveries)).all()) == 1  # not redelivered


def test_a_piece_that_cannot_succeed_fails_without_retries(
    pg: tuple[LibraryConfig, Database], rabbitmq: str, tmp_path: Path
) -> None:
    """A report whose output cannot be written fails at its first run: waiting and
    trying again (as for a database that went away) would fail alike."""
    config, database = pg
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "credits.csv"
    with workers(config, rabbitmq, tmp_path, 1):
        started = subprocess.run(
            [*cli_args(config, rabbitmq), "report", "credits", "-o", str(target), "--queue"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 0, started.stderr
        job_id = int(started.stdout.strip())
        job = wait_for_job(database, job_id)
    assert job.state == "failed" and job.error and "credits.csv" in job.error
    with database.session_scope(write=False) as session:  # each retry is a delivery
        piece = session.scalars(select(JobBatch).where(JobBatch.job_id == job_id)).one()
        assert piece.deliveries == 1


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_worker_stopped_by_its_user_ends_cleanly(
    pg: tuple[LibraryConfig, Database], tmp_path: Path, stop: str
) -> None:
    """Ctrl-C is how a person stops a worker in a terminal: Celery ends it with status 1,
    as if it had failed, and the command said "photodesk: error: … the worker stopped"."""
    import signal

    config, _ = pg
    broker = OwnRedis(tmp_path / "redis")
    broker.start()
    try:
        worker = Worker(config, broker.url, tmp_path / "worker.log")
        wait_until(lambda: b"photodesk worker on" in worker.log.read_bytes(), "the start line")
        os.killpg(worker.process.pid, getattr(signal, stop))
        assert worker.process.wait(timeout=60) == 0
        said = worker.log.read_text()
        assert "error" not in said and "Traceback" not in said
    finally:
        worker.kill()
        broker.stop()
