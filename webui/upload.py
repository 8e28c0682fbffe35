"""Uploading photos: checked at the door, then ingested like any other file.

Files land in a fresh folder under ``uploads/`` in the library with a
sanitized name. Names with a path in them, types photodesk does not catalog,
content that does not match its extension and oversized files are refused
before anything is ingested. The ingest pipeline then runs in this process
(one worker) and the page reports every file.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Blueprint, current_app, flash, render_template, request
from werkzeug.datastructures import FileStorage

from assets import formats
from library.catalog import templates
from library.errors import InvalidValueError
from library.ingest.pipeline import IngestOptions, IngestSession
from webui.auth import current, require
from webui.db import commit, get_session, read_session, release, state

bp = Blueprint("upload", __name__)

UPLOAD_DIR = "uploads"

_UNSAFE = re.compile(r"[^\w.()\- ]")


class UploadRefusedError(Exception):
    """A file was refused at the door; the message says why, for the person uploading."""


@dataclass
class UploadResult:
    """One file's fate, as the page shows it."""

    name: str
    status: str  # "ingested", "already_present", "failed", "refused"
    asset_id: int | None = None
    reason: str | None = None
    warning: str | None = None  # what ingest cut or could not read (keywords, metadata)
    template: str | None = None  # what the chosen template did to the new photo


def safe_name(raw: str | None) -> str:
    """A file name that can only ever mean a file in the upload folder.

    A name with a directory part is refused rather than trimmed: browsers
    send bare names, so a path means a crafted request.
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise UploadRefusedError("the file has no name")
    if "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        raise UploadRefusedError("the file name contains a path")
    if name.startswith("."):
        raise UploadRefusedError("hidden file names (starting with '.') are not accepted")
    stem, suffix = os.path.splitext(_UNSAFE.sub("_", name))
    return (stem[:150] or "photo") + suffix.lower()[:10]


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = os.path.splitext(name)
    counter = 2
    while target.exists():
        target = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    return target


def _accept(storage: FileStorage, folder: Path, limit: int) -> Path:
    """Check one file and save it into the folder; raises UploadRefusedError with the reason."""
    name = safe_name(storage.filename)
    suffix = Path(name).suffix.lower()
    expected = formats.format_for_suffix(suffix)
    if expected is None:
        raise UploadRefusedError(
            f"“{suffix or 'no extension'}” is not a photo type photodesk catalogs "
            "(JPEG, PNG, WebP, TIFF, GIF or HEIC)"
        )
    head = storage.stream.read(formats.MAGIC_BYTES)
    storage.stream.seek(0)
    if not head:
        raise UploadRefusedError("the file is empty")
    found = formats.sniff(head)
    if found != expected:
        raise UploadRefusedError(
            f"the content is not a {expected.label} image"
            + (f" (it looks like {found.label})" if found else "")
        )
    target = _unique(folder, name)
    storage.save(target)
    if target.stat().st_size > limit:
        target.unlink()
        raise UploadRefusedError(f"larger than {limit // (1024 * 1024)} MB")
    return target


def _page(results: list[UploadResult] | None, chosen: str = "") -> str:
    names = list(templates.list_templates(read_session()))
    return render_template("upload.html", results=results, template_names=names, chosen=chosen)


@bp.get("/upload")
@require("upload")
def form() -> str:
    return _page(None, request.args.get("template", ""))


def _apply_template(name: str, compiled: templates.Compiled, results: list[UploadResult]) -> None:
    """The chosen template on each newly added photo, one at a time.

    A photo that lacks a value the template needs (no city) keeps what it
    came with and says why; the others get the template. Photos that were
    already in the library keep their values: they may carry the desk's edits.
    """
    identity = current()
    assert identity is not None
    source = templates.source_of(name)
    for result in results:
        if result.status != "ingested" or result.asset_id is None:
            continue
        try:
            templates.apply_spec(get_session(), compiled, [result.asset_id], identity.name, source)
        except InvalidValueError as exc:
            result.template = f"template “{name}” not applied: {exc}"
        else:
            result.template = f"template “{name}” applied"
    commit()


@bp.post("/upload")
@require("upload")
def receive() -> tuple[str, int]:
    identity = current()
    assert identity is not None
    files = [f for f in request.files.getlist("files") if f.filename]
    chosen = request.form.get("template", "")
    compiled = None
    if chosen:
        # Checked before any file is taken in: a template that cannot apply stops the upload.
        spec = templates.get_template(read_session(), chosen)
        if spec is None:
            flash(f"There is no template called “{chosen}”.", "error")
            return _page(None), 400
        try:
            compiled = templates.compile_spec(spec)
        except InvalidValueError as exc:
            flash(f"Template “{chosen}”: {exc}", "error")
            return _page(None, chosen), 400
    if not files:
        flash("Choose at least one photo to upload.", "error")
        return _page(None, chosen), 400
    most = current_app.config["MAX_UPLOAD_FILES"]
    if len(files) > most:
        # Refused whole, before anything is saved: which ones to leave out is the sender's call.
        flash(
            f"That upload has {len(files)} files: at most {most} per upload. "
            "Send them in smaller groups.",
            "error",
        )
        return _page(None, chosen), 400
    web = state()
    folder = (
        web.root / UPLOAD_DIR / f"{date.today().isoformat()}-{identity.name}-{secrets.token_hex(4)}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    results: list[UploadResult] = []
    accepted: dict[str, UploadResult] = {}
    try:
        for storage in files:
            shown = (storage.filename or "")[:200]
            try:
                target = _accept(storage, folder, limit)
            except UploadRefusedError as exc:
                results.append(UploadResult(shown, "refused", reason=str(exc)))
                continue
            result = UploadResult(target.name, "failed", reason="not processed")
            results.append(result)
            accepted[os.path.abspath(target)] = result
        if accepted:
            # Ingest writes in its own transactions; ours must not hold the lock.
            release()
            who = current()
            labels = {
                path: f"upload:{who.name if who else 'web'}:{result.name}"
                for path, result in accepted.items()
            }
            options = IngestOptions(workers=1, path_labels=labels)
            report = IngestSession(web.database, options).run(list(accepted))
            for outcome in report.outcomes:
                found = accepted.get(outcome.path)
                if found is None:
                    continue
                result = found
                result.status = outcome.status if outcome.status != "skipped" else "failed"
                result.asset_id = outcome.asset_id
                result.reason = outcome.error if outcome.status == "failed" else None
                result.warning = "; ".join(outcome.warnings) or None
    finally:
        # The originals are copied into the store; the upload copies are not needed.
        shutil.rmtree(folder, ignore_errors=True)
    if compiled is not None:
        _apply_template(chosen, compiled, results)
    good = any(r.status in ("ingested", "already_present") for r in results)
    return _page(results, chosen), 200 if good else 400
