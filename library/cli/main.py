"""The `photodesk` command line: each command parses, calls the library and renders."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from library import demo
from library.articles import imports as articles
from library.catalog import edits, queries
from library.catalog import photos as catalog
from library.catalog.store import Store
from library.config import DEFAULT_LIBRARY, LibraryConfig, resolve_config
from library.db.engine import Database, init_library, open_library
from library.db.models import EDITABLE_FIELDS
from library.duplicates import groups as dupes
from library.errors import PhotodeskError
from library.files import backup, verify
from library.ingest.pipeline import FileOutcome, IngestOptions, IngestSession
from library.reports import reuse as audit

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes, documented in the README.
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FAILED_FILES = 0, 1, 2, 3


class Context:
    """What every command needs: the resolved library, opened on demand."""

    def __init__(self, library: str | None, database_url: str | None):
        self.config: LibraryConfig = resolve_config(library, database_url)
        self._database: Database | None = None

    def database(self, create: bool = False) -> Database:
        if self._database is None:
            self._database = open_library(self.config, create=create)
        return self._database

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Any]:
        with self.database().session_scope(write=write) as session:
            yield session


pass_context: Callable[[Callable[..., Any]], Callable[..., Any]] = click.make_pass_decorator(
    Context
)


class UserError(click.ClickException):
    """A library error on its way to the terminal: one line, no traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"photodesk: error: {self.format_message()}", err=True)


