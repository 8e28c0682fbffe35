"""Bulk edit: set or append credit, source and keywords, archive and status on a selection.

Saved templates ("Reuters wire", "Archive scan") are form states kept in the
catalog (library.catalog.templates), so every gallery process shares them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from library.catalog import edits, queries, templates
from library.db.models import STATUSES
from library.errors import InvalidValueError
from webui.auth import current, require
from webui.db import commit, get_session
from webui.gallery import with_context
from webui.inputs import int_arg

bp = Blueprint("bulk", __name__)

TEXT_FIELDS = ("credit", "source", "keywords")
MAX_SELECTION = 1000


def _spec(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's edit as plain data: what a template stores and what apply reads."""
    spec: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        mode = form.get(f"{name}_mode", "keep")
        spec[name] = {
            "mode": mode if mode in ("keep", "set", "append") else "keep",
            "value": form.get(name, ""),
        }
    archive = form.get("archive_mode", "keep")
    spec["archive"] = archive if archive in ("keep", "yes", "no") else "keep"
    status = form.get("status", "")
    spec["status"] = status if status in STATUSES else ""
    return spec


def _edit(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    set_values: dict[str, Any] = {}
    append_values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        field = spec.get(name) or {}
        if field.get("mode") == "set":
            set_values[name] = field.get("value", "")
        elif field.get("mode") == "append" and str(field.get("value", "")).strip():
            append_values[name] = field.get("value", "")
    if spec.get("archive") in ("yes", "no"):
        set_values["archive"] = spec["archive"] == "yes"
    if spec.get("status"):
        set_values["status"] = spec["status"]
    return set_values, append_values


def _selected_ids(form: MultiDict[str, str]) -> list[int]:
    ids: list[int] = []
    for value in form.getlist("ids"):
        number = int_arg("ids", value, minimum=1)
        if number is not None and number not in ids:
            ids.append(number)
    return ids


@bp.get("/bulk")
@require("bulk_edit")
def start() -> Any:
    flash("Select photos in the gallery first, then choose “Bulk edit”.", "info")
    return redirect(with_context(url_for("gallery.index")))


@bp.post("/bulk")
@require("bulk_edit")
def bulk() -> Any:
    """One form, several buttons: show the form, apply it, or save/load/delete a template."""
    form = request.form
    ids = _selected_ids(form)
    op = form.get("op", "select")
    identity = current()
    assert identity is not None
    spec = _spec(form) if op != "select" else _spec(MultiDict())
    status = 200
    if not ids:
        flash("No photos were selected.", "error")
        return redirect(with_context(url_for("gallery.index")), code=303)
    if len(ids) > MAX_SELECTION:
        flash(f"Select at most {MAX_SELECTION} photos at a time.", "error")
        return redirect(with_context(url_for("gallery.index")), code=303)
    if op == "apply":
        set_values, append_values = _edit(spec)
        if not set_values and not append_values:
            flash("Choose at least one change to apply.", "error")
            status = 400
        else:
            try:
                # Checked before the write transaction opens; appends are checked
                # again against each photo's current values inside it.
                edits.normalize_values(set_values)
                results = edits.bulk_edit(
                    get_session(), ids, identity.name, set_values, append_values
                )
            except InvalidValueError as exc:
                flash(str(exc), "error")
                status = 400
            else:
                commit()
                changed = sum(1 for r in results if r.changes)
                flash(f"Updated {changed} of {len(ids)} selected photos.", "success")
                return redirect(with_context(url_for("gallery.index")), code=303)
    elif op == "save_template":
        name = form.get("template_name", "").strip()
        try:
            templates.save_template(get_session(), name, spec, identity.name)
        except InvalidValueError:
            flash("A template needs a name of at most 60 characters.", "error")
            status = 400
        else:
            commit()
            flash(f"Saved template “{name}”.", "success")
    elif op == "load_template":
        name = form.get("template", "")
        saved = templates.get_template(get_session(), name)
        if saved is None:
            flash(f"There is no template called “{name}”.", "error")
            status = 404
        else:
            spec = saved
            flash(f"Loaded template “{name}”: check the changes, then apply.", "info")
    elif op == "delete_template":
        name = form.get("template", "")
        templates.delete_template(get_session(), name)
        commit()
        flash(f"Deleted template “{name}”.", "info")
    session = get_session()
    assets = queries.assets_by_ids(session, ids)
    body = render_template(
        "bulk.html",
        ids=ids,
        assets=assets,
        spec=spec,
        templates=templates.list_templates(session),
        statuses=STATUSES,
        fields=TEXT_FIELDS,
    )
    return body, status
