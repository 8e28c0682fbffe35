"""Commands that look after the library as a whole: init, info, verify, backup, restore."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from library.catalog import queries, search
from library.catalog.store import Store
from library.cli.base import (
    EXIT_ERROR,
    EXIT_FAILED_FILES,
    Context,
    cli,
    default_user,
    emit_json,
    formats_text,
    pass_context,
    redact,
    size_text,
)
from library.cli.jobs import check_queue_options, queue_options, run_job
from library.db.engine import init_library
from library.files import backup, verify
from library.jobs import plans


@cli.command()
@pass_context
def init(ctx: Context) -> None:
    """Create a library (or upgrade an existing one to the newest schema).

    \b
    Example:
        photodesk --library ~/desk init
    """
    database = init_library(ctx.config)
    where = ctx.config.database_url or ctx.config.sqlite_path
    click.echo(f"library ready at {ctx.config.root} (catalog: {redact(str(where))})")
    database.dispose()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def info(ctx: Context, as_json: bool) -> None:
    """Counts, where the catalog lives and how big the store is.

    \b
    Example:
        photodesk info --json
    """
    with ctx.session() as session:
        data = queries.library_info(session)
    data["library"] = str(ctx.config.root)
    data["database"] = redact(ctx.config.url)
    data["store_bytes"] = Store(ctx.config.store_root).size()
    if as_json:
        emit_json(data)
        return
    click.echo(f"library:   {data['library']}")
    click.echo(f"database:  {data['database']}")
    click.echo(f"photos:    {data['assets']} ({formats_text(data['formats'])})")
    click.echo(f"paths:     {data['paths']} known file locations")
    click.echo(f"no credit: {data['missing_credit']}")
    click.echo(f"failures:  {data['failures']} files could not be ingested")
    click.echo(f"store:     {size_text(data['store_bytes'])}")


@cli.command(name="verify")
@click.option("--repair", is_flag=True, help="Fix what can be fixed (see above).")
@click.option("--quick", is_flag=True, help="Do not re-hash originals, only check they exist.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def verify_command(ctx: Context, repair: bool, quick: bool, as_json: bool) -> None:
    """Check the catalog against the store: missing, corrupt and orphaned files,
    and stored duplicate groups that no longer match the pairs and decisions.

    With --repair, orphans and half-written files are removed, renditions are
    made again, a lost original is restored from a known path that still
    holds the same bytes, and the duplicate groups are rebuilt. Exits 1 when
    a problem is found (with --repair: when one could not be fixed).

    \b
    Example:
        photodesk verify
        photodesk verify --repair
    """
    report = verify.verify_library(ctx.database(), repair=repair, check_contents=not quick)
    if as_json:
        emit_json(report.to_json())
    else:
        for problem in report.problems:
            state = "repaired" if problem.repaired else "found"
            owner = f" (photo {problem.asset_id})" if problem.asset_id else ""
            click.echo(
                f"{state}: {problem.kind}: {problem.path}{owner}"
                + (f": {problem.detail}" if problem.detail else "")
            )
        click.echo(
            f"checked {report.assets} photos and {report.files} stored files: "
            f"{len(report.problems)} problems, {len(report.unrepaired)} left"
        )
    remaining = report.unrepaired if repair else report.problems
    if remaining:
        sys.exit(EXIT_ERROR)


@cli.command(name="backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@pass_context
def backup_command(ctx: Context, destination: Path) -> None:
    """Take a consistent copy of the library while it stays in use.

    The catalog is snapshotted (SQLite's backup API, or pg_dump), the stored
    files it refers to are copied, and a manifest lists them.

    \b
    Example:
        photodesk backup /mnt/backups/desk-2026-11-27
    """
    report = backup.backup_library(ctx.database(), destination)
    click.echo(
        f"backed up the {report.database} catalog and {report.files} files "
        f"({size_text(report.bytes)}) to {report.destination}"
    )
    if report.missing:
        click.echo(
            f"warning: {report.missing} file{'' if report.missing == 1 else 's'} the catalog "
            f"names {'is' if report.missing == 1 else 'are'} missing from the store and not in "
            "the backup (`photodesk verify` lists them)",
            err=True,
        )
        sys.exit(EXIT_FAILED_FILES)


@cli.command(name="restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_context
def restore_command(ctx: Context, source: Path) -> None:
    """Bring a backup back into a new, empty library folder (or empty database).

    \b
    Example:
        photodesk --library ~/desk-restored restore /mnt/backups/desk-2026-11-27
    """
    report = backup.restore_library(source, ctx.config)
    click.echo(
        f"restored {report.files} files ({size_text(report.bytes)}) into {report.destination}"
    )


@cli.command()
@queue_options
@pass_context
def reindex(ctx: Context, queue: bool, wait: bool) -> None:
    """Rebuild the full-text search index from the catalog.

    Only needed after changing the catalog outside photodesk; edits, ingests
    and uploads keep the index current. On PostgreSQL it also adds the search
    index of each new slice of 2^20 photo ids, which keeps word searches of a
    growing catalog fast. With --queue it is a job.

    \b
    Example:
        photodesk reindex
        photodesk --broker redis://127.0.0.1:6379/0 reindex --queue
    """
    check_queue_options(queue, wait)
    if queue:
        run_job(
            ctx,
            lambda session: plans.plan_single(session, "reindex", default_user(), {}),
            wait=wait,
            store=False,
        )
        return
    with ctx.session(write=True) as session:
        count = search.rebuild_index(session)
    click.echo(f"indexed {count} photos")
