"""Commands over single photos: show, ls, edit, history, revert."""

from __future__ import annotations

from typing import Any

import click

from library.catalog import edits, queries, records
from library.catalog import photos as catalog
from library.cli.base import (
    Context,
    F,
    UserError,
    cli,
    default_user,
    emit_json,
    pass_context,
    short,
    size_text,
)
from library.db.models import EDITABLE_FIELDS
from library.errors import VersionConflictError


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show(ctx: Context, ref: str, as_json: bool) -> None:
    """Every field of one photo, where each value came from, and its known paths.

    \b
    Example:
        photodesk show 42
        photodesk show ~/Pictures/rally.jpg --json
    """
    with ctx.session() as session:
        asset = catalog.find_asset(session, ref)
        record = records.asset_record(asset)
        record["warnings"] = catalog.warnings_of(session, asset.id)
    if as_json:
        emit_json(record)
        return
    click.echo(f"photo {record['id']}  {record['original_name']}  (version {record['version']})")
    click.echo(
        f"  {record['format']} {record['width']}x{record['height']}, {size_text(record['file_size'])}"
    )
    if record["camera_make"] or record["camera_model"]:
        click.echo(
            f"  camera: {' '.join(filter(None, [record['camera_make'], record['camera_model']]))}"
        )
    if record["taken_at"]:
        click.echo(f"  taken:  {record['taken_at']}")
    if record["gps"]:
        click.echo(f"  GPS:    {record['gps']['latitude']}, {record['gps']['longitude']}")
    click.echo("fields:")
    for name, value in record["fields"].items():
        if value in (None, "", []):
            continue
        shown = ", ".join(value) if isinstance(value, list) else value
        source = record["sources"].get(name) or ""
        click.echo(f"  {name:<13} {shown}" + (f"   [{source}]" if source else ""))
    click.echo("paths:")
    for path in record["paths"]:
        click.echo(f"  {path}")
    if record["warnings"]:
        click.echo("warnings (from ingest):")
        for warning in record["warnings"]:
            click.echo(f"  {warning}")
    click.echo(f"sha256: {record['sha256']}")


