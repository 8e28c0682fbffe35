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
from library.reports import credits, rendering
from library.reports import reuse as audit

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
        reports = audit.reuse_report(session, since)
        base_url = params.get("base_url") or settings.get_setting(session, settings.BASE_URL)
        link = links(base_url) if links and base_url else None
        if fmt == "json":
            rendered = json.dumps(
                rendering.report_json(reports, link), ensure_ascii=False, indent=2
            )
            data = rendered.encode()
        elif fmt == "csv":
            data = rendering.report_csv(reports, link)
        else:
            data = rendering.report_html(reports, link).encode()
        summary = {"photos": len(reports), "findings": sum(len(r.findings) for r in reports)}
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise StoreError(f"{output}: cannot write ({exc.strerror})") from None
    return summary
