"""Commands over articles: import-articles, articles, usages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from library.articles import imports as articles
from library.catalog import photos as catalog
from library.catalog import queries, records
from library.cli.base import (
    EXIT_FAILED_FILES,
    Context,
    cli,
    default_user,
    emit_json,
    pass_context,
    short,
)
from library.cli.jobs import check_queue_options, queue_options, run_job
from library.jobs import plans


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
    help="A copy of the site's uploads folder (YYYY/MM/name); the referenced photos "
    "are ingested from it.",
)
@click.option(
    "--include-unpublished",
    is_flag=True,
    help="Also import WordPress drafts, scheduled, pending and private posts, "
    "flagged with their status (skipped by default: they are not publications).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@queue_options
@pass_context
def import_articles(
    ctx: Context,
    paths: tuple[str, ...],
    fmt: str,
    media: Path | None,
    include_unpublished: bool,
    as_json: bool,
    queue: bool,
    wait: bool,
) -> None:
    """Import articles (WordPress exports, saved HTML pages, text dumps) and their images.

    Each image becomes a usage with its caption as readers saw it (a media-library
    caption the post does not show is only the photo's caption). A reference
    is matched by its upload path (month folder and exact name) first; a
    WordPress size suffix is stripped only when no such file exists and the
    sizes or pixels agree. Importing an article again updates it. A malformed
    file is reported with its name and the problem, and nothing of it is imported.

    With --queue it is a job with one piece per path given (a file, or a folder
    of them): on the workers with --broker, else here. Paths must then be where
    the workers see them too.

    \b
    Example:
        photodesk import-articles export.xml --media wp-content/uploads
        photodesk import-articles export.xml --include-unpublished
        photodesk import-articles saved-pages/ tag-page.txt --json
        photodesk --broker redis://127.0.0.1:6379/0 import-articles /shared/2019/ --queue
    """
    check_queue_options(queue, wait)
    if queue:
        run_job(
            ctx,
            lambda session: plans.plan_import_articles(
                session,
                paths,
                default_user(),
                format=fmt,
                media=str(media) if media else None,
                include_unpublished=include_unpublished,
            ),
            wait=wait,
            as_json=as_json,
            store=media is not None,
        )
        return
    database = ctx.database()
    report = articles.import_articles(
        database,
        paths,
        fmt,  # type: ignore[arg-type]
        media,
        include_unpublished=include_unpublished,
    )
    if as_json:
        emit_json(report.to_json())
    else:
        for error in report.errors:
            click.echo(f"error: {error['error']}", err=True)
        for warning in report.warnings:
            click.echo(f"warning: {warning['warning']}", err=True)
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
        found, _ = queries.list_articles(session, limit=None)
        rows = [records.article_record(a) for a, _ in found]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        # An unpublished WordPress post (--include-unpublished) must not pass for a publication.
        status = f"  [{row['status']}]" if row["status"] not in (None, "publish") else ""
        click.echo(
            f"{row['published'] or '----------'}  {row['title']}  "
            f"({row['byline'] or 'no byline'}){status}"
        )
        for image in row["images"]:
            target = f"photo {image['asset_id']}" if image["asset_id"] else "unresolved"
            archive = " [archive]" if image["archive"] else ""
            click.echo(
                f"    {image['role']:<8} {target:<12} {short(image['caption'], 70)}"
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
        pairs = queries.group_usages(session, asset.id)
        comparison = articles.compare_usages(asset, [u for u, _ in pairs])
        rows = [records.usage_record(u, a) for u, a in pairs]
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