@cli.command(name="ls")
@click.option("--missing-credit", is_flag=True, help="Only photos without a credit.")
@click.option("--format", "fmt", metavar="FMT", help="jpeg, png, webp, tiff, gif or heic.")
@click.option("--camera", metavar="TEXT", help="Camera make or model contains TEXT.")
@click.option("--status", type=click.Choice(["new", "needs_credit", "approved"]))
@click.option("--archive/--no-archive", default=None, help="Only archive (or non-archive) photos.")
@click.option("--tag", metavar="KEYWORD", help="Photos with this keyword.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def ls(
    ctx: Context,
    missing_credit: bool,
    fmt: str | None,
    camera: str | None,
    status: str | None,
    archive: bool | None,
    tag: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List photos, newest first.

    \b
    Example:
        photodesk ls --missing-credit --format jpeg
        photodesk ls --camera canon --json
    """
    filters = queries.PhotoFilter(
        missing_credit=missing_credit,
        format=fmt,
        camera=camera,
        status=status,
        archive=archive,
        tag=tag,
    )
    with ctx.session() as session:
        page = queries.find_photos(session, filters=filters, limit=limit)
        rows = [records.asset_summary(a) for a in page.assets]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        credit = row["credit"] or "— no credit —"
        caption = (row["caption"] or "").replace("\n", " ")
        click.echo(f"{row['id']:>6}  {row['name'][:32]:<32}  {credit[:28]:<28}  {caption[:60]}")
    if not rows:
        click.echo("no photos match", err=True)


#: Fields `photodesk edit` takes as plain text options; the rest have their own options.
_TEXT_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("keywords", "archive", "status"))


def _field_options(f: F) -> F:
    for name in reversed(_TEXT_FIELDS):
        flag = "--" + name.replace("_", "-")
        f = click.option(
            flag, name, metavar="TEXT", help=f"New {name.replace('_', ' ')} ('' clears it)."
        )(f)
    return f


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@_field_options
@click.option("--keywords", metavar="A,B,C", help="Replace the keywords (comma-separated).")
@click.option(
    "--add-keyword",
    "add_keywords",
    multiple=True,
    metavar="WORD",
    help="Add a keyword (repeatable).",
)
@click.option("--archive/--no-archive", default=None, help="Mark as an archive photo, or not.")
@click.option("--status", type=click.Choice(["new", "needs_credit", "approved"]))
@click.option("--user", default=default_user, show_default="the login name", help="Who is editing.")
@click.option(
    "--expect-version",
    type=int,
    metavar="N",
    help="The version this edit started from: fields changed by someone else since N "
    "are refused with both values; the others are merged.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def edit(
    ctx: Context,
    ref: str,
    keywords: str | None,
    add_keywords: tuple[str, ...],
    archive: bool | None,
    status: str | None,
    user: str,
    expect_version: int | None,
    as_json: bool,
    **texts: str | None,
) -> None:
    """Change a photo's metadata; every change is versioned and can be reverted.

    \b
    Example:
        photodesk edit 42 --credit "Jane Roe/Reuters" --archive --original-date 2019-07
        photodesk edit 42 --caption "" --user ana
    """
    values: dict[str, Any] = {k: v for k, v in texts.items() if v is not None}
    if keywords is not None:
        values["keywords"] = keywords
    if archive is not None:
        values["archive"] = archive
    if status is not None:
        values["status"] = status
    if not values and not add_keywords:
        raise click.UsageError("nothing to change: give at least one field option")
    # Checked before the write transaction opens: a refused value holds no lock.
    values = edits.normalize_values(values)
    added = edits.normalize("keywords", list(add_keywords))
    with ctx.session(write=True) as session:
        asset = catalog.find_asset(session, ref)
        if added:
            current = values.get("keywords", asset.keywords or [])
            values["keywords"] = edits.normalize("keywords", current, limits=False) + added
        if expect_version is None:
            result = edits.edit_asset(session, asset.id, values, user)
        else:
            try:
                result = edits.merge_edit(session, asset.id, values, user, expect_version)
            except VersionConflictError as exc:
                raise UserError(_conflict_line(exc)) from None
        rows = [edits.change_record(c) for c in result.changes]
    if as_json:
        emit_json({"id": result.asset_id, "version": result.version, "changes": rows})
        return
    if not rows:
        click.echo(f"photo {result.asset_id}: nothing changed (version {result.version})")
    for row in rows:
        click.echo(
            f"photo {result.asset_id} v{row['version']}: {row['field']}: "
            f"{short(row['old'])} → {short(row['new'])}  (change {row['id']})"
        )


def _conflict_line(exc: VersionConflictError) -> str:
    """The page and the API show both values of each clashing field; so does this line."""
    clashes = "; ".join(
        f'{name} is now "{short(now)}", yours "{short(wanted)}"'
        for name, (wanted, now) in sorted(exc.conflicts.items())
    )
    return (
        f"photo {exc.asset_id}: changed by someone else since version {exc.expected} "
        f"(now {exc.current}): {clashes}; nothing was written"
    )


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def history(ctx: Context, ref: str, as_json: bool) -> None:
    """Every change to a photo's fields: old and new value, who, when, from where.

    \b
    Example:
        photodesk history 42
    """
    with ctx.session() as session:
        asset = catalog.find_asset(session, ref)
        rows = [edits.change_record(c) for c in edits.history(session, asset.id)]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(f"photo {asset.id} has no recorded changes")
    for row in rows:
        extra = f"  (reverts {row['reverts']})" if row["reverts"] else ""
        click.echo(
            f"{row['id']:>5}  v{row['version']:<3} {row['at']}  {row['user']:<12} "
            f"{row['field']}: {short(row['old'])} → {short(row['new'])}  [{row['source']}]{extra}"
        )


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@click.argument("change_id", metavar="CHANGE", type=int)
@click.option(
    "--user", default=default_user, show_default="the login name", help="Who is reverting."
)
@pass_context
def revert(ctx: Context, ref: str, change_id: int, user: str) -> None:
    """Put a field back to what it was before one change (itself recorded as a change).

    \b
    Example:
        photodesk history 42
        photodesk revert 42 17
    """
    with ctx.session(write=True) as session:
        asset = catalog.find_asset(session, ref)
        result = edits.revert_change(session, asset.id, change_id, user)
        rows = [edits.change_record(c) for c in result.changes]
    if not rows:
        click.echo(f"photo {asset.id}: already at the value before change {change_id}")
    for row in rows:
        click.echo(
            f"photo {asset.id} v{row['version']}: {row['field']} reverted to {short(row['new'])}"
        )
