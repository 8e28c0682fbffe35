"""The work of each job kind, as functions of the catalog, a job id and a piece number.

The same functions run on a Celery worker (one piece per task) and in this
process (running.py). Every piece is idempotent: a piece found done is
skipped, and what it counts is counted in the transaction of the work, so a
piece redelivered after a killed worker adds nothing twice and loses nothing.

A piece whose delivery was lost mid-way is finished item by item, each item
claimed in a committed transaction first: an item that was claimed
``POISON_TRIES`` times without finishing killed its worker each time, and is
recorded as a failure instead of being tried forever.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.engine import Database
from library.db.models import Job, JobBatch
from library.errors import JobCancelledError, PhotodeskError
from library.ingest.pipeline import FileOutcome, IngestObserver, IngestOptions, IngestSession
from library.jobs import records

#: Starts of one item without an end before it counts as poison.
POISON_TRIES = 2
POISON_REASON = "its worker died {tries} times while processing it; given up"

#: Files per ingest piece: one catalog transaction each.
INGEST_BATCH = 32
#: Photos per write-back piece.
WRITEBACK_BATCH = 50


def run_piece(database: Database, job_id: int, number: int, **options: Any) -> None:
    """Run one piece of a job, whatever its kind; a cancelled job's piece is dropped."""
    try:
        kind = _claim(database, job_id, number)
        if kind is None:
            return
        PIECES[kind](database, job_id, number, **options)
    except JobCancelledError:
        return
    finally:
        tidy(database, job_id)


def _claim(database: Database, job_id: int, number: int) -> str | None:
    """Start the job and count this delivery; None when the piece is already done."""

    def claim(session: Session) -> str | None:
        records.start(session, job_id)
        piece = _piece(session, job_id, number)
        if piece.state == "done":
            return None
        piece.deliveries += 1
        return records.get(session, job_id).kind

    return database.run_transaction(claim, what=f"starting job {job_id}")


def _piece(session: Session, job_id: int, number: int) -> JobBatch:
    piece = records.batch(session, job_id, number)
    if piece is None:
        raise PhotodeskError(f"job {job_id} has no piece {number}")
    return piece


def _piece_done(session: Session, job_id: int, number: int) -> None:
    _piece(session, job_id, number).state = "done"


def fail_piece(database: Database, job_id: int, number: int, exc: BaseException) -> None:
    """A piece failed for a reason a retry would not change: its job fails with that reason,
    here or on a worker, and what the job leaves behind (an upload's folder) goes."""
    with database.session_scope() as session:
        records.fail(session, job_id, f"piece {number}: {exc}".splitlines()[0])
    tidy(database, job_id)


def tidy(database: Database, job_id: int) -> None:
    """Remove what a finished job leaves behind: an upload's folder."""
    from library.db.models import Job

    with database.session_scope(write=False) as session:
        job = session.get(Job, job_id)
        if job is None or not records.is_final(job.state):
            return
        folder = (job.params or {}).get("folder")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


# --- item by item, after a lost delivery ------------------------------------------------


