"""`photodesk export` and `photodesk writeback`: files that carry the catalog's values."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from library.catalog import photos as catalog
from library.cli.base import Context, cli, default_user, emit_json, pass_context
from library.cli.jobs import check_queue_options, queue_options, run_job
from library.files import export as exporting
from library.files import writeback as writing
from library.jobs import plans

#: Exit status when some photos failed (the same as `ingest`'s).
EXIT_FAILED_PHOTOS = 3


def _resolve(ctx: Context, refs: tuple[str, ...]) -> list[int]:
    with ctx.session() as session:
        return list(dict.fromkeys(catalog.find_asset(session, ref).id for ref in refs))


@cli.command(name="export")
@click.argument("refs", nargs=-1, required=True, metavar="ID...")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (created if needed).",
)
@click.option(
    "--rendition",
    type=click.Choice(exporting.RENDITIONS),
    default="original",
    show_default=True,
    help="The untouched original, or the stored web-size JPEG.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_context
def export(ctx: Context, refs: tuple[str, ...], to: Path, rendition: str, as_json: bool) -> None:
    """Copy photos into a folder with the catalog's captions, credits and keywords embedded.

    Values go into EXIF, IPTC-IIM (UTF-8) and XMP as the Metadata Working
    Group recommends; an original's image data is copied byte for byte.
    Values longer than IPTC-IIM allows are complete in XMP and cut in IIM,
    with a warning. Files are named after the original (web: NAME-web.jpg);
    names already taken get " (2)".

    Exit status: 0 when every photo was exported; 3 when some failed.

    \b
    Example:
        photodesk export 12 15 --to ~/outbox
        photodesk export 12 --to ~/outbox --rendition web --json
    """
    ids = _resolve(ctx, refs)
    report = exporting.export_assets(ctx.database(), ids, to, rendition)
    if as_json:
        emit_json(report.to_json())
    else:
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for failure in report.failed:
            click.echo(f"failed: {failure}", err=True)
        for exported in report.exported:
            click.echo(f"{exported.asset_id}\t{exported.path}")
        click.echo(f"exported {len(report.exported)}, {len(report.failed)} failed, to {to}")
    if report.failed:
        sys.exit(EXIT_FAILED_PHOTOS)


@cli.command(name="writeback")
@click.argument("refs", nargs=-1, metavar="ID...")
@click.option(
    "--all-changed",
    is_flag=True,
    help="Every photo edited since its last write-back (instead of IDs).",
)
@click.option("--user", default=default_user, show_default="the login name", help="Who writes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@queue_options
@pass_context
def writeback(
    ctx: Context,
    refs: tuple[str, ...],
    all_changed: bool,
    user: str,
    as_json: bool,
    queue: bool,
    wait: bool,
) -> None:
    """Write the catalog's values into the stored originals themselves.

    The image data stays byte for byte the same (checked); the file's
    SHA-256 changes, so the original moves to its new place in the store.
    Each write is in the photo's history. Photos not edited since their
    last write-back are left alone.

    With --queue it is a job of pieces of 50 photos: on the workers with
    --broker, else here.

    Exit status: 0 when every photo was written or already up to date; 3 when some failed.

    \b
    Example:
        photodesk writeback 12 15 --user ana
        photodesk writeback --all-changed --json
        photodesk --broker redis://127.0.0.1:6379/0 writeback --all-changed --queue --wait
    """
    check_queue_options(queue, wait)
    if bool(refs) == all_changed:
        raise click.UsageError("give photo IDs or --all-changed (not both)")
    ids = _resolve(ctx, refs) if refs else None
    if queue:
        run_job(
            ctx,
            lambda session: plans.plan_writeback(session, ids, all_changed, user),
            wait=wait,
            as_json=as_json,
        )
        return
    report = writing.writeback(ctx.database(), ids, all_changed=all_changed, user=user)
    if as_json:
        emit_json(report.to_json())
    else:
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for failure in report.failed:
            click.echo(f"failed: {failure}", err=True)
        for row in report.written:
            click.echo(
                f"photo {row['id']}: {row['how']}, "
                f"{row['old_sha256'][:12]} → {row['new_sha256'][:12]}"
            )
        click.echo(
            f"written back {len(report.written)}, {len(report.unchanged)} up to date, "
            f"{len(report.failed)} failed"
        )
    if report.failed:
        sys.exit(EXIT_FAILED_PHOTOS)
