"""One photo: its page, the metadata form with conflict handling, history, revert and files."""

from __future__ import annotations

import logging
import os
import shutil
import unicodedata
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from assets import formats
from library.articles import imports as articles
from library.catalog import edits, queries, replacements, rights, search, templates
from library.catalog import photos as catalog
from library.db.models import EDITABLE_FIELDS, STATUSES, Asset, Change, Rendition
from library.duplicates import membership
from library.errors import InvalidValueError, StoreError, VersionConflictError
from library.files.exiftool import ExiftoolError
from library.files.export import ExportError, export_file
from library.text.codes import expand_codes
from library.text.housestyle import caption_credit_line
from webui.auth import current, require
from webui.db import commit, get_session, read_session, state
from webui.desk import code_table
from webui.gallery import filters_from_args, sort_from_args, with_context

bp = Blueprint("photos", __name__, url_prefix="/photos")
#: A photo's page; webui/links.py builds links to it for report files.
PAGE_RULE = "/<int:asset_id>"

log = logging.getLogger(__name__)

#: Response header telling whether a download carries the catalog's metadata.
METADATA_HEADER = "X-Photodesk-Metadata"


#: Long texts get a textarea; the rest are one-line inputs.
LONG_FIELDS = frozenset({"caption", "alt_text", "instructions", "usage_terms"})

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
    "archive": "Archive photo",
    "original_date": "Original date",
    "status": "Status",
}


