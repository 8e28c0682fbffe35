"""The gallery grid with search and filters, and the articles pages."""

from __future__ import annotations

import re
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
from webui.inputs import MAX_INT, cursor_arg, int_arg

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
    "stack",
    "group",
)


def filters_from_args(
    args: MultiDict[str, str], stacked: bool = True
) -> tuple[queries.PhotoFilter, list[str]]:
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
    group = (args.get("group") or "").strip()
    if re.fullmatch(r"[gf][0-9]{1,18}", group):
        filters.group = group
    elif group:
        problems.append(f"Unknown duplicate group {group[:40]!r} ignored.")
    # One card per duplicate group unless the editor asks for every copy
    # (``stacked`` is the default: the grid stacks, the API lists every photo).
    stack = args.get("stack", "")
    filters.stack = not filters.group and (stack == "on" or (stacked and stack != "off"))
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
        if used.isascii() and used.isdigit() and int(used) <= MAX_INT:
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


#: What travels from the grid to a photo and back: the filters plus the grid page.
CONTEXT_ARGS = (*FILTER_ARGS, "after")


@bp.app_template_global()
def search_context(args: MultiDict[str, str] | None = None) -> dict[str, str]:
    """The search the editor came from, as it travels in query strings.

    Grid, photo page, bulk edit and upload all pass it on untouched, so
    "back" always lands on the same search, filters, sort and page.
    """
    source = request.args if args is None else args
    return {name: value for name in CONTEXT_ARGS if (value := source.get(name, ""))}


@bp.app_template_global()
def with_context(url: str, anchor: int | None = None) -> str:
    """``url`` with the current search context appended.

    With ``anchor`` (a photo id) the grid shows the page holding that photo
    (``at``) and lands on its card (``#p<id>``).
    """
    context = search_context()
    if anchor is not None:
        context["at"] = str(anchor)
    joined = url + ("?" + urlencode(context) if context else "")
    return joined + (f"#p{anchor}" if anchor is not None else "")


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
def index() -> tuple[str, int] | Response:
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
    after = cursor_arg("after", request.args.get("after"))
    session = get_session()
    limit = current_app.config["PAGE_SIZE"]
    page = queries.find_photos(
        session, q, filters, sort=sort, limit=limit, after=after, with_total=True
    )
    at = int_arg("at", request.args.get("at"))
    if at is not None and at > 0 and at not in {asset.id for asset in page.assets}:
        # Back from a photo reached by stepping past this page: start the page there.
        after = queries.cursor_at(session, at, sort, filters)
        page = queries.find_photos(
            session, q, filters, sort=sort, limit=limit, after=after, with_total=True
        )
    kept = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    # The cards carry the page actually shown, so "back" from a photo lands here again.
    shown = {**kept, "after": after or ""}
    context = {name: shown[name] for name in CONTEXT_ARGS if shown.get(name)}
    active = sum(1 for k in kept if k not in ("q", "sort", "group"))
    # "Back to the search" from a stack opened into its members: the same
    # search, on the page holding the group's card.
    leave_group = None
    if filters.group:
        outside = {k: v for k, v in kept.items() if k != "group"}
        if page.assets:
            outside["at"] = str(page.assets[0].id)
        leave_group = url_for("gallery.index") + ("?" + urlencode(outside) if outside else "")
        leave_group += f"#p{page.assets[0].id}" if page.assets else ""
    body = render_template(
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
        first_page=not after,
        context=context,
        group=filters.group,
        leave_group=leave_group,
    )
    # The photos are still shown, with the messages, but a script sees the refusal.
    return body, 400 if problems else 200


@bp.get("/articles")
@require("read")
def articles() -> str:
    after = int_arg("after", request.args.get("after"))
    rows, next_after = queries.list_articles(get_session(), limit=50, after=after)
    return render_template("articles.html", rows=rows, next_after=next_after)


@bp.get("/articles/<int:article_id>")
@require("read")
def article(article_id: int) -> str:
    return render_template("article.html", article=queries.get_article(get_session(), article_id))
