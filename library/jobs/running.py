"""Where a queued job runs: on the workers when a broker is configured, else here.

Without a broker the same task functions run in this process; an ingest is
pipelined over the local process pool exactly as `photodesk ingest` is.
"""

from __future__ import annotations

import threading

from library.db.engine import Database
from library.ingest.pipeline import IngestObserver
from library.jobs import broker, records, tasks


def dispatch(
    database: Database,
    job_id: int,
    url: str | None,
    *,
    workers: int = 0,
    observer: IngestObserver | None = None,
) -> None:
    """Send the job's pieces to the workers, or run them here and return when done."""
    with database.session_scope(write=False) as session:
        numbers = records.batch_numbers(session, job_id)
        kind = records.get(session, job_id).kind
    if url:
        broker.require_shared_catalog(database.config)
        broker.send_pieces(url, database.config, job_id, numbers)
        return
    run_here(database, job_id, kind, numbers, workers=workers, observer=observer)


def run_here(
    database: Database,
    job_id: int,
    kind: str,
    numbers: list[int],
    *,
    workers: int = 0,
    observer: IngestObserver | None = None,
) -> None:
    if not numbers:
        return
    if kind in ("ingest", "upload"):
        tasks.ingest_here(database, job_id, workers=workers, observer=observer)
        return
    for number in numbers:
        tasks.run_piece(database, job_id, number)


def dispatch_in_background(database: Database, job_id: int, url: str | None) -> None:
    """For the gallery: answer at once, the job runs on the workers or in a thread here."""
    if url:
        dispatch(database, job_id, url)
        return
    thread = threading.Thread(
        target=_run_logged, args=(database, job_id), name=f"photodesk-job-{job_id}", daemon=True
    )
    thread.start()


def _run_logged(database: Database, job_id: int) -> None:
    try:
        dispatch(database, job_id, None, workers=1)
    except Exception as exc:  # the job's page shows it; nothing else would
        with database.session_scope() as session:
            records.fail(session, job_id, str(exc).splitlines()[0] if str(exc) else "failed")
