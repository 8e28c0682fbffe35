"""Jobs in the catalog: creating them, counting their progress, cancelling them.

Progress is counted with ``UPDATE ... SET done = done + n`` in the transaction
of the work counted, so a crash loses both or neither, and a redelivered piece
that finds itself done adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from library.db.models import FINAL_JOB_STATES, Job, JobBatch, JobFailure, utcnow
from library.errors import InvalidValueError, JobCancelledError, JobNotFoundError

#: The kinds of work that run as jobs.
KINDS = ("ingest", "upload", "writeback", "rescan", "import-articles", "reindex", "report")


def create(
    session: Session,
    kind: str,
    started_by: str,
    params: dict[str, Any],
    batches: Sequence[Sequence[Any]] = (),
    total: int | None = None,
) -> Job:
    """A queued job; ``batches`` are its pieces (each goes to a worker as one task)."""
    if kind not in KINDS:
        raise InvalidValueError(f"{kind!r}: unknown job kind (known: {', '.join(KINDS)})")
    job = Job(
        kind=kind,
        started_by=started_by,
        state="queued",
        params=params,
        total=sum(len(b) for b in batches) if total is None else total,
        done=0,
        failed=0,
        result={},
    )
    session.add(job)
    session.flush()
    for number, items in enumerate(batches):
        session.add(JobBatch(job_id=job.id, number=number, items=list(items), state="queued"))
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFoundError(f"no job with id {job_id}")
    return job


def recent(
    session: Session, limit: int = 50, state: str | None = None, before: int | None = None
) -> list[Job]:
    """The newest jobs first; ``before`` (a job id) pages back to older ones."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Job.state == state)
    if before is not None:
        query = query.where(Job.id < before)
    return list(session.scalars(query))


def batch_numbers(session: Session, job_id: int, state: str = "queued") -> list[int]:
    return list(
        session.scalars(
            select(JobBatch.number)
            .where(JobBatch.job_id == job_id, JobBatch.state == state)
            .order_by(JobBatch.number)
        )
    )


def batch(session: Session, job_id: int, number: int) -> JobBatch | None:
    return session.scalar(
        select(JobBatch).where(JobBatch.job_id == job_id, JobBatch.number == number)
    )


def start(session: Session, job_id: int) -> None:
    """Queued → running (the first piece to start does it); a final job raises
    JobCancelledError for cancelled ones, so the piece is dropped."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=utcnow())
    )
    job = get(session, job_id)
    if job.state == "cancelled":
        raise JobCancelledError(f"job {job_id} was cancelled")


def advance(
    session: Session, job_id: int, done: int = 0, failures: Sequence[tuple[str, str]] = ()
) -> None:
    """Count work that this transaction commits; a cancelled job refuses it.

    The row is locked by the update until the transaction ends, so two pieces
    finishing at once each see the other's count, and the last one to commit
    closes the job.
    """
    for item, reason in failures:
        session.add(JobFailure(job_id=job_id, item=item, reason=reason))
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running")))
        .values(done=Job.done + done, failed=Job.failed + len(failures))
    )
    if not getattr(changed, "rowcount", 0):
        raise JobCancelledError(f"job {job_id} was cancelled")
    job = get(session, job_id)
    session.refresh(job)
    if job.done + job.failed >= job.total:
        finish(session, job)


def finish(session: Session, job: Job, error: str | None = None) -> None:
    job.state = "failed" if error else "done"
    job.error = error
    job.finished_at = utcnow()
    if job.started_at is None and error is None:
        # Nothing to do ends at once; a job that failed before it started never started.
        job.started_at = job.finished_at
    session.flush()


def fail(session: Session, job_id: int, error: str) -> None:
    """The job as a whole could not go on (not one file: the work itself)."""
    job = get(session, job_id)
    if job.state not in FINAL_JOB_STATES:
        finish(session, job, error)


def add_result(session: Session, job_id: int, values: dict[str, Any]) -> None:
    job = get(session, job_id)
    job.result = {**(job.result or {}), **values}


def cancel(session: Session, job_id: int) -> Job:
    """Stop a job: pieces not yet committed are dropped, what is committed stays."""
    job = get(session, job_id)
    if job.state in FINAL_JOB_STATES:
        raise InvalidValueError(f"job {job_id} is already {job.state}")
    job.state = "cancelled"
    job.finished_at = utcnow()
    session.flush()
    return job


def is_final(state: str) -> bool:
    return state in FINAL_JOB_STATES


def to_json(job: Job, failures: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "started_by": job.started_by,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "error": job.error,
        "result": job.result or {},
        "params": job.params or {},
    }
    if failures:
        data["failures"] = [{"item": f.item, "reason": f.reason} for f in job.failures]
    return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None
