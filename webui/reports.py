"""The auditor's pages: the reuse report with its downloads, credits per period, recent edits."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from library.catalog import queries, settings
from library.dates import parse_day
from library.errors import InvalidValueError
from library.reports import reuse as audit
from library.reports.reuse import LinkBuilder, PhotoAudit
from webui.auth import require
from webui.db import get_session

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _day(name: str, problems: list[str]) -> date | None:
    """A YYYY-MM-DD query argument; a bad one is dropped with a message, not a failure."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return parse_day(value, name)
    except InvalidValueError as exc:
        problems.append(f"{exc}; ignored.")
        return None


def photo_links() -> LinkBuilder | None:
    """Links for report files: the configured public address plus the photo page's route.

    ``serve --base-url`` wins over the library's ``base-url`` setting. Never
    the request's Host header: a forged one would otherwise put another
    site's address into a report that is saved and passed around. With
    neither configured, report files carry no links.
    """
    base = current_app.config.get("BASE_URL") or settings.get_setting(
        get_session(), settings.BASE_URL
    )
    if not base:
        return None
    return lambda asset_id: base + url_for("photos.page", asset_id=asset_id)


@bp.get("")
@require("reports")
def index() -> str:
    session = get_session()
    problems: list[str] = []
    since = _day("since", problems)
    credits_since = _day("credits_since", problems)
    credits_until = _day("credits_until", problems)
    reuse = audit.reuse_report(session, since)
    return render_template(
        "reports.html",
        info=queries.library_info(session),
        reuse=reuse,
        severities=audit.SEVERITIES,
        credits=audit.credit_counts(session, credits_since, credits_until),
        changes=queries.recent_changes(session, limit=50),
        since=since,
        credits_since=credits_since,
        credits_until=credits_until,
        problems=problems,
        downloads={
            kind: url_for("reports.reuse_download", kind=kind, since=since or None)
            for kind in ("csv", "json", "html")
        },
    )


@bp.get("/reuse.<any(csv, json, html):kind>")
@require("reports")
def reuse_download(kind: str) -> Response:
    """The reuse report as a file: the same photos as the page for the same ``since``."""
    problems: list[str] = []
    since = _day("since", problems)
    if problems:
        abort(400, description=" ".join(problems))
    reuse: list[PhotoAudit] = audit.reuse_report(get_session(), since)
    link = photo_links()
    response: Response
    if kind == "json":
        response = jsonify(audit.report_json(reuse, link))
    elif kind == "csv":
        response = Response(audit.report_csv(reuse, link), mimetype="text/csv; charset=utf-8")
    else:
        response = Response(audit.report_html(reuse, link), mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="reuse-report.{kind}"'
    return response
