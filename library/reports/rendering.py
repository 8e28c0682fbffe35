"""The reuse audit as files: JSON, CSV (through the one CSV writer) and a standalone HTML page."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from library.reports.csvfile import Cell, csv_bytes
from library.reports.reuse import LinkBuilder, PhotoAudit, _day, _link


def report_json(reports: Sequence[PhotoAudit], link: LinkBuilder | None = None) -> dict[str, Any]:
    return {"photos": [r.to_json(link) for r in reports]}


CSV_COLUMNS = (
    "photo",
    "asset_ids",
    "row",
    "date",
    "article",
    "role",
    "caption",
    "credit",
    "kind",
    "severity",
    "detail",
    "link",
)


def report_csv(reports: Sequence[PhotoAudit], link: LinkBuilder | None = None) -> bytes:
    """One row per usage and one per finding, keyed by the photo's master id.

    Bytes, UTF-8 with a BOM, with formula-like text defused (see csvfile).
    """
    return csv_bytes(CSV_COLUMNS, _report_rows(reports, link))


def _report_rows(reports: Sequence[PhotoAudit], link: LinkBuilder | None) -> Iterable[list[Cell]]:
    for report in reports:
        ids = " ".join(str(i) for i in report.asset_ids)
        for usage in report.usages:
            yield [
                report.master,
                ids,
                "usage",
                _day(usage.published),
                usage.article,
                usage.role,
                usage.caption or "",
                usage.credit or "",
                "",
                "",
                "",
                _link(link, usage.asset_id) or "",
            ]
        for finding in report.findings:
            yield [
                report.master,
                ids,
                "finding",
                "",
                "",
                "",
                "",
                "",
                finding.kind,
                finding.severity,
                finding.detail,
                _link(link, finding.asset_id or report.master) or "",
            ]


def report_html(reports: Sequence[PhotoAudit], link: LinkBuilder | None = None) -> str:
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
    for report in reports:
        href = _link(link, report.master)
        title = f"Photo {report.master}"
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
