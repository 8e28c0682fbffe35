"""Commands over articles: import-articles, articles, usages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from library.articles import imports as articles
from library.catalog import photos as catalog
from library.cli.base import (
    EXIT_FAILED_FILES,
    Context,
    cli,
    emit_json,
    pass_context,
    short,
)


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
        for warning in report.warnings:
            click.echo(f"warning: {warning['path']}: {warning['warning']}", err=True)
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
