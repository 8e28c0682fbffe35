"""The gallery grid with search and filters, and the articles pages."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from assets import formats
from library.catalog import queries, search
from library.dates import parse_day
from library.db.models import STATUSES
from library.errors import InvalidValueError
from webui.auth import require
from webui.db import get_session

bp = Blueprint("gallery", __name__)

FORMATS = formats.NAMES

#: Query-string names of the gallery's filters, in the order the form shows them.
FILTER_ARGS = (
    "q",
    "sort",
    "missing_credit",
    "archive",
    "status",
    "used_min",
    "has_duplicates",
    "format",
    "camera",
    "tag",
    "taken_from",
    "taken_to",
)


def filters_from_args(args: MultiDict[str, str]) -> tuple[queries.PhotoFilter, list[str]]:
    """The filters a query string asks for, and a message for each value that made no sense.

    A bad value is dropped with a message instead of failing the page: a
    hand-edited URL should still show photos.
    """
    problems: list[str] = []
    filters = queries.PhotoFilter(
        missing_credit=_flag(args.get("missing_credit")),
        has_duplicates=_flag(args.get("has_duplicates")),
        camera=(args.get("camera") or "").strip() or None,
        tag=(args.get("tag") or "").strip() or None,
    )
    archive = args.get("archive", "")
    if archive in ("yes", "no"):
        filters.archive = archive == "yes"
    status = args.get("status", "")
    if status in STATUSES:
        filters.status = status
    elif status:
        problems.append(f"Unknown status {status!r} ignored.")
    fmt = args.get("format", "")
    if fmt in FORMATS:
        filters.format = fmt
    elif fmt:
        problems.append(f"Unknown format {fmt!r} ignored.")
    used = (args.get("used_min") or "").strip()
    if used:
        if used.isdigit():
            filters.used_min = int(used)
        else:
            problems.append("“Used in at least” needs a whole number.")
    for name in ("taken_from", "taken_to"):
        value = (args.get(name) or "").strip()
        if not value:
            continue
        try:
            setattr(filters, name, parse_day(value))
        except InvalidValueError as exc:
            problems.append(str(exc))
    return filters, problems


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "on", "yes", "true")


def sort_from_args(args: MultiDict[str, str]) -> str:
    sort = args.get("sort", "newest")
    return sort if sort in queries.SORTS else "newest"


def highlighted(value: str | None, query: search.Query | None) -> Markup:
    """``value`` escaped, with the words the search matched in ``<mark>`` (a template filter)."""
    if not value:
        return Markup("")
    if not query:
        return escape(value)
    return Markup("").join(
        Markup("<mark>%s</mark>") % part if hit else escape(part)
        for part, hit in search.highlight(value, query)
    )


@bp.get("/")
@require("search")
def index() -> str | Response:
    if any(not value.strip() for value in request.args.values()):
        # Empty fields stay out of the URL (the form's script already drops them).
        kept_args = [(k, v) for k, v in request.args.items(multi=True) if v.strip()]
        return redirect(
            url_for("gallery.index") + ("?" + urlencode(kept_args) if kept_args else "")
        )
    filters, problems = filters_from_args(request.args)
    sort = sort_from_args(request.args)
    q = request.args.get("q", "")
    parsed = search.parse_query(q)
    page = queries.find_photos(
        get_session(),
        q,
        filters,
        sort=sort,
        limit=current_app.config["PAGE_SIZE"],
        after=request.args.get("after") or None,
        with_total=True,
    )
    kept = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    active = sum(1 for k in kept if k not in ("q", "sort"))
    return render_template(
        "gallery.html",
        page=page,
        q=q,
        parsed=parsed,
        sort=sort,
        args=kept,
        problems=problems,
        active_filters=active,
        statuses=STATUSES,
        formats=FORMATS,
        first_page=not request.args.get("after"),
    )


@bp.get("/articles")
@require("read")
def articles() -> str:
    after = request.args.get("after", type=int)
    rows, next_after = queries.list_articles(get_session(), limit=50, after=after)
    return render_template("articles.html", rows=rows, next_after=next_after)


@bp.get("/articles/<int:article_id>")
@require("read")
def article(article_id: int) -> str:
    return render_template("article.html", article=queries.get_article(get_session(), article_id))
