"""Bulk edit: set or add to any field of a selection, directly or with a saved template.

The form is a template's form (webui/templates/_fields.html): every field
kept, replaced or added to, with variables filled from each photo. Saved
templates ("Reuters wire", "Tehran desk") live in the catalog
(library.catalog.templates), so every gallery process shares them. Values a
saved template writes carry the source ``template:NAME``; the form's own
values ``user:NAME:bulk``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from library.catalog import queries, templates
from library.errors import InvalidValueError
from webui.auth import current, require
from webui.db import commit, get_session
from webui.desk import code_table, form_context, spec_from_form
from webui.gallery import with_context
from webui.inputs import int_arg

bp = Blueprint("bulk", __name__)

MAX_SELECTION = 1000


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


def _applied(ids: list[int], results: list[Any]) -> Any:
    commit()
    changed = sum(1 for r in results if r.changes)
    flash(f"Updated {changed} of {len(ids)} selected photos.", "success")
    return redirect(with_context(url_for("gallery.index")), code=303)


@bp.post("/bulk")
@require("bulk_edit")
def bulk() -> Any:
    """One form, several buttons: show the form, apply it, or save/load/apply/delete a template."""
    form = request.form
    ids = _selected_ids(form)
    op = form.get("op", "select")
    identity = current()
    assert identity is not None
    spec = spec_from_form(form) if op != "select" else {}
    loaded = form.get("loaded_template", "")
    status = 200
    if not ids:
        flash("No photos were selected.", "error")
        return redirect(with_context(url_for("gallery.index")), code=303)
    if len(ids) > MAX_SELECTION:
        flash(f"Select at most {MAX_SELECTION} photos at a time.", "error")
        return redirect(with_context(url_for("gallery.index")), code=303)
    session = get_session()
    try:
        if op == "apply":
            # Checked (variables too) before any photo is read.
            compiled = templates.compile_spec(spec)
            if compiled.empty:
                raise InvalidValueError("Choose at least one change to apply.")
            # Loaded from a template and applied as it was: the values are the template's.
            saved = templates.get_template(session, loaded) if loaded else None
            as_saved = saved is not None and templates.check_spec(spec) == saved
            source = templates.source_of(loaded) if as_saved else f"user:{identity.name}:bulk"
            results = templates.apply_spec(session, compiled, ids, identity.name, source)
            return _applied(ids, results)
        if op == "apply_template":
            name = form.get("template", "")
            results = templates.apply_template(session, name, ids, identity.name)
            return _applied(ids, results)
        if op == "save_template":
            name = form.get("template_name", "").strip()
            templates.save_template(session, name, spec, identity.name)
            commit()
            loaded = name
            flash(f"Saved template “{name}”.", "success")
        elif op == "load_template":
            name = form.get("template", "")
            saved = templates.get_template(session, name)
            if saved is None:
                flash(f"There is no template called “{name}”.", "error")
                status = 404
            else:
                spec, loaded = saved, name
                flash(f"Loaded template “{name}”: check the changes, then apply.", "info")
        elif op == "delete_template":
            name = form.get("template", "")
            templates.delete_template(session, name)
            commit()
            flash(f"Deleted template “{name}”.", "info")
    except (InvalidValueError, templates.TemplateNotFoundError) as exc:
        session.rollback()
        flash(str(exc), "error")
        status = 404 if isinstance(exc, templates.TemplateNotFoundError) else 400
    body = render_template(
        "bulk.html",
        ids=ids,
        assets=queries.assets_by_ids(session, ids),
        spec=spec,
        loaded=loaded,
        templates=templates.list_templates(session),
        codes=code_table(),
        **form_context(),
    )
    return body, status