class PhotodeskGroup(click.Group):
    """Turns library exceptions into one-line messages at the edge, as beets' main() does."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PhotodeskError as exc:
            raise UserError(str(exc)) from None


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(
    cls=PhotodeskGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--library",
    "library",
    envvar="PHOTODESK_LIBRARY",
    metavar="PATH",
    help=f"Library folder (default: $PHOTODESK_LIBRARY or {DEFAULT_LIBRARY}).",
)
@click.option(
    "--database-url",
    envvar="PHOTODESK_DATABASE_URL",
    metavar="URL",
    help="Put the catalog on PostgreSQL, e.g. postgresql://user@host/db "
    "(default: SQLite inside the library folder).",
)
@click.version_option(package_name="photodesk")
@click.pass_context
def cli(ctx: click.Context, library: str | None, database_url: str | None) -> None:
    """photodesk: captions, credits and duplicates for a news photo desk.

    \b
    Example:
        photodesk --library ~/desk init
        photodesk --library ~/desk ingest ~/Pictures/assignments
    """
    ctx.obj = Context(library, database_url)


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
    click.echo(f"library ready at {ctx.config.root} (catalog: {_redact(str(where))})")
    database.dispose()


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
@pass_context
def ingest(
    ctx: Context,
    paths: tuple[str, ...],
    workers: int,
    link: bool,
    dry_run: bool,
    as_json: bool,
    time_limit: float,
) -> None:
    """Add photos (files or folders, walked recursively) to the library.

    JPEG, PNG, WebP, TIFF, GIF and HEIC are cataloged; other files are skipped.
    A file already in the library adds no photo, only its new path. Files that
    cannot be read are recorded with a reason and the run goes on.

    Exit status: 0 when every file was ingested, already present or skipped;
    3 when some failed.

    \b
    Example:
        photodesk ingest ~/Pictures/2019 --workers 2
        photodesk ingest card/DCIM --dry-run --json
    """
    database = ctx.database(
        create=not ctx.config.is_sqlite or ctx.config.sqlite_path.exists() is False
    )
    options = IngestOptions(workers=workers, link=link, dry_run=dry_run, time_limit=time_limit)
    with _progress(enabled=not as_json and sys.stderr.isatty()) as observer:
        report = IngestSession(database, options, observer).run(paths)
    if as_json:
        emit_json(report.to_json())
    else:
        for failure in report.failed:
            click.echo(f"failed: {failure['path']}: {failure['error']}", err=True)
        click.echo(report.summary())
    if report.failed:
        sys.exit(EXIT_FAILED_FILES)


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
    data["database"] = _redact(ctx.config.url)
    data["store_bytes"] = Store(ctx.config.store_root).size()
    if as_json:
        emit_json(data)
        return
    click.echo(f"library:   {data['library']}")
    click.echo(f"database:  {data['database']}")
    click.echo(f"photos:    {data['assets']} ({_formats(data['formats'])})")
    click.echo(f"paths:     {data['paths']} known file locations")
    click.echo(f"no credit: {data['missing_credit']}")
    click.echo(f"failures:  {data['failures']} files could not be ingested")
    click.echo(f"store:     {_size(data['store_bytes'])}")


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
        record = queries.asset_record(catalog.find_asset(session, ref))
    if as_json:
        emit_json(record)
        return
    click.echo(f"photo {record['id']}  {record['original_name']}  (version {record['version']})")
    click.echo(
        f"  {record['format']} {record['width']}x{record['height']}, {_size(record['file_size'])}"
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
    filters = queries.AssetFilter(
        missing_credit=missing_credit,
        format=fmt,
        camera=camera,
        status=status,
        archive=archive,
        tag=tag,
    )
    with ctx.session() as session:
        rows = [queries.asset_summary(a) for a in queries.list_assets(session, filters, limit)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        credit = row["credit"] or "— no credit —"
        caption = (row["caption"] or "").replace("\n", " ")
        click.echo(f"{row['id']:>6}  {row['name'][:32]:<32}  {credit[:28]:<28}  {caption[:60]}")
    if not rows:
        click.echo("no photos match", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def failures(ctx: Context, as_json: bool) -> None:
    """Files that could not be ingested, with the reason.

    \b
    Example:
        photodesk failures
    """
    with ctx.session() as session:
        rows = [{"path": f.path, "error": f.reason} for f in queries.list_failures(session)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['path']}: {row['error']}")


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "cli"


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
@click.option(
    "--user", default=_default_user, show_default="the login name", help="Who is editing."
)
@click.option(
    "--expect-version", type=int, metavar="N", help="Fail if the photo is no longer at version N."
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
    with ctx.session(write=True) as session:
        asset = catalog.find_asset(session, ref)
        if add_keywords:
            current = values.get("keywords", asset.keywords or [])
            current = edits.normalize("keywords", current)
            values["keywords"] = current + list(add_keywords)
        result = edits.edit_asset(session, asset.id, values, user, expected_version=expect_version)
        rows = [edits.change_record(c) for c in result.changes]
    if as_json:
        emit_json({"id": result.asset_id, "version": result.version, "changes": rows})
        return
    if not rows:
        click.echo(f"photo {result.asset_id}: nothing changed (version {result.version})")
    for row in rows:
        click.echo(
            f"photo {result.asset_id} v{row['version']}: {row['field']}: "
            f"{_short(row['old'])} → {_short(row['new'])}  (change {row['id']})"
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
            f"{row['field']}: {_short(row['old'])} → {_short(row['new'])}  [{row['source']}]{extra}"
        )


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@click.argument("change_id", metavar="CHANGE", type=int)
@click.option(
    "--user", default=_default_user, show_default="the login name", help="Who is reverting."
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
            f"photo {asset.id} v{row['version']}: {row['field']} reverted to {_short(row['new'])}"
        )


def _short(value: Any, width: int = 60) -> str:
    if value in (None, "", []):
        return "∅"
    text = ", ".join(value) if isinstance(value, list) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@cli.command(name="import-articles")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "wxr", "html", "text"]),
    default="auto",
    show_default=True,
    help="Input format; auto decides per file.",
)
@click.option(
    "--media",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A copy of the site's uploads folder; referenced photos not yet in the "
    "library are ingested from it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def import_articles(
    ctx: Context, paths: tuple[str, ...], fmt: str, media: Path | None, as_json: bool
) -> None:
    """Import articles (WordPress exports, saved HTML pages, text dumps) and their images.

    Each image becomes a usage with its caption as published; references are
    matched to photos by file name (WordPress size variants count as the
    original). Importing an article again updates it. A malformed file is
    reported with its name and the problem, and nothing of it is imported.

    \b
    Example:
        photodesk import-articles export.xml --media wp-content/uploads
        photodesk import-articles saved-pages/ tag-page.txt --json
    """
    database = ctx.database()
    report = articles.import_articles(database, paths, fmt, media)  # type: ignore[arg-type]
    if as_json:
        emit_json(report.to_json())
    else:
        for error in report.errors:
            click.echo(f"error: {error['error']}", err=True)
        click.echo(report.summary())
    if report.errors:
        sys.exit(EXIT_FAILED_FILES)


@cli.command(name="articles")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def list_articles(ctx: Context, as_json: bool) -> None:
    """List the imported articles with their images, captions and credits as published.

    \b
    Example:
        photodesk articles --json
    """
    with ctx.session() as session:
        rows = [articles.article_record(a) for a in articles.list_articles(session)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['published'] or '----------'}  {row['title']}  ({row['byline'] or 'no byline'})"
        )
        for image in row["images"]:
            target = f"photo {image['asset_id']}" if image["asset_id"] else "unresolved"
            archive = " [archive]" if image["archive"] else ""
            click.echo(
                f"    {image['role']:<8} {target:<12} {_short(image['caption'], 70)}"
                f"  — {image['credit'] or 'no credit'}{archive}"
            )


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def usages(ctx: Context, ref: str, as_json: bool) -> None:
    """Where a photo appeared: every article, with its caption and credit each time.

    \b
    Example:
        photodesk usages 42
    """
    with ctx.session() as session:
        asset = catalog.find_asset(session, ref)
        pairs = articles.usages_of(session, [asset.id])
        comparison = articles.compare_usages(asset, [u for u, _ in pairs])
        rows = [
            {
                **articles.usage_record(u),
                "article": {
                    "id": a.id,
                    "title": a.title,
                    "url": a.url,
                    "published": a.published.date().isoformat() if a.published else None,
                },
            }
            for u, a in pairs
        ]
    if as_json:
        emit_json({"asset_id": asset.id, "usages": rows, "comparison": comparison.to_json()})
        return
    if not rows:
        click.echo(f"photo {asset.id} has no recorded usages")
        return
    for row in rows:
        article = row["article"]
        click.echo(f"{article['published'] or '----------'}  {article['title']}  [{row['role']}]")
        click.echo(f"    caption: {row['caption'] or '—'}")
        click.echo(
            f"    credit:  {row['credit'] or '— none —'}"
            + ("   [archive note]" if row["archive"] else "")
        )
    if comparison.credit_conflict:
        forms = "; ".join(f for forms in comparison.credits.values() for f in forms)
        click.echo(f"credits differ across usages: {forms}")
    if comparison.uncredited:
        click.echo(f"{comparison.uncredited} usage(s) without a credit")


@cli.command(name="demo")
@click.option(
    "--no-serve", is_flag=True, help="Build the demo library but do not start the gallery."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@pass_context
def demo_command(ctx: Context, no_serve: bool, host: str, port: int) -> None:
    """Build a demo library (photos, duplicates, articles) and open it in the gallery.

    The demo photos are public-domain and CC0 pictures with newsroom captions
    and credits, plus copies made from them (web size, recompressed, cropped,
    captioned, mirrored) so duplicate groups show up.

    \b
    Example:
        photodesk --library demo-library demo
        photodesk --library /tmp/demo demo --no-serve
    """
    database = ctx.database(create=True)
    report = demo.build_demo(database)
    click.echo(
        f"demo library at {ctx.config.root}: {report.photos} photos, "
        f"{report.articles} articles, {report.usages} published images"
    )
    for name, role, password in report.users:
        click.echo(f"  sign in as {name} / {password} ({role})")
    if no_serve:
        return
    from library.cli.web import serve_app

    serve_app(ctx.config, host, port)


@cli.command(name="verify")
@click.option("--repair", is_flag=True, help="Fix what can be fixed (see above).")
@click.option("--quick", is_flag=True, help="Do not re-hash originals, only check they exist.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def verify_command(ctx: Context, repair: bool, quick: bool, as_json: bool) -> None:
    """Check the catalog against the store: missing, corrupt and orphaned files.

    With --repair, orphans and half-written files are removed, renditions are
    made again, and a lost original is restored from a known path that still
    holds the same bytes. Exits 1 when a problem is found (with --repair: when
    one could not be fixed).

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
        f"({_size(report.bytes)}) to {report.destination}"
    )


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
    click.echo(f"restored {report.files} files ({_size(report.bytes)}) into {report.destination}")


