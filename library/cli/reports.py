"""`photodesk report`: the reuse audit and the credits count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from library.catalog import settings
from library.cli.base import (
    Context,
    DateType,
    UserError,
    cli,
    default_user,
    pass_context,
)
from library.cli.jobs import check_queue_options, queue_options, run_job
from library.cli.web import BaseUrlType, photo_links
from library.jobs import plans
from library.reports import credits, exports, findings


@cli.group(name="report")
def report_group() -> None:
    """Reports for auditors and the desk.

    \b
    Example:
        photodesk report reuse --format html -o reuse.html
        photodesk report credits --since 2024-01-01
    """


def _filter_options(command: Any) -> Any:
    """The audit's filters, shared by `report reuse` and `report findings`."""
    for option in reversed(
        [
            click.option(
                "--since", type=DateType(), help="Findings about articles on or after DATE."
            ),
            click.option(
                "--until", type=DateType(), help="Findings about articles on or before DATE."
            ),
            click.option("--severity", type=click.Choice(findings.SEVERITIES)),
            click.option("--kind", type=click.Choice(findings.FINDING_KINDS)),
            click.option("--credit", help="Only pictures whose credits name TEXT (an agency…)."),
            click.option(
                "--state",
                type=click.Choice(findings.STATE_FILTERS),
                default="open",
                show_default=True,
                help="Resolved findings are left out unless asked for.",
            ),
        ]
    ):
        command = option(command)
    return command


def _queue_report(
    ctx: Context, report: str, fmt: str, output: Path | None, wait: bool, **options: Any
) -> None:
    """A report written to a file by a job (library.reports.exports.write_report)."""
    if output is None:
        raise UserError("a queued report is written to a file: give -o FILE")
    params: dict[str, Any] = {
        "report": report,
        "format": fmt,
        "output": str(output.resolve()),
        **{
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in options.items()
            if value is not None
        },
    }
    run_job(
        ctx,
        lambda session: plans.plan_single(session, "report", default_user(), params),
        wait=wait,
        store=False,
    )


def _filters(options: dict[str, Any]) -> findings.AuditFilter:
    return findings.AuditFilter(
        severity=options["severity"],
        kind=options["kind"],
        since=options["since"],
        until=options["until"],
        credit=options["credit"],
        state=options["state"],
    )


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
@_filter_options
@click.option(
    "--base-url",
    type=BaseUrlType(),
    help="Link each photo to its gallery page under URL "
    "(default: the library's base-url setting; without either, no links).",
)
@queue_options
@pass_context
def report_reuse(
    ctx: Context,
    fmt: str,
    output: Path | None,
    base_url: str | None,
    queue: bool,
    wait: bool,
    **options: Any,
) -> None:
    """Every photo used in more than one article, each usage, and what is inconsistent.

    Duplicates and derivatives count as the same photo. Findings: missing or
    differing credits, archive photos without a note, archive dates that
    contradict the photo, contradicting captions, names spelled differently,
    typos in bylines and credits, copies without the original's credit.
    The CSV has one row per finding; JSON and HTML list each photo's usages
    too. Resolved findings are left out (see `photodesk report resolve`).

    With --queue the report is written to -o FILE by a job (on a worker with
    --broker: give a path the workers share); a queued report takes --since
    as its only filter.

    \b
    Example:
        photodesk report reuse --format csv -o reuse.csv --since 2020-01-01
        photodesk report reuse --format html --base-url https://photos.example.org
        photodesk report reuse --format csv --severity high --credit Reuters
        photodesk report reuse --format html -o /shared/reuse.html --queue --wait
    """
    check_queue_options(queue, wait)
    if queue:
        narrowed = [
            f"--{name}"
            for name in ("until", "severity", "kind", "credit")
            if options.get(name) is not None
        ] + (["--state"] if options.get("state") != "open" else [])
        if narrowed:
            raise UserError(f"a queued report takes --since only, not {', '.join(narrowed)}")
        _queue_report(ctx, "reuse", fmt, output, wait, since=options["since"], base_url=base_url)
        return
    with ctx.session() as session:
        found = findings.export(session, _filters(options))
        base_url = base_url or settings.get_setting(session, settings.BASE_URL)
    link = photo_links(base_url) if base_url else None
    data = exports.render_reuse(found, fmt, link)
    if output:
        exports.save(output, data)
        click.echo(
            f"{len(found.reports)} reused photos, {len(found.rows)} findings written to {output}"
        )
    else:
        # Bytes, so the CSV's BOM and UTF-8 reach the file whatever the terminal's locale.
        click.echo(data if data.endswith(b"\n") else data + b"\n", nl=False)


@report_group.command(name="resolve")
@click.argument("key")
@click.argument("state", type=click.Choice(findings.STATES))
@click.option("--note", default="", help='Why: "handout, no credit needed".')
@click.option("--change", "change_id", type=int, help="For fixed: the edit that fixed it.")
@click.option("--user", default="cli", show_default=True, help="Who resolves it.")
@pass_context
def report_resolve(
    ctx: Context, key: str, state: str, note: str, change_id: int | None, user: str
) -> None:
    """Resolve an audit finding: fixed, accepted (known and fine) or wrong; open reopens it.

    KEY is the finding's key, the first column of the CSV.

    \b
    Example:
        photodesk report resolve 3f2a9c0d1e4b5a6f7788990011223344 accepted --note "handout"
    """
    with ctx.session(write=True) as session:
        resolution = findings.resolve_finding(session, key, state, user, note, change_id)
        linked = f", linked to edit {resolution.change_id}" if resolution.change_id else ""
    click.echo(f"finding {key}: {state}{linked}")


@report_group.command(name="credits")
@click.option("--since", type=DateType(), help="Only articles published on or after DATE.")
@click.option("--until", type=DateType(), help="Only articles published before DATE.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    help="[default: table, or csv with -o]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV to FILE (the one output a queued report has).",
)
@queue_options
@pass_context
def report_credits(
    ctx: Context,
    since: Any,
    until: Any,
    fmt: str | None,
    output: Path | None,
    queue: bool,
    wait: bool,
) -> None:
    """How often each credit or agency was published over a period: what the desk owes.

    With --queue the CSV is written to -o FILE by a job.

    \b
    Example:
        photodesk report credits --since 2024-01-01 --until 2024-07-01
        photodesk report credits -o credits.csv
        photodesk report credits --since 2024-01-01 -o /shared/credits.csv --queue --wait
    """
    check_queue_options(queue, wait)
    if output is not None and fmt == "table":
        raise UserError("-o writes the CSV: leave out --format table, or use --format csv")
    fmt = fmt or ("csv" if output is not None else "table")
    if queue:
        _queue_report(ctx, "credits", "csv", output, wait, since=since, until=until)
        return
    with ctx.session() as session:
        counts = credits.credit_counts(session, since, until)
    if fmt == "csv":
        data = credits.credits_csv(counts)
        if output is None:
            click.echo(data, nl=False)
            return
        exports.save(output, data)
        click.echo(f"{len(counts)} credits written to {output}")
        return
    width = max([len(c.credit) for c in counts] + [6])
    click.echo(f"{'credit':<{width}}  usages  articles  photos")
    for c in counts:
        click.echo(f"{c.credit:<{width}}  {c.usages:>6}  {c.articles:>8}  {c.photos:>6}")
