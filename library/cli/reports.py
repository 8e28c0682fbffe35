"""`photodesk report`: the reuse audit and the credits count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from library.catalog import settings
from library.cli.base import (
    Context,
    DateType,
    UserError,
    cli,
    pass_context,
)
from library.cli.web import BaseUrlType, photo_links
from library.reports import reuse as audit


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
@click.option("--since", type=DateType(), help="Only photos used on or after DATE (YYYY-MM-DD).")
@click.option(
    "--base-url",
    type=BaseUrlType(),
    help="Link each photo to its gallery page under URL "
    "(default: the library's base-url setting; without either, no links).",
)
@pass_context
def report_reuse(
    ctx: Context, fmt: str, output: Path | None, since: Any, base_url: str | None
) -> None:
    """Every photo used in more than one article, each usage, and what is inconsistent.

    Duplicates and derivatives count as the same photo. Findings: missing or
    differing credits, archive photos without a note, archive dates that
    contradict the photo, contradicting captions, names spelled differently,
    typos in bylines and credits, derivatives without the original's credit.

    \b
    Example:
        photodesk report reuse --format csv -o reuse.csv --since 2020-01-01
        photodesk report reuse --format html --base-url https://photos.example.org
    """
    with ctx.session() as session:
        reports = audit.reuse_report(session, since)
        base_url = base_url or settings.get_setting(session, settings.BASE_URL)
    link = photo_links(base_url) if base_url else None
    data: bytes
    if fmt == "json":
        data = json.dumps(audit.report_json(reports, link), ensure_ascii=False, indent=2).encode()
    elif fmt == "csv":
        data = audit.report_csv(reports, link)
    else:
        data = audit.report_html(reports, link).encode()
    if output:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise UserError(f"{output}: cannot write ({exc.strerror})") from None
        findings = sum(len(r.findings) for r in reports)
        click.echo(f"{len(reports)} reused photos, {findings} findings written to {output}")
    else:
        # Bytes, so the CSV's BOM and UTF-8 reach the file whatever the terminal's locale.
        click.echo(data if data.endswith(b"\n") else data + b"\n", nl=False)


@report_group.command(name="credits")
@click.option("--since", type=DateType(), help="Only articles published on or after DATE.")
@click.option("--until", type=DateType(), help="Only articles published before DATE.")
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
        click.echo(audit.credits_csv(counts), nl=False)
        return
    width = max([len(c.credit) for c in counts] + [6])
    click.echo(f"{'credit':<{width}}  usages  articles  photos")
    for c in counts:
        click.echo(f"{c.credit:<{width}}  {c.usages:>6}  {c.articles:>8}  {c.photos:>6}")
