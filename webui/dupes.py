"""Reviewing duplicate groups: the list, one group side by side, and the desk's decisions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from library.catalog import edits, queries
from library.db.models import EDITABLE_FIELDS, Asset, DuplicateDecision
from library.duplicates import decisions, membership, review
from library.duplicates.builder import LEVELS, Group
from library.errors import InvalidValueError, VersionConflictError
from webui.auth import current, require
from webui.db import commit, get_session
from webui.photos import LABELS, display

bp = Blueprint("dupes", __name__, url_prefix="/duplicates")

#: Groups per page of the list.
PAGE = 50

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
    after = request.args.get("after") or None
    try:
        groups = membership.duplicate_groups(get_session(), level or None, PAGE + 1, after)
    except InvalidValueError as exc:
        problem, after = f"{exc}; showing the first page.", None
        groups = membership.duplicate_groups(get_session(), level or None, PAGE + 1)
    more = len(groups) > PAGE
    groups = groups[:PAGE]
    return render_template(
        "duplicates.html",
        groups=groups,
        level=level,
        levels=LEVELS,
        problem=problem,
        after=after,
        next=membership.group_cursor(groups[-1]) if more else None,
    )


@bp.get("/<group_id>")
@require("read")
def group(group_id: str) -> str:
    return _render(_review(group_id))


def _review(group_id: str) -> review.GroupReview:
    found = review.review_group(get_session(), group_id)
    if found is None:
        abort(
            404,
            description=f"No duplicate group {group_id}: a decision may have changed it. "
            "Open the photo to find its group.",
        )
    return found


def _render(found: review.GroupReview, conflict: dict[str, Any] | None = None) -> str:
    group = found.group
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
    others = [i for i in ids if i != group.master]
    compare = request.args.get("with", type=int)
    if compare not in others:
        compare = others[0] if others else None
    return render_template(
        "group.html",
        group=group,
        review=found,
        assets=assets,
        values=values,
        differs=differs,
        fields=EDITABLE_FIELDS,
        copy_fields=COPY_FIELDS,
        labels=LABELS,
        conflict=conflict,
        compare=compare,
        warnings={
            i: decisions.master_question([m.facts for m in found.members], i) for i in others
        },
        apart=_apart_offer(group),
    )


def _apart_offer(group: Group) -> dict[str, Any] | None:
    """After a split that left the photo with some of its former group: what to offer."""
    asset_id = request.args.get("apart", type=int)
    holding = [int(i) for i in request.args.get("holding", "").split(",") if i.isdigit()]
    members = {m.asset_id for m in group.members}
    if asset_id not in members or not holding or not set(holding) <= members:
        return None
    return {"asset_id": asset_id, "holding": holding}


def _member(group: Group, name: str = "asset_id") -> int:
    """A photo id from the form that belongs to the group (400 otherwise)."""
    asset_id = request.form.get(name, type=int)
    if asset_id is None or all(m.asset_id != asset_id for m in group.members):
        abort(400, description=f"{name}: choose a photo of group {group.id}.")
    return asset_id


def _group(group_id: str) -> Group:
    return _review(group_id).group


def _user() -> str:
    identity = current()
    assert identity is not None
    return identity.name


def _back(group_id: str, **args: Any) -> Response:
    return redirect(url_for("dupes.group", group_id=group_id, **args), code=303)


@bp.post("/<group_id>/master")
@require("decide_duplicates")
def set_master(group_id: str) -> Any:
    """Make a member the master; a much smaller or poorer copy asks first."""
    found = _review(group_id)
    asset_id = _member(found.group)
    session = get_session()
    warning = decisions.master_warning(session, asset_id)
    if warning and request.form.get("confirm") != "yes":
        return render_template(
            "confirm_master.html", review=found, asset_id=asset_id, warning=warning
        )
    decisions.decide_master(session, asset_id, _user())
    commit()
    flash(f"Photo #{asset_id} is now the master of this group.", "success")
    return _back(_group_key_of(asset_id) or found.group.id)


@bp.post("/<group_id>/not-duplicate")
@require("decide_duplicates")
def not_duplicate(group_id: str) -> Response:
    """Photo ``asset_id`` is not a duplicate of ``master`` (or of each ``others`` photo)."""
    group = _group(group_id)
    asset_id = _member(group)
    others = [int(i) for i in request.form.getlist("others") if i.isdigit()]
    if not others:
        others = [_member(group, "master")]
    if not {m.asset_id for m in group.members} >= set(others):
        abort(400, description=f"others: choose photos of group {group.id}.")
    split = decisions.decide_apart(get_session(), asset_id, others, _user())
    commit()
    names = ", ".join(f"#{i}" for i in others)
    if split.holding:
        flash(
            f"Recorded: #{asset_id} is not a duplicate of {names}. It is still grouped with "
            f"{', '.join(f'#{i}' for i in split.holding)}, which it resembles more.",
            "info",
        )
        assert split.asset_group is not None
        holding = ",".join(str(i) for i in split.holding)
        return _back(split.asset_group, apart=asset_id, holding=holding)
    where = f"group {split.asset_group}" if split.asset_group else "no group"
    flash(f"Recorded: #{asset_id} is not a duplicate of {names}; it is now in {where}.", "success")
    if split.other_group is None:
        return redirect(url_for("dupes.index"), code=303)
    return _back(split.other_group)


@bp.post("/<group_id>/decisions/<int:decision_id>/undo")
@require("decide_duplicates")
def undo(group_id: str, decision_id: int) -> Response:
    session = get_session()
    try:
        decision = decisions.undo_decision(session, decision_id)
    except InvalidValueError as exc:
        abort(404, description=str(exc))
    commit()
    flash(f"Undone: {_decision_words(decision)}.", "success")
    key = _group_key_of(decision.asset_id) or (
        _group_key_of(decision.other_id) if decision.other_id else None
    )
    return _back(key) if key else redirect(url_for("dupes.index"), code=303)


def _group_key_of(asset_id: int) -> str | None:
    found = membership.group_of(get_session(), asset_id)
    return found.id if found else None


def _decision_words(decision: DuplicateDecision) -> str:
    if decision.kind == "master":
        return f"#{decision.asset_id} made master by {decision.user}"
    return f"#{decision.asset_id} and #{decision.other_id} marked different by {decision.user}"


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
        return _render(_review(group.id), conflict), 409
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
