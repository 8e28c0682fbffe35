"""The desk's stationery: saved templates, code replacements and credit suggestions.

Each view parses the form, calls one function of library/catalog/
(templates, replacements, credits) and renders or redirects. The JSON
endpoints feed app.js: credit suggestions for the credit and source fields
and the house-style and spelling check under them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from library.catalog import credits, edits, replacements, templates
from library.db.models import STATUSES
from library.errors import InvalidValueError
from library.text.codes import expand_codes
from library.text.credits import RULES
from library.text.variables import DEFAULT_DATE_FORMAT, VARIABLES
from webui.auth import current, require
from webui.db import commit, get_session

bp = Blueprint("desk", __name__)

LABELS = {
    "caption": "Caption",
    "headline": "Headline",
    "title": "Title",
    "alt_text": "Alt text",
    "credit": "Credit",
    "creator": "Creator",
    "source": "Source",
    "copyright": "Copyright",
    "keywords": "Keywords",
    "instructions": "Special instructions",
    "usage_terms": "Usage terms",
    "original_date": "Original date",
}
#: How many credits the suggestions offer (the most used).
SUGGESTED = 200
#: Seconds a count of the library's credits may lag behind edits (credits.known_credits).
CREDITS_MAX_AGE = 30.0


def spec_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The fields form (bulk edit, template editor) as a template spec, codes expanded.

    Unchecked in the library (templates.check_spec), so a form with a
    mistake comes back with what the editor typed.
    """
    spec: dict[str, Any] = {}
    table = replacements.list_replacements(get_session())
    for name in templates.TEXT_FIELDS:
        mode = form.get(f"{name}_mode", "keep")
        value = form.get(name, "")
        spec[name] = {
            "mode": mode if mode in ("keep", "set", "append") else "keep",
            "value": expand_codes(value, table) if mode != "keep" else value,
        }
    archive = form.get("archive_mode", "keep")
    spec["archive"] = archive if archive in ("keep", "yes", "no") else "keep"
    status = form.get("status", "")
    spec["status"] = status if status in STATUSES else ""
    return spec


def form_context() -> dict[str, Any]:
    """What the fields macro needs, for every page that shows it."""
    return {
        "fields": templates.TEXT_FIELDS,
        "appendable": edits.APPENDABLE,
        "labels": LABELS,
        "statuses": STATUSES,
        "variables": VARIABLES,
        "default_date_format": DEFAULT_DATE_FORMAT,
    }


def code_table() -> dict[str, str]:
    """The code replacements, for the pages whose fields expand them as they are typed."""
    return replacements.list_replacements(get_session())


def _templates_page(spec: dict[str, Any] | None = None, name: str = "", status: int = 200) -> Any:
    session = get_session()
    body = render_template(
        "templates.html",
        templates=templates.list_templates(session),
        spec=spec or {},
        name=name,
        codes=code_table(),
        **form_context(),
    )
    return body, status


@bp.get("/templates")
@require("edit")
def template_list() -> Any:
    edit = request.args.get("edit", "")
    saved = templates.get_template(get_session(), edit) if edit else None
    if edit and saved is None:
        flash(f"There is no template called “{edit}”.", "error")
    return _templates_page(saved, edit if saved is not None else "")


@bp.post("/templates")
@require("edit")
def template_save() -> Any:
    identity = current()
    assert identity is not None
    name = request.form.get("template_name", "").strip()
    spec = spec_from_form(request.form)
    try:
        templates.save_template(get_session(), name, spec, identity.name)
    except InvalidValueError as exc:
        flash(str(exc), "error")
        return _templates_page(spec, name, 400)
    commit()
    flash(f"Saved template “{name}”.", "success")
    return redirect(url_for("desk.template_list"), code=303)


@bp.post("/templates/delete")
@require("edit")
def template_delete() -> Response:
    name = request.form.get("template", "")
    if templates.delete_template(get_session(), name):
        commit()
        flash(f"Deleted template “{name}”.", "info")
    else:
        flash(f"There is no template called “{name}”.", "error")
    return redirect(url_for("desk.template_list"), code=303)


def _replacements_page(status: int = 200, code: str = "", text: str = "") -> Any:
    body = render_template(
        "replacements.html", codes=code_table(), code=code, text=text, credit_rules=RULES
    )
    return body, status


@bp.get("/replacements")
@require("edit")
def replacement_list() -> Any:
    return _replacements_page()


@bp.post("/replacements")
@require("edit")
def replacement_save() -> Any:
    identity = current()
    assert identity is not None
    code, text = request.form.get("code", ""), request.form.get("text", "")
    try:
        stored = replacements.set_replacement(get_session(), code, text, identity.name)
    except InvalidValueError as exc:
        flash(str(exc), "error")
        return _replacements_page(400, code, text)
    commit()
    flash(f"={stored} now types “{' '.join(text.split())}”.", "success")
    return redirect(url_for("desk.replacement_list"), code=303)


@bp.post("/replacements/delete")
@require("edit")
def replacement_delete() -> Response:
    code = request.form.get("code", "")
    if replacements.delete_replacement(get_session(), code):
        commit()
        flash(f"Removed ={code}.", "info")
    else:
        flash(f"There is no code ={code}.", "error")
    return redirect(url_for("desk.replacement_list"), code=303)


@bp.get("/credits.json")
@require("edit")
def credit_suggestions() -> Response:
    """The library's credits, most used first, for the credit and source fields' suggestions."""
    used = credits.known_credits(get_session(), CREDITS_MAX_AGE)[:SUGGESTED]
    response = jsonify(credits=[{"credit": c.text, "photos": c.count} for c in used])
    # One list for a whole captioning session, refreshed now and then.
    response.cache_control.private = True
    response.cache_control.max_age = 60
    return response


@bp.get("/credits/check")
@require("edit")
def credit_check() -> Response:
    """House style and the library's spelling for a typed credit: what to use instead, and why."""
    typed = request.args.get("value", "")[:500]
    fixes = credits.check_credit(get_session(), typed, CREDITS_MAX_AGE)
    return jsonify(value=typed, fixes=[{"value": f.value, "reason": f.reason} for f in fixes])
