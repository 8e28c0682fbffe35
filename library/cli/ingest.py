"""`photodesk ingest` and `photodesk failures`: files into the catalog, and what could not be read."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from library.catalog import photos as catalog
from library.catalog import queries
from library.cli.base import (
    EXIT_FAILED_FILES,
    Context,
    UserError,
    cli,
    default_user,
    emit_json,
    keep_index_current,
    pass_context,
)
from library.cli.jobs import announced, report_dispatched
from library.db import identity
from library.ingest.pipeline import FileOutcome, IngestOptions, IngestSession
from library.jobs import broker, plans, records, running


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for decoding and hashing (0: one per core).",
)
@click.option("--link", is_flag=True, help="Hard-link (or symlink) originals instead of copying.")
@click.option("--dry-run", is_flag=True, help="Analyse and report, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds one file may take to decode before it is given up.",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Run as a job: split into pieces for the workers (with --broker), print the "
    "job id and return; without a broker the job runs here.",
)
@click.option("--wait", is_flag=True, help="With --queue: follow the job until it ends.")
@click.option(
    "--piece-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="With --queue: photos per piece (one task on a worker, one transaction).",
)
@pass_context
def ingest(
    ctx: Context,
    paths: tuple[str, ...],
    workers: int,
    link: bool,
    dry_run: bool,
    as_json: bool,
    time_limit: float,
    queue: bool,
    wait: bool,
    piece_size: int,
) -> None:
    """Add photos (files or folders, walked recursively) to the library.

    JPEG, PNG, WebP, TIFF, GIF and HEIC are cataloged; other files are skipped.
    A file already in the library adds no photo, only its new path. Files that
    cannot be read are recorded with a reason and the run goes on.

    With --queue the run is a job (`photodesk jobs`): on the workers when a
    broker is configured, else here, counted in the catalog as it goes.

    Exit status: 0 when every file was ingested, already present or skipped;
    3 when some failed.

    \b
    Example:
        photodesk ingest ~/Pictures/2019 --workers 2
        photodesk ingest card/DCIM --dry-run --json
        photodesk --broker redis://127.0.0.1:6379/0 ingest /wire/2024 --queue --wait
    """
    if wait and not queue:
        raise UserError("--wait follows a job: use it with --queue")
    if queue and dry_run:
        raise UserError("--dry-run writes nothing, so there is no job to queue")
    if queue and ctx.broker_url:
        broker.require_shared_catalog(ctx.config)
    for path in paths:
        # A mistyped argument is the command's error, before anything is written or
        # queued; a file that vanishes during the run is that file's failure.
        if not os.path.lexists(path):
            raise UserError(f"{path}: no such file or folder")
    database = ctx.database(
        create=not ctx.config.is_sqlite or ctx.config.sqlite_path.exists() is False
    )
    if queue:
        _queue(ctx, database, paths, workers, link, time_limit, as_json, wait, piece_size)
        return
    options = IngestOptions(workers=workers, link=link, dry_run=dry_run, time_limit=time_limit)
    with _progress(enabled=not as_json and sys.stderr.isatty()) as observer:
        report = IngestSession(database, options, observer).run(paths)
    if as_json:
        emit_json(report.to_json())
    else:
        for failure in report.failed:
            click.echo(f"failed: {failure['path']}: {failure['error']}", err=True)
        for warning in report.warnings:
            click.echo(f"warning: {warning['path']}: {warning['warning']}", err=True)
        click.echo(report.summary())
    if not dry_run:
        keep_index_current(ctx, build=True)
    if report.failed:
        sys.exit(EXIT_FAILED_FILES)


def _queue(
    ctx: Context,
    database: Any,
    paths: tuple[str, ...],
    workers: int,
    link: bool,
    time_limit: float,
    as_json: bool,
    wait: bool,
    piece_size: int,
) -> None:
    if not ctx.broker_url:  # run here: refused before a job is recorded
        identity.check_folder(database)
    with database.session_scope() as session:
        job = plans.plan_ingest(
            session,
            paths,
            default_user(),
            link=link,
            time_limit=time_limit,
            batch_size=piece_size,
        )
        job_id, total, pieces = job.id, job.total, len(records.batch_numbers(session, job.id))
    what = f"{total} photo{'' if total == 1 else 's'} in {pieces} piece{'' if pieces == 1 else 's'}"
    with (
        announced(ctx, job_id, what, quiet=as_json),
        _progress(enabled=not as_json and not ctx.broker_url and sys.stderr.isatty()) as observer,
    ):
        running.dispatch(database, job_id, ctx.broker_url, workers=workers, observer=observer)
    report_dispatched(ctx, job_id, wait=wait, as_json=as_json)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None)

        class Observer:
            def started(self, total: int) -> None:
                progress.update(task, total=total)

            def advanced(self, outcome: FileOutcome) -> None:
                progress.advance(task)

        yield Observer()


@cli.command()
@click.option(
    "--warnings",
    "with_warnings",
    is_flag=True,
    help="Instead: photos that were ingested with warnings (lost metadata, truncated files).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def failures(ctx: Context, with_warnings: bool, as_json: bool) -> None:
    """Files that could not be ingested, with the reason.

    With --warnings: the photos that were ingested but lost something on the way
    (a metadata block that could not be read, the last rows of a truncated JPEG),
    one line per warning with the path and the photo id.

    \b
    Example:
        photodesk failures
        photodesk failures --warnings --json
    """
    rows: list[dict[str, Any]]
    with ctx.session() as session:
        if with_warnings:
            rows = [
                {"path": w.path, "asset_id": w.asset_id, "warning": w.message}
                for w in catalog.list_warnings(session)
            ]
        else:
            rows = [{"path": f.path, "error": f.reason} for f in queries.list_failures(session)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        if with_warnings:
            click.echo(f"{row['path']}: photo {row['asset_id']}: {row['warning']}")
        else:
            click.echo(f"{row['path']}: {row['error']}")
