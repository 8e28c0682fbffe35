"""`photodesk jobs`, `photodesk job` and `photodesk worker`: long work, its progress, workers."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from library.cli.base import (
    EXIT_ERROR,
    EXIT_FAILED_FILES,
    INTERRUPTS,
    Context,
    UserError,
    cli,
    emit_json,
    pass_context,
)
from library.cli.web import photo_links
from library.db import identity
from library.jobs import broker, records, running, tasks

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.models import Job

# Report files written by jobs link photos to the gallery's pages.
tasks.LINKS = photo_links

#: Seconds between looks at a followed job.
FOLLOW_EVERY = 0.5


@cli.command(name="jobs")
@click.option("--state", type=click.Choice(["queued", "running", "done", "failed", "cancelled"]))
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_context
def jobs_list(ctx: Context, state: str | None, limit: int, as_json: bool) -> None:
    """The latest jobs: kind, who started it, state and progress.

    \b
    Example:
        photodesk jobs
        photodesk jobs --state running --json
    """
    with ctx.session() as session:
        rows = [records.to_json(j, failures=False) for j in records.recent(session, limit, state)]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no jobs")
        return
    click.echo(f"{'id':>5}  {'kind':<15} {'state':<9} {'progress':>13}  {'by':<12} started")
    for row in rows:
        progress = f"{row['done'] + row['failed']}/{row['total']}"
        click.echo(
            f"{row['id']:>5}  {row['kind']:<15} {row['state']:<9} {progress:>13}  "
            f"{row['started_by'][:12]:<12} {row['started_at'] or row['created_at']}"
        )


class _JobGroup(click.Group):
    """`photodesk job ID` shows a job; `photodesk job cancel ID` cancels one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group(name="job", cls=_JobGroup)
def job_group() -> None:
    """One job: `photodesk job ID [--json] [--follow]`, `photodesk job cancel ID`.

    \b
    Example:
        photodesk job 12 --follow
        photodesk job cancel 12
    """


@job_group.command(name="show")
@click.argument("job_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--follow", is_flag=True, help="Show a progress bar until the job ends.")
@pass_context
def job_show(ctx: Context, job_id: int, as_json: bool, follow: bool) -> None:
    """A job's state, counts, times and failures (with --follow, until it ends).

    Exit status with --follow: 0 when it ended done, 3 when some items failed,
    1 when it failed or was cancelled.

    \b
    Example:
        photodesk job 12
        photodesk job 12 --follow
    """
    if follow:
        data = follow_job(ctx, job_id, bar=not as_json and sys.stderr.isatty())
    else:
        with ctx.session() as session:
            data = records.to_json(records.get(session, job_id))
    if as_json:
        emit_json(data)
    else:
        show_job(data)
    if follow:
        sys.exit(exit_status(data))


@job_group.command(name="cancel")
@click.argument("job_id", type=int)
@pass_context
def job_cancel(ctx: Context, job_id: int) -> None:
    """Cancel a job: pieces not yet committed are dropped, committed work stays.

    \b
    Example:
        photodesk job cancel 12
    """
    with ctx.session(write=True) as session:
        job = records.cancel(session, job_id)
        click.echo(
            f"job {job.id} cancelled ({job.done} done, {job.failed} failed of {job.total}; "
            "the rest were dropped)"
        )


def queue_options(command: Any) -> Any:
    """--queue and --wait, as `photodesk ingest` has them, for the other long commands."""
    command = click.option(
        "--wait", is_flag=True, help="With --queue: follow the job until it ends."
    )(command)
    return click.option(
        "--queue",
        is_flag=True,
        help="Run as a job (`photodesk jobs`): on the workers with --broker (prints the job "
        "id and returns), else here.",
    )(command)


def check_queue_options(queue: bool, wait: bool) -> None:
    if wait and not queue:
        raise UserError("--wait follows a job: use it with --queue")


def run_job(
    ctx: Context,
    plan: Callable[[Session], Job],
    *,
    wait: bool,
    as_json: bool = False,
    store: bool = True,
) -> None:
    """Plan a job, then send it to the workers or run it here, and report it.

    On the workers the job id is printed and, unless --wait, the command returns;
    run here (no broker) it ends when the job does. The exit status is the job's
    (see `photodesk job --follow`). ``store``: the job reads or writes the store, so a
    run here first checks that the library folder is the catalog's.
    """
    if ctx.broker_url:
        broker.require_shared_catalog(ctx.config)
    database = ctx.database()
    if store and not ctx.broker_url:  # run here: refused before a job is recorded
        identity.check_folder(database)
    with database.session_scope() as session:
        job = plan(session)
        job_id, kind, total = job.id, job.kind, job.total
    with announced(ctx, job_id, f"{kind}, {total} to do", quiet=as_json):
        running.dispatch(database, job_id, ctx.broker_url)
    report_dispatched(ctx, job_id, wait=wait, as_json=as_json)