def display(value: Any) -> str:
    """A field value as the form shows it: keywords comma-separated, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _values(asset: Asset) -> dict[str, str]:
    return {name: display(getattr(asset, name)) for name in EDITABLE_FIELDS}


def _posted(form: MultiDict[str, str], prefix: str = "") -> dict[str, str]:
    values = {name: form.get(prefix + name, "") for name in EDITABLE_FIELDS}
    # An unchecked checkbox is not sent at all.
    values["archive"] = "yes" if form.get(prefix + "archive") in ("on", "yes", "1") else "no"
    return values


def _nav(asset_id: int) -> dict[str, str | None]:
    """Links back to the grid (landing on this photo's card) and to its neighbours there."""
    filters, _ = filters_from_args(request.args)
    found = queries.neighbours(
        get_session(), asset_id, request.args.get("q", ""), filters, sort_from_args(request.args)
    )

    def link(other: int | None) -> str | None:
        return with_context(url_for("photos.page", asset_id=other)) if other else None

    return {
        "back": with_context(url_for("gallery.index"), anchor=asset_id),
        "previous": link(found.previous),
        "next": link(found.next),
        "here": with_context(url_for("photos.page", asset_id=asset_id)),
        "action": with_context(url_for("photos.edit", asset_id=asset_id)),
    }


def _wants_json() -> bool:
    """app.js saves in place and asks for JSON; a plain form post gets pages and redirects."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def field_error(message: str) -> tuple[str | None, str]:
    """The form field a library message names, and the message with the field in words.

    The catalog says ``original_date: expected YYYY…``; the editor reads
    "Original date: expected YYYY…" and sees that field marked.
    """
    name, sep, rest = message.partition(": ")
    if sep and name in LABELS:
        return name, f"{LABELS[name]}: {rest}"
    return None, message


def _render(
    asset: Asset,
    values: dict[str, str] | None = None,
    original: dict[str, str] | None = None,
    version: int | None = None,
    conflict: dict[str, Any] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> str:
    session = get_session()
    identity = current()
    changes: list[Change] = []
    if identity is not None and identity.can("history"):
        changes = list(reversed(edits.history(session, asset.id)))
    usages = queries.group_usages(session, asset.id)
    comparison = articles.compare_usages(asset, [usage for usage, _ in usages])
    return render_template(
        "photo.html",
        asset=asset,
        values=values or _values(asset),
        original=original or _values(asset),
        version=version if version is not None else asset.version,
        conflict=conflict,
        error=error,
        error_field=error_field,
        fields=EDITABLE_FIELDS,
        long_fields=LONG_FIELDS,
        labels=LABELS,
        statuses=STATUSES,
        changes=changes,
        usages=usages,
        composite_usages=queries.composite_usages(session, asset.id),
        comparison=comparison,
        diffs={d["usage_id"]: d["ops"] for d in comparison.caption_diffs},
        group=membership.group_of(session, asset.id),
        usage_count=queries.usage_counts(session, [asset.id]).get(asset.id, 0),
        credit_line=caption_credit_line(asset),
        renditions={r.kind for r in asset.renditions},
        display=display,
        nav=_nav(asset.id),
        # Arriving from a search (?q=), the words it matched are marked.
        q=request.args.get("q", ""),
        template_names=list(templates.list_templates(session)),
        codes=code_table(),
        query=search.parse_query(request.args.get("q", "")),
    )


@bp.get(PAGE_RULE)
@require("read")
def page(asset_id: int) -> str:
    return _render(catalog.get_asset(get_session(), asset_id))


@bp.post("/<int:asset_id>")
@require("edit")
def edit(asset_id: int) -> Any:
    """Save the fields the editor changed, merging with edits made since the form was loaded.

    The form carries the values it was loaded with (``orig_*``). Only fields
    that differ from those are written, so a stale form never undoes someone
    else's change to a field this editor did not touch. A real conflict (both
    changed the same field) is shown with both values and nothing is saved.
    """
    identity = current()
    assert identity is not None
    form = request.form
    mine = _posted(form)
    original = _posted(form, "orig_") if "orig_caption" in form else None
    version = form.get("version", type=int)
    as_json = _wants_json()
    if version is None:
        message = "The form had no version; reload it."
        if as_json:
            return jsonify(error=message), 400
        asset = catalog.get_asset(get_session(), asset_id)
        return _render(asset, mine, original, error=message), 400
    try:
        changed = {
            name: value
            for name, value in mine.items()
            if original is None
            or edits.normalize(name, value, limits=False)
            != edits.normalize(name, original[name], limits=False)
        }
        if not changed:
            return _saved(asset_id, "Nothing to save: no field was changed.", "info")
        changed = _expanded(changed)
        edits.normalize_values(changed)  # checked before the write transaction opens
        session = get_session()
        try:
            result = edits.merge_edit(
                session, asset_id, changed, identity.name, expected_version=version
            )
        except VersionConflictError as exc:
            asset = catalog.get_asset(session, asset_id)
            if as_json:
                return jsonify(conflict=_clash_rows(asset, exc.conflicts), **_state(asset)), 409
            return _conflict(asset, changed, exc.conflicts), 409
    except InvalidValueError as exc:
        field, message = field_error(str(exc))
        if as_json:
            return jsonify(error=message, field=field), 400
        asset = catalog.get_asset(get_session(), asset_id)
        return _render(asset, mine, original, version, error=message, error_field=field), 400
    commit()
    names = ", ".join(LABELS[c.field].lower() for c in result.changes)
    if names:
        return _saved(asset_id, f"Saved {names} (version {result.version}).", "success")
    return _saved(asset_id, "Nothing to save: the values were already current.", "info")


#: Fields whose text may hold a code replacement ("=rf").
_CODE_FIELDS = frozenset(EDITABLE_FIELDS) - {"archive", "status", "original_date"}


def _expanded(values: dict[str, str]) -> dict[str, str]:
    """Codes left in the changed texts expanded, as app.js does while typing.

    For forms posted without JavaScript, and a code typed last, just before
    Ctrl+Enter. Read outside the write transaction, which is not open yet.
    """
    if not any("=" in v for n, v in values.items() if n in _CODE_FIELDS):
        return values
    table = replacements.list_replacements(read_session())
    return {
        name: expand_codes(value, table) if name in _CODE_FIELDS else value
        for name, value in values.items()
    }


@bp.post("/<int:asset_id>/template")
@require("edit")
def apply_template(asset_id: int) -> Any:
    """Apply a saved template to this photo, as a new version (source ``template:NAME``).

    The form's version is the one the page shows, so a stale page merges as
    a save does. In place (JSON) the page gets the new values and which
    fields the template filled; the editor's other unsaved changes stay.
    """
    identity = current()
    assert identity is not None
    name = request.form.get("template", "")
    version = request.form.get("version", type=int)
    as_json = _wants_json()
    try:
        if version is None:
            raise InvalidValueError("The form had no version; reload it.")
        spec = templates.get_template(read_session(), name)
        if spec is None:
            raise templates.TemplateNotFoundError(f"There is no template called “{name}”.")
        compiled = templates.compile_spec(spec)  # checked before the write transaction opens
        session = get_session()
        result = templates.apply_spec(
            session,
            compiled,
            [asset_id],
            identity.name,
            templates.source_of(name),
            expected_version=version,
        )[0]
    except VersionConflictError as exc:
        asset = catalog.get_asset(get_session(), asset_id)
        message = "Not applied: someone else changed the same fields."
        if as_json:
            return jsonify(conflict=_clash_rows(asset, exc.conflicts), **_state(asset)), 409
        return _render(asset, error=message), 409
    except (InvalidValueError, templates.TemplateNotFoundError) as exc:
        status = 404 if isinstance(exc, templates.TemplateNotFoundError) else 400
        message = f"Template “{name}” not applied: {exc}"
        if as_json:
            return jsonify(error=message), status
        return _render(catalog.get_asset(get_session(), asset_id), error=message), status
    commit()
    applied = [c.field for c in result.changes]
    names = ", ".join(LABELS[f].lower() for f in applied)
    if names:
        message, category = f"Applied “{name}”: {names} (version {result.version}).", "success"
    else:
        message, category = f"Applied “{name}”: the values were already current.", "info"
    if as_json:
        asset = catalog.get_asset(get_session(), asset_id)
        return jsonify(message=message, category=category, applied=applied, **_state(asset))
    flash(message, category)
    return redirect(with_context(url_for("photos.page", asset_id=asset_id)), code=303)


def _saved(asset_id: int, message: str, category: str) -> Any:
    """After a save: the next photo of the search when asked ("Save and next"), else this one.

    In place (JSON) the page gets the new state to show and where "next" leads.
    """
    go = _nav(asset_id)["next"] if request.form.get("then") == "next" else None
    if _wants_json():
        asset = catalog.get_asset(get_session(), asset_id)
        return jsonify(message=message, category=category, go=go, **_state(asset))
    flash(message, category)
    return redirect(go or with_context(url_for("photos.page", asset_id=asset_id)), code=303)


def _state(asset: Asset) -> dict[str, Any]:
    """What the page shows of a saved photo: its version, form values and credit line."""
    return {
        "version": asset.version,
        "values": _values(asset),
        "credit_line": caption_credit_line(asset),
    }


def _clash_rows(asset: Asset, clashes: dict[str, tuple[object, object]]) -> list[dict[str, Any]]:
    """Both values of each clashing field, with who last changed it and when."""
    history = edits.history(get_session(), asset.id)
    rows = []
    for name, (yours, theirs) in clashes.items():
        last = next((c for c in reversed(history) if c.field == name), None)
        rows.append(
            {
                "field": name,
                "label": LABELS[name],
                "yours": display(yours),
                "theirs": display(theirs),
                "who": last.user if last else None,
                "when": last.changed_at.strftime("%H:%M") if last and last.changed_at else None,
            }
        )
    return rows


def _conflict(
    asset: Asset, changed: dict[str, str], clashes: dict[str, tuple[object, object]]
) -> str:
    """The page after a clash: current values, with this editor's changes laid over them.

    The form now starts from the current version, so submitting it again
    deliberately replaces the other edits with these values.
    """
    values = {**_values(asset), **changed}
    conflict = {"version": asset.version, "fields": _clash_rows(asset, clashes)}
    return _render(asset, values, _values(asset), asset.version, conflict=conflict)


@bp.post("/<int:asset_id>/changes/<int:change_id>/revert")
@require("edit")
def revert(asset_id: int, change_id: int) -> Response:
    identity = current()
    assert identity is not None
    session = get_session()
    result = edits.revert_change(session, asset_id, change_id, identity.name)
    commit()
    if result.changes:
        change = result.changes[0]
        flash(
            f"Reverted {LABELS.get(change.field, change.field).lower()} to "
            f"“{display(change.new_value) or 'empty'}” (version {result.version}).",
            "success",
        )
    else:
        flash("Nothing to revert: the field already has that value.", "info")
    return redirect(with_context(url_for("photos.page", asset_id=asset_id)) + "#history", code=303)


@bp.get("/<int:asset_id>/thumb")
@require("read")
def thumb(asset_id: int) -> Response:
    return _rendition(asset_id, "thumb")


@bp.get("/<int:asset_id>/web")
@require("read")
def preview(asset_id: int) -> Response:
    return _rendition(asset_id, "web")


@bp.get("/<int:asset_id>/download")
@require("download")
def download(asset_id: int) -> Response:
    """The file with the catalog's metadata written in; the stored file if exiftool fails.

    ``X-Photodesk-Metadata`` says which: ``written`` or ``original``. A
    restricted photo (`library.catalog.rights`) first gets a page with its
    terms and a "Download anyway" link (``agreed=1``), status 409.
    """
    size = request.args.get("size", "original")
    if size not in ("web", "original"):
        abort(400, description="size must be web or original")
    asset = catalog.get_asset(get_session(), asset_id)
    if request.args.get("agreed") != "1" and any(
        badge.key == "restricted" for badge in rights.rights_badges(asset)
    ):
        # Nothing is sent until the editor has read the terms and said yes.
        page = render_template("download_confirm.html", asset=asset, size=size, renditions=set())
        return Response(page, status=409, mimetype="text/html")
    try:
        path = export_file(state().database, asset_id, size)
    except (ExportError, ExiftoolError) as exc:
        log.warning(
            "photo %s: sending the stored %s without catalog metadata: %s", asset_id, size, exc
        )
        fallback = f"photo-{asset_id}"
        if size == "web":
            stem = Path(download_name(asset.original_name, fallback)).stem
            response = _rendition(asset_id, "web", download_name=f"{stem}-web.jpg")
        else:
            response = _file(
                asset.store_path,
                formats.mime_type(asset.format),
                download_name=download_name(asset.original_name, fallback),
            )
        response.headers[METADATA_HEADER] = "original"
        return response
    mimetype = "image/jpeg" if size == "web" else formats.mime_type(asset.format)
    # The folder goes at once: the open file keeps its bytes readable until the
    # response is done, so nothing is left behind when sending fails, when the
    # client goes away, or when nobody ever closes the response.
    try:
        handle = path.open("rb")
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    try:
        response = send_file(
            handle,
            mimetype=mimetype or "application/octet-stream",
            as_attachment=True,
            download_name=download_name(path.name, f"photo-{asset_id}"),
            conditional=False,
        )
        response.content_length = os.fstat(handle.fileno()).st_size
    except BaseException:
        handle.close()
        raise
    response.cache_control.no_store = True
    response.headers[METADATA_HEADER] = "written"
    return response


def download_name(name: str, fallback: str) -> str:
    """A file name safe in a Content-Disposition header: no control characters or quotes.

    File names come from the files themselves and may hold CR, LF or other
    control characters, which cannot go into a header at all.
    """
    cleaned = "".join("_" if unicodedata.category(c)[0] == "C" or c in '"\\' else c for c in name)
    cleaned = cleaned.strip().strip(".")
    return cleaned[:200] or fallback


def _rendition(asset_id: int, kind: str, download_name: str | None = None) -> Response:
    rendition = get_session().get(Rendition, (asset_id, kind))
    if rendition is None:
        abort(404, description=f"Photo {asset_id} has no {kind} image.")
    return _file(rendition.store_path, "image/jpeg", download_name)


def _file(relative: str, mimetype: str, download_name: str | None = None) -> Response:
    try:
        path = state().store.absolute(relative)
    except StoreError:
        abort(404)
    if not path.is_file():
        abort(404, description="The file is missing from the store (run photodesk verify).")
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=download_name is not None,
        download_name=download_name,
        max_age=86400,
        conditional=True,
    )
    # Photos are private to the desk: browsers may cache them, shared proxies may not.
    response.cache_control.public = False
    response.cache_control.private = True
    return response
