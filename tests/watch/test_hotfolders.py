"""Hot folders: a file is queued only once it stopped changing, arrivals are batched
into jobs, and a restarted watcher neither misses nor repeats a file.

Time is a fake clock moved by the tests and the scan is called directly; one test
runs the real watchdog observers, waiting on conditions with a deadline.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from library.db.engine import Database
from library.db.models import Asset, WatchedFile
from library.errors import InvalidValueError
from library.ingest.pipeline import IngestOptions, IngestSession
from library.jobs import records
from library.watch.folders import RESEND_EVERY, HotFolders, WatchOptions
from library.watch.observing import start_observer, watch
from library.watch.settle import Settler
from tests.conftest import jpeg_bytes

SETTLE = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def hot(database: Database, drop: Path, clock: Clock, **options: Any) -> HotFolders:
    settings: dict[str, Any] = {"settle": SETTLE, "workers": 1, "clock": clock, **options}
    return HotFolders(database, [drop], WatchOptions(**settings))


def photo(path: Path, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(seed=seed))
    return path


def job_of(database: Database, job_id: int) -> dict[str, Any]:
    with database.session_scope(write=False) as session:
        return records.to_json(records.get(session, job_id))


def queued_paths(database: Database, job_id: int) -> set[str]:
    with database.session_scope(write=False) as session:
        return {
            w.path for w in session.scalars(select(WatchedFile).where(WatchedFile.job_id == job_id))
        }


def asset_count(database: Database) -> int:
    with database.session_scope(write=False) as session:
        return session.scalar(select(func.count(Asset.id))) or 0


# --- settling --------------------------------------------------------------------------


def test_a_file_settles_after_it_stopped_changing(clock: Clock) -> None:
    settler = Settler(SETTLE, clock)
    settler.observe("/a.jpg", 100, 1)
    clock.advance(4)
    settler.observe("/a.jpg", 200, 2)  # still growing: the wait starts over
    clock.advance(4)
    settler.observe("/a.jpg", 200, 2)
    assert settler.settled() == []
    clock.advance(1)
    assert [s.path for s in settler.settled()] == ["/a.jpg"]
    settler.observe("/a.jpg", 200, 3)  # rewritten in place, same size
    assert settler.settled() == []


def test_an_empty_file_waits(clock: Clock) -> None:
    settler = Settler(SETTLE, clock)
    settler.observe("/empty.jpg", 0, 1)
    assert settler.unsettled() == 1  # just created: its bytes may be on their way
    clock.advance(60)
    assert settler.settled() == []
    assert len(settler) == 1
    # Still watched, but not something a run of what is there (--once) waits for.
    assert settler.unsettled() == 0


def test_once_does_not_wait_for_an_empty_file(database: Database, drop: Path, clock: Clock) -> None:
    folder = hot(database, drop, clock)
    photo(drop / "w.jpg", 60)
    (drop / "empty.jpg").touch()
    assert folder.tick() == [] and folder.waiting() == 2
    clock.advance(SETTLE)
    (job_id,) = folder.tick()
    assert job_of(database, job_id)["total"] == 1
    assert folder.waiting() == 0
    (drop / "empty.jpg").write_bytes(jpeg_bytes(seed=61))  # its bytes came after all
    assert folder.tick() == [] and folder.waiting() == 1


def test_a_file_still_being_written_is_never_ingested_half_written(
    database: Database, drop: Path, clock: Clock
) -> None:
    folder = hot(database, drop, clock)
    whole = jpeg_bytes(seed=1, size=(640, 480))
    target = drop / "wire.jpg"
    target.write_bytes(whole[: len(whole) // 3])
    assert folder.tick() == []
    for part in (2, 3):  # the transfer goes on, a piece every 4 seconds
        clock.advance(4)
        assert folder.tick() == []
        with target.open("ab") as out:
            out.write(whole[len(whole) * (part - 1) // 3 : len(whole) * part // 3])
        assert folder.tick() == []
    assert target.read_bytes() == whole
    clock.advance(SETTLE - 0.5)
    assert folder.tick() == [] and folder.waiting() == 1
    clock.advance(0.5)
    (job_id,) = folder.tick()
    data = job_of(database, job_id)
    assert (data["state"], data["total"], data["done"], data["failed"]) == ("done", 1, 1, 0)
    with database.session_scope(write=False) as session:
        asset = session.scalars(select(Asset)).one()
        assert asset.sha256 == hashlib.sha256(whole).hexdigest()
    assert folder.waiting() == 0


def test_arrivals_are_batched_into_a_job(database: Database, drop: Path, clock: Clock) -> None:
    folder = hot(database, drop, clock, piece_size=2)
    for n in range(5):
        photo(drop / "staff" / f"p{n}.jpg", seed=n)
    (drop / "notes.txt").write_text("not a photo")
    (drop / ".p9.jpg").write_bytes(jpeg_bytes(seed=9))  # hidden: rsync's temporary name
    (drop / "p8.jpg.part").write_bytes(jpeg_bytes(seed=8))  # a browser's partial download
    (drop / "p0.xmp").write_text("<x/>")
    assert folder.tick() == []
    clock.advance(SETTLE)
    (job_id,) = folder.tick()
    data = job_of(database, job_id)
    assert (data["kind"], data["total"], data["done"]) == ("ingest", 5, 5)
    with database.session_scope(write=False) as session:
        assert len(records.batch_numbers(session, job_id, state="done")) == 3
    assert len(queued_paths(database, job_id)) == 5
    clock.advance(SETTLE)
    assert folder.tick() == []  # nothing new


def test_a_restart_neither_misses_nor_repeats(database: Database, drop: Path, clock: Clock) -> None:
    first = hot(database, drop, clock)
    a, b = photo(drop / "a.jpg", 1), photo(drop / "b.jpg", 2)
    first.tick()
    clock.advance(SETTLE)
    (job_id,) = first.tick()
    assert queued_paths(database, job_id) == {str(a), str(b)}
    # The watcher stops. Meanwhile c arrives and a is replaced by another picture.
    c = photo(drop / "c.jpg", 3)
    a.write_bytes(jpeg_bytes(seed=11))
    os.utime(a, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    second = hot(database, drop, clock)
    assert second.resume() == []
    second.tick()
    clock.advance(SETTLE)
    (again,) = second.tick()
    assert queued_paths(database, again) == {str(a), str(c)}
    assert asset_count(database) == 4
    clock.advance(SETTLE)
    assert second.tick() == []


def test_photos_cataloged_before_the_folder_was_watched_are_left_alone(
    database: Database, drop: Path, clock: Clock
) -> None:
    old = photo(drop / "old.jpg", 4)
    IngestSession(database, IngestOptions(workers=1)).run([drop])
    folder = hot(database, drop, clock)
    folder.tick()
    clock.advance(SETTLE)
    assert folder.tick() == []
    old.write_bytes(jpeg_bytes(seed=14))  # replaced later: that is new work
    os.utime(old, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    folder.notice(str(old))
    folder.tick()
    clock.advance(SETTLE)
    (job_id,) = folder.tick()
    assert queued_paths(database, job_id) == {str(old)}


def test_a_folder_moved_in_whole(
    database: Database, drop: Path, clock: Clock, tmp_path: Path
) -> None:
    folder = hot(database, drop, clock)
    folder.tick()  # the first full look: empty
    outside = tmp_path / "card"
    for n in range(3):
        photo(outside / "DCIM" / f"IMG_{n}.jpg", seed=20 + n)
    (outside).rename(drop / "card")
    folder.notice(str(drop / "card"))  # what the observer reports: the folder
    folder.tick()
    clock.advance(SETTLE)
    (job_id,) = folder.tick()
    assert job_of(database, job_id)["done"] == 3


def test_a_job_queued_before_a_stop_is_run_on_restart(
    database: Database, drop: Path, clock: Clock
) -> None:
    """The broker was unreachable (here: refused, the catalog being SQLite or the
    port closed): the job and its files are recorded; the next watcher runs it."""
    warnings: list[str] = []
    unreachable = hot(database, drop, clock, broker="redis://127.0.0.1:9/0", warn=warnings.append)
    photo(drop / "late.jpg", 30)
    unreachable.tick()
    clock.advance(SETTLE)
    (job_id,) = unreachable.tick()  # recorded, not sent; the watcher goes on
    assert unreachable.unsent == [job_id] and asset_count(database) == 0
    assert len(warnings) == 1 and f"job {job_id} stays queued" in warnings[0]
    assert unreachable.tick() == [] and len(warnings) == 1  # not before resend_every
    clock.advance(RESEND_EVERY)
    unreachable.tick()
    assert unreachable.unsent == [job_id] and len(warnings) == 2
    here = hot(database, drop, clock)
    (job_id,) = here.resume()
    assert job_of(database, job_id)["state"] == "done" and asset_count(database) == 1
    here.tick()
    clock.advance(SETTLE)
    assert here.tick() == []  # recorded as queued: not queued twice


def test_jobs_the_broker_did_not_take_are_sent_in_order_when_it_is_back(
    database: Database, drop: Path, clock: Clock
) -> None:
    folder = hot(database, drop, clock, broker="redis://127.0.0.1:9/0", warn=lambda _: None)
    photo(drop / "first.jpg", 31)
    folder.tick()
    clock.advance(SETTLE)
    (first,) = folder.tick()
    folder.notice(str(photo(drop / "second.jpg", 32)))
    folder.tick()
    clock.advance(SETTLE)
    (second,) = folder.tick()  # in line behind the first, not tried on its own
    assert folder.unsent == [first, second]
    folder.options.broker = None  # what the workers' side would do, run here
    clock.advance(RESEND_EVERY)
    folder.tick()
    assert folder.unsent == []
    assert [job_of(database, j)["state"] for j in (first, second)] == ["done", "done"]
    assert asset_count(database) == 2


def test_once_with_a_broker_away_says_what_stays_queued(
    run: Any, database: Database, drop: Path, config: Any
) -> None:
    if config.is_sqlite:
        pytest.skip("a broker needs a PostgreSQL catalog")
    from tests.jobs.services import spare_port

    photo(drop / "w.jpg", 33)
    away = f"redis://127.0.0.1:{spare_port()}/0"
    result = run("--broker", away, "watch", str(drop), "--once", "--settle", "0")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("photodesk: error: the broker did not take job ")
    assert any(line.startswith("warning: ") and "cannot queue the job" in line for line in lines)
    assert "Traceback" not in result.stderr and asset_count(database) == 0


def test_a_missing_folder_is_refused(database: Database, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="not a folder"):
        HotFolders(database, [tmp_path / "nowhere"])


# --- the real observers --------------------------------------------------------------


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_watching_with_a_real_observer(database: Database, drop: Path, polling: bool) -> None:
    folder = HotFolders(database, [drop], WatchOptions(settle=0.3, workers=1, full_scan_every=3600))
    stop = threading.Event()
    jobs: list[int] = []
    thread = threading.Thread(
        target=watch,
        args=(folder, stop),
        kwargs={"polling": polling, "tick_every": 0.1, "on_jobs": jobs.extend},
        daemon=True,
    )
    thread.start()
    try:
        wait_for(lambda: folder.looked)
        photo(drop / "incoming" / "first.jpg", 40)  # seen only through the observer's events
        wait_for(lambda: asset_count(database) == 1)
        photo(drop / "second.jpg", 41)
        wait_for(lambda: asset_count(database) == 2)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert [job_of(database, j)["state"] for j in jobs] == ["done"] * len(jobs)
    assert sum(job_of(database, j)["done"] for j in jobs) == 2


def test_polling_is_used_when_asked(database: Database, drop: Path) -> None:
    from watchdog.observers.polling import PollingEmitter

    folder = HotFolders(database, [drop], WatchOptions(settle=0.3, workers=1))
    observer = start_observer(folder, polling=True)
    try:
        assert observer.polled == {str(drop): "asked"}
        [running] = observer.running
        assert [isinstance(e, PollingEmitter) for e in running.emitters] == [True]
    finally:
        observer.stop()
        observer.join(timeout=10)


def test_the_command_ingests_what_is_there_once(run: Any, database: Database, drop: Path) -> None:
    for n in range(3):
        photo(drop / f"w{n}.jpg", 50 + n)
    result = run("watch", str(drop), "--once", "--settle", "0", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert "3 photos, done (3 done, 0 failed)" in result.stdout
    assert asset_count(database) == 3
    again = run("watch", str(drop), "--once", "--settle", "0", "--workers", "1")
    assert again.exit_code == 0 and again.stdout == ""


@pytest.mark.parametrize("stop_with", ["SIGINT", "SIGTERM"])
def test_an_idle_watcher_stops_without_talk_of_unfinished_work(
    config: Any, database: Database, drop: Path, stop_with: str
) -> None:
    """Ctrl-C (or systemd's SIGTERM) is how a watcher is stopped: with no job running it
    says it stopped and exits 0, not "interrupted … run again to finish"."""
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "library", "--library", str(config.root)]
    if config.database_url:
        command += ["--database-url", config.database_url]
    process = subprocess.Popen(
        [*command, "watch", str(drop), "--settle", "0.2"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().startswith("watching ")
        process.send_signal(getattr(signal, stop_with))
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (process.returncode, out, err.strip()) == (0, "", "stopped watching")


def test_a_watcher_stopped_in_the_middle_of_a_job_says_the_next_one_finishes_it(
    config: Any, database: Database, drop: Path
) -> None:
    """Ctrl-C while a job runs here: the run ends at once (exit 130) with the interrupted
    line, and no "leaked semaphore" noise from the decoding pool's resource tracker."""
    import signal
    import subprocess
    import sys

    from tests.ingest.test_interrupt import catalog_held, has_workers, wait_until

    if config.is_sqlite:
        pytest.skip("the hold that stops a job mid-run on SQLite stops it being queued too")
    for n in range(6):
        photo(drop / f"busy{n}.jpg", 70 + n)
    command = [sys.executable, "-m", "library", "--library", str(config.root)]
    command += ["--database-url", config.database_url]
    with catalog_held(config):  # the job decodes, but commits nothing
        process = subprocess.Popen(
            # The default workers: a pool of decoding processes (with one, this process
            # decodes itself).
            [*command, "watch", str(drop), "--settle", "0.2"],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            wait_until(lambda: has_workers(process.pid), process)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    said = err.decode()
    assert process.returncode == 130, said
    assert "interrupted; the library is consistent, and the next `photodesk watch` " in said
    assert "stopped watching" not in said
    assert "leaked semaphore" not in said and "Traceback" not in said
    assert asset_count(database) == 0
    # The next watcher finishes the job it left.
    again = subprocess.run(
        [*command, "watch", str(drop), "--once", "--settle", "0", "--workers", "1"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert asset_count(database) == 6
