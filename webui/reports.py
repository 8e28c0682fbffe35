"""The auditor's pages: the reuse report with its downloads, credits per period, recent edits."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from library.catalog import queries, settings
from library.dates import parse_day
from library.errors import InvalidValueError
from library.reports import credits, exports, findings
from library.reports.reuse import LinkBuilder
from webui.auth import current, require
from webui.db import commit, get_session

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


def _filters(problems: list[str]) -> findings.AuditFilter:
    """The audit's filters from the query string; a bad one is dropped with a message."""
    args = request.args
    chosen = findings.AuditFilter(
        severity=args.get("severity") or None,
        kind=args.get("kind") or None,
        since=_day("since", problems),
        until=_day("until", problems),
        credit=(args.get("credit") or "").strip() or None,
        state=args.get("state") or "open",
    )
    for name, allowed in (
        ("severity", findings.SEVERITIES),
        ("kind", findings.FINDING_KINDS),
        ("state", findings.STATE_FILTERS),
    ):
        value = getattr(chosen, name)
        if value is not None and value not in allowed:
            problems.append(f"Unknown {name} {value!r} ignored.")
            setattr(chosen, name, "open" if name == "state" else None)
    return chosen


def _filter_args() -> dict[str, Any]:
    """The filters as they came, for links that keep them (empty ones left out)."""
    names = ("severity", "kind", "since", "until", "credit", "state")
    return {n: request.args[n] for n in names if request.args.get(n)}


@bp.get("")
@require("reports")
def index() -> str:
    session = get_session()
    problems: list[str] = []
    credits_since = _day("credits_since", problems)
    credits_until = _day("credits_until", problems)
    found = findings.export(session)
    return render_template(
        "reports.html",
        info=queries.library_info(session),
        reused=len(found.reports),
        summary=found.summary,
        severities=findings.SEVERITIES,
        credits=credits.credit_counts(session, credits_since, credits_until),
        changes=queries.recent_changes(session, limit=50),
        credits_since=credits_since,
        credits_until=credits_until,
        problems=problems,
        downloads=_downloads({}),
    )


def _downloads(args: dict[str, Any]) -> dict[str, str]:
    return {
        fmt: url_for("reports.reuse_download", fmt=fmt, download=1, **args)
        for fmt in ("csv", "json", "html")
    }


@bp.get("/audit")
@require("reports")
def audit_page() -> str:
    """The findings as a work list: filters, summary, pages, and a verdict on each."""
    problems: list[str] = []
    chosen = _filters(problems)
    page = request.args.get("page", 1, type=int) or 1
    found = findings.audit_page(get_session(), chosen, page)
    args = _filter_args()
    return render_template(
        "audit.html",
        page=found,
        problems=problems,
        args=args,
        severities=findings.SEVERITIES,
        kinds=findings.FINDING_KINDS,
        states=findings.STATE_FILTERS,
        downloads=_downloads(args),
        back_to=url_for("reports.audit_page", **args, page=found.page if found.page > 1 else None),
        view_html=url_for("reports.reuse_download", fmt="html", **args),
    )


@bp.post("/audit/<key>")
@require("resolve_findings")
def resolve(key: str) -> WerkzeugResponse:
    """Record a verdict on one finding, then go back to the same filtered page."""
    state = request.form.get("state", "")
    note = request.form.get("note", "")
    back = request.form.get("back", "")
    if not back.startswith("/reports/audit"):
        back = url_for("reports.audit_page")
    try:
        resolution = findings.resolve_finding(get_session(), key, state, _user(), note)
    except InvalidValueError as exc:
        flash(str(exc), "error")
        return redirect(back, code=303)
    commit()
    words = {
        "open": "reopened",
        "fixed": "marked fixed",
        "accepted": "accepted",
        "wrong": "marked wrong",
    }
    linked = f", linked to edit {resolution.change_id}" if resolution.change_id else ""
    flash(f"Finding {words[state]}{linked}.", "success")
    return redirect(back, code=303)


@bp.get("/reuse.<any(csv, json, html):fmt>")
@require("reports")
def reuse_download(fmt: str) -> Response:
    """The audit as a file, with the page's filters; HTML opens in the browser unless
    ``download=1`` asks for a file."""
    problems: list[str] = []
    chosen = _filters(problems)
    if problems:
        abort(400, description=" ".join(problems))
    found = findings.export(get_session(), chosen)
    link = photo_links()
    mimetypes = {
        "json": "application/json",
        "csv": "text/csv; charset=utf-8",
        "html": "text/html; charset=utf-8",
    }
    response = Response(exports.render_reuse(found, fmt, link), mimetype=mimetypes[fmt])
    if fmt != "html" or request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="reuse-report.{fmt}"'
    return response


def _user() -> str:
    identity = current()
    assert identity is not None
    return identity.name
