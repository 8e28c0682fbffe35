"""The JSON API: the gallery's reads and edits for scripts, by session or bearer token.

Same roles as the pages, and the same things hidden: who edited a field
only for roles that see the history, file paths on the server only for
editors and admins. Errors are ``{"error": message}`` with the status code
the library error maps to; a stale PATCH is 409 with both values.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from library.catalog import edits, queries, records, search
from library.catalog import photos as catalog
from library.db.models import EDITABLE_FIELDS, Asset
from library.duplicates import membership
from library.errors import InvalidValueError, VersionConflictError
from webui.auth import current, require
from webui.db import commit, get_session
from webui.gallery import filters_from_args, sort_from_args
from webui.inputs import cursor_arg, int_arg

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_LIMIT = 200


def _summary(asset: Asset, usage_count: int) -> dict[str, Any]:
    data = records.asset_summary(asset)
    data["usage_count"] = usage_count
    data["url"] = url_for("photos.page", asset_id=asset.id)
    data["thumb"] = url_for("photos.thumb", asset_id=asset.id)
    return data


def _visible(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the caller's role may see it (the photo page hides the same)."""
    identity = current()
    assert identity is not None
    if not identity.can("server_paths"):
        record.pop("paths", None)
    if not identity.can("history"):
        # "user:ana" says who edited the field; that it was edited by hand is fine to show.
        record["sources"] = {
            name: "user" if isinstance(source, str) and source.startswith("user:") else source
            for name, source in record["sources"].items()
        }
    return record


def _bad_request(message: str) -> tuple[Response, int]:
    return jsonify(error=message), 400


@bp.get("/photos")
@require("search")
def photos() -> Any:
    """``?q=&page=CURSOR&limit=&sort=`` plus the gallery's filters; ``next`` is the next cursor,
    ``total`` the number of matches (``total_capped``: more than that many; counting
    stops at `queries.TOTAL_CAP`), ``query`` what was understood of ``q``."""
    filters, problems = filters_from_args(request.args, stacked=False)
    if problems:
        return _bad_request(" ".join(problems))
    limit = int_arg("limit", request.args.get("limit")) or current_app.config["PAGE_SIZE"]
    q = request.args.get("q", "")
    page = queries.find_photos(
        get_session(),
        q,
        filters,
        sort=sort_from_args(request.args),
        limit=max(1, min(limit, MAX_LIMIT)),
        after=cursor_arg("page", request.args.get("page")),
        with_total=True,
    )
    parsed = search.parse_query(q)
    return jsonify(
        photos=[_summary(a, page.usage_counts.get(a.id, 0)) for a in page.assets],
        next=page.next,
        total=page.total,
        total_capped=page.total_capped,
        query={"understood": parsed.describe(), "ignored": parsed.ignored},
    )


@bp.get("/photos/<int:asset_id>")
@require("read")
def photo(asset_id: int) -> Any:
    record = _visible(records.asset_record(catalog.get_asset(get_session(), asset_id)))
    # Editable fields also at the top level, so a client can PATCH what it read.
    return jsonify({**record["fields"], **record})


@bp.patch("/photos/<int:asset_id>")
@require("edit")
def patch_photo(asset_id: int) -> Any:
    """``{"version": N, "caption": ...}``: 200 with the new version; 409 when someone else
    changed one of these fields since N (a stale edit of other fields is merged)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad_request("send a JSON object with version and the fields to change")
    version = body.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        return _bad_request("version (an integer) is required: the version you read")
    values = body.pop("fields", None) or body
    if not isinstance(values, dict) or not values:
        return _bad_request("no fields to change")
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidValueError(f"not editable: {', '.join(unknown)}")
    # Checked before the edit locks the photo (keyword limits, dates, lengths).
    values = edits.normalize_values(values)
    identity = current()
    assert identity is not None
    session = get_session()
    try:
        result = edits.merge_edit(
            session, asset_id, values, identity.name, expected_version=version
        )
    except VersionConflictError as exc:
        response = jsonify(
            error=str(exc),
            version=exc.current,
            your_version=exc.expected,
            conflicts={
                name: {"yours": yours, "current": theirs}
                for name, (yours, theirs) in exc.conflicts.items()
            },
        )
        response.status_code = 409
        return response
    commit()
    return jsonify(
        id=asset_id,
        version=result.version,
        changes=[edits.change_record(c) for c in result.changes],
    )


@bp.get("/photos/<int:asset_id>/usages")
@require("read")
def usages(asset_id: int) -> Any:
    session = get_session()
    catalog.get_asset(session, asset_id)
    return jsonify(
        usages=[
            records.usage_record(usage, article)
            for usage, article in queries.group_usages(session, asset_id)
        ]
    )


@bp.get("/photos/<int:asset_id>/history")
@require("history")
def photo_history(asset_id: int) -> Any:
    changes = edits.history(get_session(), asset_id)
    return jsonify(changes=[edits.change_record(c) for c in changes])


@bp.get("/duplicates")
@require("read")
def duplicates() -> Any:
    """``{"groups": [...]}``: duplicate groups with their masters, largest first.

    ``?level=`` filters; ``?limit=`` (at most 200, the default) pages, and a
    ``next`` cursor, passed back as ``?after=``, is given while more follow.
    """
    level = request.args.get("level") or None
    limit = int_arg("limit", request.args.get("limit"), 1, MAX_LIMIT) or MAX_LIMIT
    after = request.args.get("after") or None
    found = membership.duplicate_groups(get_session(), level, limit + 1, after)
    more = len(found) > limit
    found = found[:limit]
    groups = [group.to_json() for group in found]
    identity = current()
    if identity is not None and not identity.can("server_paths"):
        for group in groups:
            for member in group["members"]:
                member.pop("paths", None)
    if more:
        return jsonify(groups=groups, next=membership.group_cursor(found[-1]))
    return jsonify(groups=groups)