def _item_by_item(
    database: Database,
    job_id: int,
    number: int,
    work: Callable[[Any, Callable[..., bool]], None],
    describe: Callable[[Any], str] = str,
) -> None:
    """Finish a piece one item at a time from where it stands.

    ``work(item, commit_hook)`` does one item in its own transaction(s) and calls
    ``commit_hook(session)`` inside the one that makes it final (``commit_hook(session,
    reason)`` when the item failed there), which says whether the item was counted
    there (False: another delivery of the piece counted it first); an exception (other
    than cancelling) makes it a failure with its message, counted in a transaction of
    its own.
    """
    with database.session_scope(write=False) as session:
        items = list(_piece(session, job_id, number).items)
    while True:
        position, poison = database.run_transaction(
            lambda session: _claim_item(session, job_id, number, describe, items),
            what=f"job {job_id}",
        )
        if position is None:
            return
        if poison:
            continue
        item = items[position]

        def finished(session: Session, reason: str | None = None, position: int = position) -> bool:
            if not _uncounted(session, job_id, number, [position]):
                return False  # another delivery counted it meanwhile
            if reason is None:
                records.advance(session, job_id, done=1)
            else:
                records.advance(session, job_id, failures=[(describe(items[position]), reason)])
            return True

        try:
            work(item, finished)
        except (JobCancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # one item's failure, in words, and the piece goes on
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

            def failed(session: Session, position: int = position, reason: str = reason) -> None:
                if _uncounted(session, job_id, number, [position]):
                    records.advance(session, job_id, failures=[(describe(items[position]), reason)])

            database.run_transaction(failed, what=f"job {job_id}")


def _claim_item(
    session: Session, job_id: int, number: int, describe: Callable[[Any], str], items: list[Any]
) -> tuple[int | None, bool]:
    """(the next item's position, whether it turned out poison and was recorded so)."""
    piece = _locked_piece(session, job_id, number)
    if piece.state == "done" or piece.position >= len(items):
        return None, False
    piece.tries += 1
    if piece.tries > POISON_TRIES:
        position, reason = piece.position, POISON_REASON.format(tries=piece.tries - 1)
        _uncounted(session, job_id, number, [position])
        records.advance(session, job_id, failures=[(describe(items[position]), reason)])
        return position, True
    return piece.position, False


def _locked_piece(session: Session, job_id: int, number: int) -> JobBatch:
    """The piece as last committed, its row locked until this transaction ends, so two
    deliveries of one piece (a redelivery while the first still runs, a restarted
    watcher's resend) take turns at its count."""
    piece = session.scalar(
        select(JobBatch)
        .where(JobBatch.job_id == job_id, JobBatch.number == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if piece is None:
        raise PhotodeskError(f"job {job_id} has no piece {number}")
    return piece


def _uncounted(session: Session, job_id: int, number: int, positions: list[int]) -> list[int]:
    """Which of these items (positions in the piece, ascending) no delivery has counted
    yet; they count from this transaction, as the piece's position moves past them.

    Items are counted in order, so the position is the whole record: an item before
    it was counted by whichever delivery committed first, and is not counted again.
    """
    piece = _locked_piece(session, job_id, number)
    if piece.state == "done":
        return []
    fresh = [p for p in positions if p >= piece.position]
    if fresh:
        piece.position, piece.tries = fresh[-1] + 1, 0
        if piece.position >= len(piece.items):
            piece.state = "done"
    return fresh


# --- ingest and upload --------------------------------------------------------------------


def ingest_piece(
    database: Database,
    job_id: int,
    number: int,
    workers: int = 1,
    isolate: bool = True,
    match_near: bool = False,
    after_commit: Callable[[], None] | None = None,
) -> None:
    """Catalog one piece's files: at the first delivery all in one transaction, after
    a lost one file by file (see the module's docstring)."""
    with database.session_scope(write=False) as session:
        job = records.get(session, job_id)
        params = dict(job.params or {})
        piece = _piece(session, job_id, number)
        items, first = list(piece.items), piece.deliveries <= 1 and piece.position == 0

    def options(on_batch: Callable[[Session, list[FileOutcome]], None]) -> IngestOptions:
        return IngestOptions(
            workers=workers,
            isolate=isolate,
            match_near=match_near,
            link=bool(params.get("link")),
            time_limit=float(params.get("time_limit", 60.0)),
            batch_size=max(1, len(items)),
            path_labels=dict(params.get("labels") or {}),
            on_batch=on_batch,
        )

    if first:
        places = {item: (number, position) for position, item in enumerate(items)}

        def count(session: Session, outcomes: list[FileOutcome]) -> None:
            _count_new(session, job_id, outcomes, places)

        IngestSession(database, options(count)).run(items)
    else:

        def one(path: str, finished: Callable[..., bool]) -> None:
            def count(session: Session, outcomes: list[FileOutcome]) -> None:
                failed = [o.error or "failed" for o in outcomes if o.status == "failed"]
                if finished(session, failed[0] if failed else None):
                    _record_outcomes(session, records.get(session, job_id), outcomes)

            IngestSession(database, options(count)).run([path])

        labels = dict(params.get("labels") or {})
        _item_by_item(database, job_id, number, one, describe=lambda p: labels.get(p, p))
    if after_commit is not None:
        after_commit()


class _FileFailedError(Exception):
    """The one file of an item-by-item step could not be ingested (its reason)."""


def _count_new(
    session: Session,
    job_id: int,
    outcomes: list[FileOutcome],
    places: dict[str, tuple[int, int]],
) -> None:
    """Count a committed batch's outcomes that no other delivery counted; ``places`` gives
    each file's piece and position in it."""
    by_piece: dict[int, list[tuple[int, FileOutcome]]] = {}
    fresh: list[FileOutcome] = []
    for outcome in outcomes:
        place = places.get(outcome.path)
        if place is None:  # not a file of the job as planned; nothing else counts it
            fresh.append(outcome)
            continue
        by_piece.setdefault(place[0], []).append((place[1], outcome))
    for number, rows in sorted(by_piece.items()):
        rows.sort(key=lambda row: row[0])
        counted = set(_uncounted(session, job_id, number, [position for position, _ in rows]))
        fresh += [outcome for position, outcome in rows if position in counted]
    if fresh:
        _count_outcomes(session, job_id, fresh)


def _count_outcomes(session: Session, job_id: int, outcomes: list[FileOutcome]) -> None:
    job = records.get(session, job_id)
    # An upload's files sit in a folder deleted afterwards: a failure names the upload.
    labels = (job.params or {}).get("labels") or {}
    failures = [
        (labels.get(o.path, o.path), o.error or "failed") for o in outcomes if o.status == "failed"
    ]
    records.advance(session, job_id, done=len(outcomes) - len(failures), failures=failures)
    _record_outcomes(session, job, outcomes)


def _record_outcomes(session: Session, job: Job, outcomes: list[FileOutcome]) -> None:
    """The job's result: photos added, and for an upload each file's fate. Whole pieces and
    pieces finished file by file after a lost delivery both come here, so both say the same."""
    result = dict(job.result or {})
    for status in ("ingested", "already_present"):  # what `photodesk ingest --json` says
        result[status] = int(result.get(status, 0)) + sum(1 for o in outcomes if o.status == status)
    if job.kind == "upload":  # the page shows where each uploaded file went
        result["files"] = _upload_files(session, job, outcomes, dict(result.get("files") or {}))
    job.result = result


def _upload_files(
    session: Session, job: Job, outcomes: list[FileOutcome], files: dict[str, Any]
) -> dict[str, Any]:
    """Each uploaded file's fate, by its label; the upload's template applied to each
    new photo here, in the transaction that catalogs it."""
    from library.catalog import templates
    from library.errors import InvalidValueError

    params = job.params or {}
    labels = params.get("labels") or {}
    chosen = params.get("template") or {}
    compiled = templates.compile_spec(chosen["spec"]) if chosen else None
    for o in outcomes:
        fate: dict[str, Any] = {
            "status": o.status,
            "asset_id": o.asset_id,
            "reason": o.error,
            "warnings": o.warnings,
        }
        if compiled is not None and o.status == "ingested" and o.asset_id is not None:
            name = chosen["name"]
            try:
                # One photo at a time: one that lacks a value (no city) keeps what it
                # came with and says why, and raises before it writes anything.
                templates.apply_spec(
                    session, compiled, [o.asset_id], job.started_by, templates.source_of(name)
                )
            except InvalidValueError as exc:
                fate["template"] = f"template “{name}” not applied: {exc}"
            else:
                fate["template"] = f"template “{name}” applied"
        files[labels.get(o.path, o.path)] = fate
    return files


def ingest_here(
    database: Database,
    job_id: int,
    workers: int = 0,
    observer: IngestObserver | None = None,
    start_method: str | None = None,
) -> None:
    """Run a whole ingest job in this process, pipelined over the local process pool as
    `photodesk ingest` does, counting each batch in its transaction."""
    try:
        with database.session_scope() as session:
            records.start(session, job_id)
            job = records.get(session, job_id)
            params = dict(job.params or {})
            # A run cut short (Ctrl-C, a watcher stopped) goes on where its count stands.
            places = {
                item: (piece.number, position)
                for piece in _pieces(session, job_id)
                if piece.state != "done"
                for position, item in enumerate(piece.items)
                if position >= piece.position
            }
    except JobCancelledError:
        tidy(database, job_id)  # cancelled before it started: an upload's folder goes
        return
    items = list(places)

    def count(session: Session, outcomes: list[FileOutcome]) -> None:
        _count_new(session, job_id, outcomes, places)

    options = IngestOptions(
        workers=workers,
        link=bool(params.get("link")),
        time_limit=float(params.get("time_limit", 60.0)),
        path_labels=dict(params.get("labels") or {}),
        on_batch=count,
        start_method=start_method,
    )
    try:
        IngestSession(database, options, observer).run(items)
        with database.session_scope() as session:
            for piece in _pieces(session, job_id):
                piece.state = "done"
    except JobCancelledError:
        pass
    finally:
        tidy(database, job_id)


def _pieces(session: Session, job_id: int) -> list[JobBatch]:
    return list(
        session.scalars(select(JobBatch).where(JobBatch.job_id == job_id).order_by(JobBatch.number))
    )


# --- write-back ---------------------------------------------------------------------------


def writeback_piece(database: Database, job_id: int, number: int, **_: Any) -> None:
    """Write the catalog's values into one piece's stored originals, photo by photo."""
    from library.files.writeback import writeback

    with database.session_scope(write=False) as session:
        user = str((records.get(session, job_id).params or {}).get("user", "jobs"))

    def one(asset_id: int, finished: Callable[..., bool]) -> None:
        def counted(session: Session, _: int) -> None:
            finished(session)  # a write-back again is the same file: no matter who counts

        report = writeback(database, [int(asset_id)], user=user, on_each=counted)
        if report.failed:
            # The item is named "photo N" beside the reason: the reason need not say it again.
            reason = report.failed[0].error
            raise _FileFailedError(reason.removeprefix(f"photo {asset_id}: "))

    _item_by_item(database, job_id, number, one, describe=lambda i: f"photo {i}")


# --- single-piece jobs --------------------------------------------------------------------


def rescan_piece(database: Database, job_id: int, number: int, **_: Any) -> None:
    """Find near-duplicates again over the whole library: old signals recomputed, then
    one transaction for the pass."""
    from library.db.engine import NEAR_DUPLICATES_LOCK, one_writer_at_a_time
    from library.duplicates import pairs, refresh

    # Old signals first, in their own transactions (a redelivered piece finds
    # fewer stale photos, never wrong ones), then the pass over all of them.
    refreshed = refresh.refresh_signals(database)

    def work(session: Session) -> None:
        one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
        found = pairs.rescan(session)
        records.add_result(
            session,
            job_id,
            {
                "pairs": found,
                "signals_recomputed": refreshed.refreshed,
                "signals_failed": len(refreshed.failed),
            },
        )
        records.advance(session, job_id, done=1)
        _piece_done(session, job_id, number)

    database.run_transaction(work, what="the rescan")


def reindex_piece(database: Database, job_id: int, number: int, **_: Any) -> None:
    """Rebuild the full-text index, in one transaction."""
    from library.catalog import search

    def work(session: Session) -> None:
        count = search.rebuild_index(session)
        records.add_result(session, job_id, {"photos": count})
        records.advance(session, job_id, done=1)
        _piece_done(session, job_id, number)

    database.run_transaction(work, what="the reindex")


def import_articles_piece(database: Database, job_id: int, number: int, **_: Any) -> None:
    """Import one piece's article files (an import of the same file again updates it)."""
    from library.articles.imports import import_articles

    with database.session_scope(write=False) as session:
        job = records.get(session, job_id)
        params = dict(job.params or {})
        items = list(_piece(session, job_id, number).items)
    media = params.get("media")
    report = import_articles(
        database,
        items,
        format=params.get("format", "auto"),
        media=Path(media) if media else None,
        user=job.started_by,
        include_unpublished=bool(params.get("include_unpublished")),
    )

    def count(session: Session) -> None:
        # The item names the file: its reason need not start with the file's name again.
        failures = [
            (e["path"], e["error"].removeprefix(f"{Path(e['path']).name}: ")) for e in report.errors
        ]
        failed_paths = {path for path, _ in failures}
        done = sum(1 for item in items if item not in failed_paths)
        piece = _piece(session, job_id, number)
        if piece.state == "done":
            return  # a redelivery that found the piece done meanwhile
        records.advance(session, job_id, done=done, failures=failures)
        job = records.get(session, job_id)
        result = dict(job.result or {})
        for key in ("articles_created", "articles_updated", "ingested"):
            result[key] = int(result.get(key, 0)) + int(getattr(report, key, 0))
        job.result = result
        piece.state = "done"

    database.run_transaction(count, what=f"job {job_id}")


def report_piece(database: Database, job_id: int, number: int, **_: Any) -> None:
    """Build a report and write it to the job's output file."""
    from library.reports.exports import write_report

    with database.session_scope(write=False) as session:
        params = dict(records.get(session, job_id).params or {})
    output = Path(params["output"])

    def work(session: Session) -> None:
        summary = write_report(session, params, output, LINKS)
        records.add_result(session, job_id, {"output": str(output), **summary})
        records.advance(session, job_id, done=1)
        _piece_done(session, job_id, number)

    database.run_transaction(work, what="the report")


#: Builds links to gallery pages under a base URL; set by the command line (which may
#: import the gallery's routes), None where reports are written without links.
LINKS: Callable[[str], Callable[[int], str]] | None = None


PIECES: dict[str, Callable[..., None]] = {
    "ingest": ingest_piece,
    "upload": ingest_piece,
    "writeback": writeback_piece,
    "rescan": rescan_piece,
    "reindex": reindex_piece,
    "import-articles": import_articles_piece,
    "report": report_piece,
}