@contextmanager
def announced(ctx: Context, job_id: int, what: str, *, quiet: bool = False) -> Iterator[None]:
    """Name the job (and print its id) around sending or running it: before a run here,
    which takes a while, but after the broker took it, so a broker that is away gives
    only its error, not a job said to be on the workers."""
    if quiet:
        yield
        return
    if not ctx.broker_url:
        click.echo(f"job {job_id}: {what}, running here", err=True)
        click.echo(job_id)
        yield
        return
    yield
    click.echo(f"job {job_id}: {what}, queued for the workers", err=True)
    click.echo(job_id)


def report_dispatched(ctx: Context, job_id: int, *, wait: bool, as_json: bool) -> None:
    """After a job was sent or run: return at once (workers, no --wait), or follow it
    to its end, show it and exit with its status."""
    if ctx.broker_url and not wait:
        if as_json:
            with ctx.database().session_scope(write=False) as session:
                emit_json(records.to_json(records.get(session, job_id)))
        return
    data = follow_job(ctx, job_id, bar=not as_json and sys.stderr.isatty())
    if as_json:
        emit_json(data)
    else:
        show_job(data)
    status = exit_status(data)
    if status:
        sys.exit(status)


def show_job(data: dict[str, Any]) -> None:
    click.echo(f"job {data['id']}: {data['kind']} by {data['started_by']}, {data['state']}")
    click.echo(f"  {data['done']} done, {data['failed']} failed of {data['total']}")
    for key in ("created_at", "started_at", "finished_at"):
        if data[key]:
            click.echo(f"  {key.replace('_at', '')}: {data[key]}")
    if data["error"]:
        click.echo(f"  error: {data['error']}")
    for key, value in sorted((data.get("result") or {}).items()):
        if key != "files":
            click.echo(f"  {key}: {value}")
    for failure in data.get("failures", []):
        click.echo(f"  failed: {failure['item']}: {failure['reason']}")


def exit_status(data: dict[str, Any]) -> int:
    if data["state"] in ("failed", "cancelled"):
        return EXIT_ERROR
    return EXIT_FAILED_FILES if data["failed"] else 0


def follow_job(ctx: Context, job_id: int, bar: bool) -> dict[str, Any]:
    """Look at the job until it is final; a progress bar on a terminal."""

    def look() -> dict[str, Any]:
        with ctx.session() as session:
            return records.to_json(records.get(session, job_id))

    data = look()
    if not bar:
        while not records.is_final(data["state"]):
            time.sleep(FOLLOW_EVERY)
            data = look()
        return data
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(f"job {job_id} {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task(data["state"], total=data["total"] or None)
        while True:
            progress.update(
                task,
                completed=data["done"] + data["failed"],
                total=data["total"] or None,
                description=data["state"],
            )
            if records.is_final(data["state"]):
                return data
            time.sleep(FOLLOW_EVERY)
            data = look()


@cli.command(name="worker")
@click.option(
    "--queues",
    default="jobs,matcher",
    show_default=True,
    help="Comma-separated: jobs (pieces of jobs), matcher (near-duplicate matching; "
    "run it on one worker only, whose index then stays warm).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Decoding processes for the piece at hand (0: one per core).",
)
@click.option("--name", help="The worker's name (default: photodesk-PID@HOST).")
@click.option(
    "--broker-wait",
    type=click.FloatRange(min=0),
    default=broker.START_WAIT,
    show_default=True,
    help="Seconds to wait for an unreachable broker at the start before giving up. "
    "Once connected, a worker waits out broker restarts however long they take.",
)
@pass_context
def worker(
    ctx: Context, queues: str, concurrency: int, name: str | None, broker_wait: float
) -> None:
    """Take job pieces from the broker until stopped (Ctrl-C or SIGTERM).

    Needs a broker (--broker or PHOTODESK_BROKER_URL), a PostgreSQL catalog
    (--database-url) and the library folder mounted at the same path as
    where the jobs are started. Start as many as there are machines.

    \b
    Example:
        photodesk --database-url postgresql://desk@db/photodesk \\
            --broker redis://queue:6379/0 --library /mnt/photos worker
        photodesk worker --queues jobs --concurrency 4
    """
    url = ctx.require_broker()
    broker.require_shared_catalog(ctx.config)
    database = ctx.database()
    identity.check_folder(database)
    chosen = [q.strip() for q in queues.split(",") if q.strip()]
    shown = broker.redact(url)
    with INTERRUPTS.stops_on_interrupt():
        broker.run_worker(
            database,
            url,
            chosen,
            concurrency,
            name,
            broker_wait,
            waiting=lambda: click.echo(
                f"waiting for the broker at {shown} (up to {broker_wait:g} s)", err=True
            ),
            ready=lambda: _started(f"photodesk worker on {shown} ({', '.join(chosen)})"),
        )


def _started(line: str) -> None:
    click.echo(f"{line}; Ctrl+C to stop", err=True)
    if warning := broker.root_warning():
        click.echo(f"warning: {warning}", err=True)
