"""The reuse audit as files: JSON, CSV (through the one CSV writer) and a standalone HTML page."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from library.reports.csvfile import Cell, csv_bytes
from library.reports.findings import AuditRow, Summary
from library.reports.reuse import LinkBuilder, PhotoAudit, _day, _link


def report_json(reports: Sequence[PhotoAudit], link: LinkBuilder | None = None) -> dict[str, Any]:
    return {"photos": [r.to_json(link) for r in reports]}


CSV_COLUMNS = (
    "finding",
    "photo",
    "copies",
    "kind",
    "severity",
    "state",
    "article",
    "url",
    "date",
    "credit",
    "detail",
    "link",
)


def report_csv(rows: Sequence[AuditRow], link: LinkBuilder | None = None) -> bytes:
    """One row per finding: the photo (its original), the articles it names, kind,
    severity and state. A finding about several usages names each article, joined
    with " | "; a finding about the picture as a whole names every article that ran it.

    Bytes, UTF-8 with a BOM, with formula-like text defused (see csvfile).
    """
    return csv_bytes(CSV_COLUMNS, _finding_rows(rows, link))


def _finding_rows(rows: Sequence[AuditRow], link: LinkBuilder | None) -> Iterable[list[Cell]]:
    for row in rows:
        usages = row.usages or row.photo.usages
        finding = row.finding
        yield [
            row.key,
            row.photo.original,
            " ".join(str(i) for i in row.photo.asset_ids),
            finding.kind,
            finding.severity,
            row.state,
            " | ".join(u.article for u in usages),
            " | ".join(u.url or "" for u in usages),
            _day(min((u.published for u in usages if u.published), default=None)),
            row.photo.credit or "",
            finding.detail,
            _link(link, finding.asset_id or row.photo.original) or "",
        ]


def report_html(
    reports: Sequence[PhotoAudit], link: LinkBuilder | None = None, summary: Summary | None = None
) -> str:
    """A self-contained page: one section per photo, usages then findings, all text escaped.

    Without a link builder the photos are named but not linked.
    """
    e = html.escape
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8><title>photodesk reuse audit</title>",
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}"
        ".high{color:#a00;font-weight:600}.medium{color:#a60}.low{color:#555}</style>",
        f"<h1>Reuse audit</h1><p>{len(reports)} photos used in more than one article.</p>",
    ]
    if summary is not None:
        parts.append(_summary_html(summary))
    for report in reports:
        href = _link(link, report.original or report.master)
        title = f"Photo {report.original or report.master}"
        heading = f"<a href='{e(href)}'>{title}</a>" if href else title
        parts.append(
            f"<section><h2>{heading} "
            f"<small>(photos {e(', '.join(map(str, report.asset_ids)))})</small></h2>"
            "<table><tr><th>date</th><th>article</th><th>role</th><th>caption</th>"
            "<th>credit</th></tr>"
        )
        for usage in report.usages:
            parts.append(
                f"<tr><td>{_day(usage.published)}</td><td>{e(usage.article)}</td>"
                f"<td>{e(usage.role)}</td><td>{e(usage.caption or '')}</td>"
                f"<td>{e(usage.credit or '— none —')}</td></tr>"
            )
        parts.append("</table><ul class=findings>")
        for finding in report.findings:
            parts.append(
                f"<li class={finding.severity}><b>{e(finding.kind)}</b> "
                f"({finding.severity}): {e(finding.detail)}</li>"
            )
        parts.append("</ul></section>")
    parts.append("</html>")
    return "\n".join(parts)


def _summary_html(summary: Summary) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(kind.replace('_', ' '))}</td>"
        + "".join(f"<td>{counts[s]}</td>" for s in ("high", "medium", "low"))
        + "</tr>"
        for kind, counts in summary.by_kind.items()
    )
    credits = "".join(
        f"<li>{e(credit)}: {n} open ({high} high)</li>" for credit, n, high in summary.by_credit
    )
    return (
        f"<h2>Summary</h2><p>{summary.open} open findings ({summary.by_severity['high']} high, "
        f"{summary.by_severity['medium']} medium, {summary.by_severity['low']} low); "
        f"{summary.resolved} resolved.</p>"
        "<table><tr><th>kind</th><th>high</th><th>medium</th><th>low</th></tr>"
        f"{rows}</table><h3>By credit</h3><ul>{credits}</ul>"
    )


def row_json(row: AuditRow, link: LinkBuilder | None = None) -> dict[str, Any]:
    """One finding with its key and state, as the JSON report and the API give it."""
    resolution = row.resolution
    return {
        "key": row.key,
        "photo": row.photo.original,
        "state": row.state,
        "resolved_by": resolution.user if resolution and row.state != "open" else None,
        "note": resolution.note if resolution else None,
        "change_id": resolution.change_id if resolution else None,
        "articles": [u.to_json() for u in row.usages],
        **row.finding.to_json(link),
    }
