"""`photodesk watch`: hot folders, each arriving photo ingested once it is complete."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from library.cli.base import (
    INTERRUPTS,
    Context,
    UserError,
    cli,
    default_user,
    leave_interrupted,
    pass_context,
)
from library.jobs import broker, records
from library.watch.folders import WatchOptions
from library.watch.observing import watch as watch_folders


@cli.command(name="watch")
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds a file's size and modification time must stay the same before it "
    "is ingested (a transfer still writing it keeps changing them).",
)
@click.option(
    "--polling",
    is_flag=True,
    help="Poll every folder instead of using inotify (folders on a network mount "
    "and systems without inotify are polled anyway).",
)
@click.option(
    "--piece-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Photos per piece of each job (one task on a worker, one transaction).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Without a broker: decoding processes here (0: one per core).",
)
@click.option("--link", is_flag=True, help="Hard-link (or symlink) originals instead of copying.")
@click.option(
    "--once",
    is_flag=True,
    help="Ingest what is there (once it settled) and stop, instead of watching on.",
)
@pass_context
def watch(
    ctx: Context,
    folders: tuple[Path, ...],
    settle: float,
    polling: bool,
    piece_size: int,
    workers: int,
    link: bool,
    once: bool,
) -> None:
    """Watch drop folders and ingest each photo that arrives, once it is complete.

    A file is ingested when its size and modification time have not changed for
    --settle seconds, so a transfer still writing it is never read half-written.
    The arrivals of each moment become one ingest job (`photodesk jobs`): on the
    workers with --broker, else here. What was queued is kept in the catalog, so
    a restarted watcher neither misses nor repeats a file; a file replaced in
    the folder is ingested again. Ctrl-C or SIGTERM stops it.

    \b
    Example:
        photodesk watch /srv/drop/wire /srv/drop/staff --settle 10
        photodesk --broker redis://127.0.0.1:6379/0 watch /mnt/ftp
        photodesk watch ~/incoming --once
    """
    if ctx.broker_url:
        broker.require_shared_catalog(ctx.config)
    database = ctx.database(create=ctx.config.is_sqlite and not ctx.config.sqlite_path.exists())
    from library.watch.folders import HotFolders

    hot = HotFolders(
        database,
        [str(f) for f in folders],
        WatchOptions(
            settle=settle,
            piece_size=piece_size,
            workers=workers,
            link=link,
            broker=ctx.broker_url,
            started_by=default_user(),
            warn=lambda message: click.echo(f"warning: {message}", err=True),
        ),
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def report(job_ids: list[int]) -> None:
        with database.session_scope(write=False) as session:
            for job_id in job_ids:
                job = records.get(session, job_id)
                click.echo(
                    f"job {job.id}: {job.total} photo{'' if job.total == 1 else 's'}, {job.state} "
                    f"({job.done} done, {job.failed} failed)"
                )

    def say_polled(polled: dict[str, str]) -> None:
        for folder, why in polled.items():
            click.echo(
                f"polling {folder}: {'as asked (--polling)' if why == 'asked' else why}", err=True
            )

    where = "the workers" if ctx.broker_url else "here"
    try:
        with INTERRUPTS.stops_on_interrupt():
            # Said once Ctrl-C stops it normally, so one right after it is a normal stop.
            click.echo(
                f"watching {', '.join(hot.folders)} (settle {settle:g} s, ingest on {where}); "
                "Ctrl+C to stop",
                err=True,
            )
            watch_folders(
                hot, stop, polling=polling, once=once, on_jobs=report, on_polled=say_polled
            )
    except KeyboardInterrupt:
        if hot.running is not None:
            leave_interrupted(f"and the next `photodesk watch` finishes job {hot.running}")
        click.echo("stopped watching", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if stop.is_set():  # SIGTERM (systemd, docker stop), once the job at hand was done
        click.echo("stopped watching", err=True)
    if hot.unsent:
        many = len(hot.unsent) > 1
        raise UserError(
            f"the broker did not take job{'s' if many else ''} "
            f"{', '.join(map(str, hot.unsent))}: {'they stay' if many else 'it stays'} "
            "queued in the catalog, and the next `photodesk watch` sends "
            f"{'them' if many else 'it'}"
        )
