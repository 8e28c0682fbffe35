"""Where a queued job runs: on the workers when a broker is configured, else here.

Without a broker the same task functions run in this process; an ingest is
pipelined over the local process pool exactly as `photodesk ingest` is.
"""

from __future__ import annotations

import threading

from library.db.engine import Database
from library.duplicates import saved_index
from library.errors import BrokerError
from library.ingest.pipeline import IngestObserver
from library.jobs import broker, records, tasks


def dispatch(
    database: Database,
    job_id: int,
    url: str | None,
    *,
    workers: int = 0,
    observer: IngestObserver | None = None,
    start_method: str | None = None,
    resend_later: bool = False,
) -> None:
    """Send the job's pieces to the workers, or run them here and return when done.

    A job the broker could not take is failed with the reason, unless the caller
    sends it again later (``resend_later``: the hot folders, when they restart).
    """
    with database.session_scope(write=False) as session:
        numbers = records.batch_numbers(session, job_id)
        kind = records.get(session, job_id).kind
    if url:
        broker.require_shared_catalog(database.config)
        try:
            broker.send_pieces(url, database.config, job_id, numbers)
        except BrokerError as exc:
            # Left queued, it would wait in `photodesk jobs` for ever. A piece that did
            # reach the broker before it went away still ingests its files.
            if not resend_later:
                with database.session_scope() as session:
                    records.fail(session, job_id, str(exc))
                tasks.tidy(database, job_id)  # an upload's files: its page says to send again
            raise
        return
    run_here(
        database,
        job_id,
        kind,
        numbers,
        workers=workers,
        observer=observer,
        start_method=start_method,
    )


def run_here(
    database: Database,
    job_id: int,
    kind: str,
    numbers: list[int],
    *,
    workers: int = 0,
    observer: IngestObserver | None = None,
    start_method: str | None = None,
) -> None:
    if not numbers:
        return
    if kind in ("ingest", "upload"):
        tasks.ingest_here(
            database, job_id, workers=workers, observer=observer, start_method=start_method
        )
        # Photos matched here (a hot folder's job, an upload) keep the saved signal index
        # current, as `photodesk ingest` does and the matcher does for the workers.
        saved_index.kept_current(database, build=True)
        return
    for number in numbers:
        try:
            tasks.run_piece(database, job_id, number)
        except Exception as exc:
            # As on a worker: the job fails with the reason, not left running for ever.
            tasks.fail_piece(database, job_id, number, exc)
            raise
    if kind == "rescan":
        saved_index.kept_current(database, build=True)


class _Background:
    """Jobs started by the gallery without a broker: one at a time, on a thread of their
    own, so a request answers at once. One at a time because each ingest already uses
    every core through the process pool; a second would only slow both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[Database, int, int]] = []
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition(self._lock)
        self._current: tuple[Database, int] | None = None

    def submit(self, database: Database, job_id: int, workers: int) -> None:
        with self._lock:
            self._queue.append((database, job_id, workers))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="photodesk-jobs", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    self._idle.notify_all()
                    return
                database, job_id, workers = self._queue.pop(0)
                self._current = (database, job_id)
            _run_logged(database, job_id, workers)
            with self._lock:
                self._current = None

    def wait(self, timeout: float | None = None) -> bool:
        """True once no job is queued or running here (False when the timeout ran out)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._thread is None, timeout)

    def abandon(self, reason: str) -> None:
        """Mark the jobs queued or running here failed (the process is stopping)."""
        with self._lock:
            left = [(d, j) for d, j, _ in self._queue]
            if self._current is not None:
                left.insert(0, self._current)
            self._queue.clear()
        for database, job_id in left:
            with database.session_scope() as session:
                upload = records.get(session, job_id).kind == "upload"
                # An upload's folder goes with its job: its sender must send the rest again.
                why = (
                    f"{reason}; the files it had not reached were not kept: send those again"
                    if upload
                    else f"{reason}; start it again"
                )
                records.fail(session, job_id, why)
            tasks.tidy(database, job_id)


_BACKGROUND = _Background()


def dispatch_in_background(
    database: Database, job_id: int, url: str | None, *, workers: int = 0
) -> None:
    """For the gallery: answer at once, the job runs on the workers or, without a
    broker, on this process's job thread over the local process pool."""
    if url:
        dispatch(database, job_id, url)
        return
    _BACKGROUND.submit(database, job_id, workers)


def wait_for_background(timeout: float | None = None) -> bool:
    """Let the jobs started here finish (a server stopping, a test ending)."""
    return _BACKGROUND.wait(timeout)


def abandon_background(reason: str) -> None:
    _BACKGROUND.abandon(reason)


def _run_logged(database: Database, job_id: int, workers: int) -> None:
    try:
        # The server has other threads: decoding processes are not forked from it.
        dispatch(database, job_id, None, workers=workers, start_method="forkserver")
    except Exception as exc:  # the job's page shows it; nothing else would
        with database.session_scope() as session:
            records.fail(session, job_id, str(exc).splitlines()[0] if str(exc) else "failed")