@cli.group(name="dupes", invoke_without_command=True)
@click.option(
    "--level",
    type=click.Choice(list(dupes.LEVELS)),
    help="Only groups at this level: identical files, same pixels, or near-duplicates.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def dupes_group(click_ctx: click.Context, level: str | None, as_json: bool) -> None:
    """List duplicate groups, each member explained, with a suggested master.

    Decisions recorded with `photodesk dupes decide` are respected.

    \b
    Example:
        photodesk dupes --level near
        photodesk dupes --json
    """
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    with ctx.session() as session:
        groups = [g.to_json() for g in dupes.duplicate_groups(session, level)]
    if as_json:
        emit_json({"groups": groups})
        return
    if not groups:
        click.echo("no duplicates found")
    for group in groups:
        chosen = f" (chosen by {group['master_chosen_by']})" if group["master_chosen_by"] else ""
        click.echo(
            f"group {group['id']}: {len(group['members'])} photos, master {group['master']}{chosen}"
        )
        for member in group["members"]:
            path = member["paths"][0] if member["paths"] else ""
            click.echo(f"  {member['asset_id']:>6} {member['level']:<9} {path}")
            click.echo(f"         {member['why']}")


@dupes_group.command(name="rescan")
@pass_context
def dupes_rescan(ctx: Context) -> None:
    """Find near-duplicate pairs again over the whole library (a full pass).

    Ingest already checks every new photo; run this after changing the
    duplicate signals or to rebuild the stored pairs.

    \b
    Example:
        photodesk dupes rescan
    """
    with ctx.session(write=True) as session:
        found = dupes.rescan(session)
    click.echo(f"{found} near-duplicate pairs verified")


@dupes_group.group(name="decide")
def dupes_decide() -> None:
    """Record a person's decision about duplicates; later runs respect it.

    \b
    Example:
        photodesk dupes decide not-duplicate 12 40
        photodesk dupes decide master 12
    """


@dupes_decide.command(name="not-duplicate")
@click.argument("first", type=int)
@click.argument("second", type=int)
@click.option("--user", default=_default_user, show_default="the login name")
@click.option("--undo", is_flag=True, help="Forget an earlier not-duplicate decision.")
@pass_context
def decide_not_duplicate(ctx: Context, first: int, second: int, user: str, undo: bool) -> None:
    """Two photos are different pictures: never group them together.

    \b
    Example:
        photodesk dupes decide not-duplicate 12 40
    """
    with ctx.session(write=True) as session:
        if undo:
            dupes.undo_not_duplicate(session, first, second)
        else:
            dupes.decide_not_duplicate(session, first, second, user)
    click.echo(
        f"photos {first} and {second}: " + ("decision removed" if undo else "not duplicates")
    )


@dupes_decide.command(name="master")
@click.argument("asset_id", type=int)
@click.option("--user", default=_default_user, show_default="the login name")
@pass_context
def decide_master(ctx: Context, asset_id: int, user: str) -> None:
    """Make a photo the master of its duplicate group.

    \b
    Example:
        photodesk dupes decide master 12
    """
    with ctx.session(write=True) as session:
        dupes.decide_master(session, asset_id, user)
    click.echo(f"photo {asset_id} is now the master of its group")


@cli.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def check_command(ctx: Context, files: tuple[str, ...], as_json: bool) -> None:
    """Is this photo already in the library, in any form, and where was it used?

    The files need not be in the library and are not added to it.

    \b
    Example:
        photodesk check ~/Downloads/incoming.jpg
    """
    from assets.analysis import analyze_file

    results: list[dict[str, Any]] = []
    failed = False
    with ctx.session() as session:
        index = None
        for path in files:
            analysis = analyze_file(path)
            if analysis.error:
                failed = True
                results.append({"path": path, "error": analysis.error, "matches": []})
                continue
            if index is None:
                index = dupes.SignalIndex(session)
            matches: list[dict[str, Any]] = []
            for found in dupes.matches_for(session, analysis, index):
                used = [
                    {
                        "article": a.title,
                        "published": a.published.date().isoformat() if a.published else None,
                        "caption": u.caption,
                        "credit": u.credit,
                    }
                    for u, a in articles.usages_of(session, [found.asset_id])
                ]
                matches.append({**vars(found), "usages": used})
            results.append({"path": path, "matches": matches})
    if as_json:
        emit_json(results)
    else:
        for result in results:
            if "error" in result:
                click.echo(f"{result['path']}: error: {result['error']}", err=True)
                continue
            if not result["matches"]:
                click.echo(f"{result['path']}: not in the library")
            for match in result["matches"]:
                click.echo(
                    f"{result['path']}: photo {match['asset_id']} ({match['level']}): {match['why']}"
                )
                for usage in match["usages"]:
                    click.echo(
                        f"    used {usage['published'] or '?'} in “{usage['article']}”: "
                        f"{_short(usage['caption'], 60)} — {usage['credit'] or 'no credit'}"
                    )
    if failed:
        sys.exit(EXIT_FAILED_FILES)


class _DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from datetime import date

        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


@cli.group(name="report")
def report_group() -> None:
    """Reports for auditors and the desk.

    \b
    Example:
        photodesk report reuse --format html -o reuse.html
        photodesk report credits --since 2024-01-01
    """


@report_group.command(name="reuse")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "html"]), default="json", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@click.option("--since", type=_DateType(), help="Only photos used on or after DATE (YYYY-MM-DD).")
@pass_context
def report_reuse(ctx: Context, fmt: str, output: Path | None, since: Any) -> None:
    """Every photo used in more than one article, each usage, and what is inconsistent.

    Duplicates and derivatives count as the same photo. Findings: missing or
    differing credits, archive photos without a note, archive dates that
    contradict the photo, contradicting captions, names spelled differently,
    typos in bylines and credits, derivatives without the original's credit.

    \b
    Example:
        photodesk report reuse --format csv -o reuse.csv --since 2020-01-01
    """
    with ctx.session() as session:
        reports = audit.reuse_report(session, since)
    if fmt == "json":
        text = json.dumps(audit.report_json(reports), ensure_ascii=False, indent=2)
    elif fmt == "csv":
        text = audit.report_csv(reports)
    else:
        text = audit.report_html(reports)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{output}: cannot write ({exc.strerror})") from None
        findings = sum(len(r.findings) for r in reports)
        click.echo(f"{len(reports)} reused photos, {findings} findings written to {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@report_group.command(name="credits")
@click.option("--since", type=_DateType(), help="Only articles published on or after DATE.")
@click.option("--until", type=_DateType(), help="Only articles published before DATE.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@pass_context
def report_credits(ctx: Context, since: Any, until: Any, fmt: str) -> None:
    """How often each credit or agency was published over a period: what the desk owes.

    \b
    Example:
        photodesk report credits --since 2024-01-01 --until 2024-07-01
    """
    with ctx.session() as session:
        counts = audit.credit_counts(session, since, until)
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["credit", "usages", "articles", "photos"])
        for c in counts:
            writer.writerow([c.credit, c.usages, c.articles, c.photos])
        click.echo(buffer.getvalue(), nl=False)
        return
    width = max([len(c.credit) for c in counts] + [6])
    click.echo(f"{'credit':<{width}}  usages  articles  photos")
    for c in counts:
        click.echo(f"{c.credit:<{width}}  {c.usages:>6}  {c.articles:>8}  {c.photos:>6}")


def _formats(formats: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(formats.items())) or "none"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


# Commands that live in their own modules; imported here, after `cli` exists.
from library.cli.files import export, writeback  # noqa: E402
from library.cli.web import reindex, serve, user  # noqa: E402

for _command in (export, writeback, user, reindex, serve):
    cli.add_command(_command)


def _interrupted() -> None:
    """Leave at once after Ctrl-C: every transaction is already rolled back, and a normal
    exit would wait at interpreter shutdown for the worker pool's manager thread."""
    import os

    click.echo("photodesk: interrupted; the library is consistent, run again to finish", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point: library errors become one line on stderr and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name="photodesk", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except PhotodeskError as exc:
        click.echo(f"photodesk: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit("run `photodesk` or `python -m library`, not library/cli.py itself")
