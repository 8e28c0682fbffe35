"""Reviewing duplicate groups: the list, one group side by side, and the desk's decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from library.catalog import edits, queries
from library.db.models import EDITABLE_FIELDS, Asset
from library.duplicates import decisions, membership
from library.duplicates.builder import LEVELS, Group
from library.errors import VersionConflictError
from webui.auth import current, require
from webui.db import commit, get_session
from webui.photos import LABELS, display

bp = Blueprint("dupes", __name__, url_prefix="/duplicates")

#: The fields "Copy from master" offers, in the order the form shows them.
COPY_FIELDS = (
    "caption",
    "credit",
    "creator",
    "source",
    "copyright",
    "keywords",
    "headline",
    "title",
    "alt_text",
    "instructions",
    "usage_terms",
)


@bp.get("")
@require("read")
def index() -> str:
    level = request.args.get("level", "")
    problem = None
    if level and level not in LEVELS:
        problem = f"Unknown level {level!r} ignored: choose {', '.join(LEVELS)}."
        level = ""
    groups = membership.duplicate_groups(get_session(), level or None)
    return render_template(
        "duplicates.html", groups=groups, level=level, levels=LEVELS, problem=problem
    )


@bp.get("/<group_id>")
@require("read")
def group(group_id: str) -> str:
    return _render(_group(group_id))


def _group(group_id: str) -> Group:
    found = membership.group_by_key(get_session(), group_id)
    if found is None:
        abort(
            404,
            description=f"No duplicate group {group_id}: a decision may have changed it. "
            "Open the photo to find its group.",
        )
    return found


def _render(group: Group, conflict: dict[str, Any] | None = None) -> str:
    ids = [m.asset_id for m in group.members]
    assets: dict[int, Asset] = {a.id: a for a in queries.assets_by_ids(get_session(), ids)}
    values = {
        asset_id: {name: display(getattr(asset, name)) for name in EDITABLE_FIELDS}
        for asset_id, asset in assets.items()
    }
    master = values.get(group.master, {})
    differs = {
        asset_id: {name for name in EDITABLE_FIELDS if mine[name] != master.get(name)}
        for asset_id, mine in values.items()
        if asset_id != group.master
    }
    return render_template(
        "group.html",
        group=group,
        assets=assets,
        values=values,
        differs=differs,
        fields=EDITABLE_FIELDS,
        copy_fields=COPY_FIELDS,
        labels=LABELS,
        conflict=conflict,
    )


def _member(group: Group, name: str = "asset_id") -> int:
    """A photo id from the form that belongs to the group (400 otherwise)."""
    asset_id = request.form.get(name, type=int)
    if asset_id is None or all(m.asset_id != asset_id for m in group.members):
        abort(400, description=f"{name}: choose a photo of group {group.id}.")
    return asset_id


def _user() -> str:
    identity = current()
    assert identity is not None
    return identity.name


def _back(group_id: str) -> Response:
    return redirect(url_for("dupes.group", group_id=group_id), code=303)


@bp.post("/<group_id>/master")
@require("decide_duplicates")
def set_master(group_id: str) -> Response:
    group = _group(group_id)
    asset_id = _member(group)
    decisions.decide_master(get_session(), asset_id, _user())
    commit()
    flash(f"Photo #{asset_id} is now the master of this group.", "success")
    return _back(group.id)


@bp.post("/<group_id>/not-duplicate")
@require("decide_duplicates")
def not_duplicate(group_id: str) -> Response:
    """Photo ``asset_id`` is not a duplicate of ``master`` (the master the page showed)."""
    group = _group(group_id)
    asset_id, master = _member(group), _member(group, "master")
    session = get_session()
    decisions.decide_not_duplicate(session, master, asset_id, _user())
    commit()
    flash(f"Photo #{asset_id} is recorded as not a duplicate of #{master}.", "success")
    remaining = membership.group_of(session, master)
    if remaining is None:
        return redirect(url_for("dupes.index"), code=303)
    return _back(remaining.id)


@bp.post("/<group_id>/copy")
@require("decide_duplicates")
def copy_from_master(group_id: str) -> Any:
    """Copy the ticked fields' values from the master to one member, at the version shown.

    A stale version (someone edited the member since the page was loaded) is
    a 409 showing the master's value and the member's current value.
    """
    group = _group(group_id)
    asset_id, master_id = _member(group), _member(group, "master")
    version = request.form.get("version", type=int)
    chosen = [name for name in request.form.getlist("fields") if name in COPY_FIELDS]
    if asset_id == master_id:
        abort(400, description="A photo cannot copy from itself.")
    if version is None:
        abort(400, description="The form had no version; reload the page.")
    if not chosen:
        flash("Nothing copied: tick the fields to copy from the master.", "info")
        return _back(group.id)
    session = get_session()
    master = next(iter(queries.assets_by_ids(session, [master_id])))
    values = {name: getattr(master, name) for name in chosen}
    try:
        result = edits.edit_asset(session, asset_id, values, _user(), expected_version=version)
    except VersionConflictError as exc:
        rows = [
            {"label": LABELS[name], "yours": display(yours), "theirs": display(theirs)}
            for name, (yours, theirs) in exc.conflicts.items()
        ]
        conflict = {
            "asset_id": asset_id,
            "expected": exc.expected,
            "current": exc.current,
            "fields": rows,
        }
        return _render(group, conflict), 409
    commit()
    names = ", ".join(LABELS[c.field].lower() for c in result.changes)
    if names:
        flash(
            f"Copied {names} from #{master_id} to #{asset_id} (version {result.version}).",
            "success",
        )
    else:
        flash(f"Nothing to copy: #{asset_id} already had the master's values.", "info")
    return _back(group.id)
