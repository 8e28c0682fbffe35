"""Report files written by a job: the same renderings the command line prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from library.catalog import settings
from library.dates import parse_day
from library.errors import InvalidValueError, StoreError
from library.reports import credits, findings, rendering
from library.reports.reuse import LinkBuilder

#: What a report job can write: report → its formats.
FORMATS = {"reuse": ("json", "csv", "html"), "credits": ("csv",)}


def write_report(
    session: Session,
    params: dict[str, Any],
    output: Path,
    links: Callable[[str], Callable[[int], str]] | None = None,
) -> dict[str, Any]:
    """Build the report ``params`` names and write it to ``output``; returns a summary.

    ``links`` builds photo links under a base URL (the gallery's routes); without it,
    or without a base URL, the report has no links.
    """
    name, fmt = params.get("report", "reuse"), params.get("format", "json")
    if fmt not in FORMATS.get(name, ()):
        raise InvalidValueError(f"{name} report: no {fmt!r} format")
    since = parse_day(params["since"]) if params.get("since") else None
    data: bytes
    if name == "credits":
        until = parse_day(params["until"]) if params.get("until") else None
        counts = credits.credit_counts(session, since, until)
        data, summary = credits.credits_csv(counts), {"credits": len(counts)}
    else:
        filters = findings.AuditFilter(since=since)
        found = findings.export(session, filters)
        base_url = params.get("base_url") or settings.get_setting(session, settings.BASE_URL)
        link = links(base_url) if links and base_url else None
        data = render_reuse(found, fmt, link)
        summary = {"photos": len(found.reports), "findings": len(found.rows)}
    save(output, data)
    return summary


def save(output: Path, data: bytes) -> None:
    """Write a report file, making its folder; StoreError, in one line, when it cannot be."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        # mkdir says "File exists" when a file stands where a folder should be.
        blocking = next((p for p in output.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocking} is not a folder" if blocking else exc.strerror
        raise StoreError(f"{output}: cannot write ({reason})") from None


def render_reuse(found: findings.Export, fmt: str, link: LinkBuilder | None) -> bytes:
    """The reuse audit in one format: JSON (photos, usages and keyed findings), CSV
    (one row per finding) or a standalone HTML page with the summary."""
    if fmt == "json":
        document = rendering.report_json(found.reports, link)
        document["findings"] = [rendering.row_json(row, link) for row in found.rows]
        return json.dumps(document, ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        return rendering.report_csv(found.rows, link)
    return rendering.report_html(found.reports, link, found.summary).encode()
