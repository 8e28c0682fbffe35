"""Uploading photos: checked at the door, then ingested like any other file.

Files land in a fresh folder under ``uploads/`` in the library with a
sanitized name. Names with a path in them, types photodesk does not catalog,
content that does not match its extension and oversized files are refused
before anything is ingested; so is a chosen template that cannot apply. The
accepted files become an upload job (which applies the template to each new
photo in the transaction that catalogs it): the
request answers at once with the job's page, whose progress bar follows
``/api/jobs/ID``; the job runs on the workers when a broker is configured,
else on this server's job thread over the local process pool.
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
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from assets import formats
from library.catalog import templates
from library.errors import BrokerError, InvalidValueError
from library.jobs import plans, records, running
from webui.auth import current, require
from webui.db import commit, get_session, read_session, state
from webui.gallery import with_context
from webui.jobs import followed

bp = Blueprint("upload", __name__)

UPLOAD_DIR = "uploads"

_UNSAFE = re.compile(r"[^\w.()\- ]")


class UploadRefusedError(Exception):
    """A file was refused at the door; the message says why, for the person uploading."""


@dataclass
class UploadResult:
    """One file's fate, as the page shows it."""

    name: str
    status: str  # "ingested", "already_present", "failed", "refused", "waiting"
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


def _page(
    results: list[UploadResult] | None, chosen: str = "", job: dict[str, Any] | None = None
) -> str:
    names = list(templates.list_templates(read_session()))
    return render_template(
        "upload.html", results=results, template_names=names, chosen=chosen, job=job
    )


@bp.get("/upload")
@require("upload")
def form() -> str:
    return _page(None, request.args.get("template", ""))


@bp.post("/upload")
@require("upload")
def receive() -> Any:
    """Check and save the files, then answer at once: the ingest is a job (on the
    workers, or on this server's job thread), and its page follows it."""
    identity = current()
    assert identity is not None
    files = [f for f in request.files.getlist("files") if f.filename]
    chosen = request.form.get("template", "")
    template: tuple[str, dict[str, Any]] | None = None
    if chosen:
        # Checked before any file is taken in: a template that cannot apply stops the upload.
        spec = templates.get_template(read_session(), chosen)
        if spec is None:
            flash(f"There is no template called “{chosen}”.", "error")
            return _page(None), 400
        try:
            templates.compile_spec(spec)
            template = (chosen, spec)
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
    refused: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    try:
        for storage in files:
            try:
                target = _accept(storage, folder, limit)
            except UploadRefusedError as exc:
                refused.append(((storage.filename or "")[:200], str(exc)))
                continue
            labels[os.path.abspath(target)] = f"upload:{identity.name}:{target.name}"
        if not labels:
            shutil.rmtree(folder, ignore_errors=True)
            results = [UploadResult(name, "refused", reason=reason) for name, reason in refused]
            return _page(results, chosen), 400
        job = plans.plan_upload(
            get_session(), folder, labels, refused, identity.name, template=template
        )
        job_id = job.id
        commit()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        running.dispatch_in_background(web.database, job_id, web.broker, workers=web.job_workers)
    except BrokerError as exc:
        # The job is recorded as failed and its files are gone: its page says so.
        flash(f"The upload could not be queued, send it again later: {exc}", "error")
    return redirect(with_context(url_for("upload.progress", job_id=job_id)), code=303)


@bp.get("/upload/<int:job_id>")
@require("upload")
def progress(job_id: int) -> Any:
    """An upload's job: a progress bar while it runs (app fed by /api/jobs/ID), then
    every file's fate."""
    job = followed(job_id)
    if job.kind != "upload":
        abort(404)
    template = (job.params or {}).get("template") or {}
    return _page(
        upload_results(job.params or {}, job.result or {}),
        str(template.get("name", "")),
        job=records.to_json(job, failures=False),
    )


def upload_results(params: dict[str, Any], result: dict[str, Any]) -> list[UploadResult]:
    """Refused files first, then the accepted ones in the order they were sent; a file
    the job has not reached yet is "waiting"."""
    rows = [
        UploadResult(r["name"], "refused", reason=r["reason"]) for r in result.get("refused", [])
    ]
    files = result.get("files") or {}
    for label in (params.get("labels") or {}).values():
        name = label.split(":", 2)[-1]
        fate = files.get(label)
        if fate is None:
            rows.append(UploadResult(name, "waiting"))
            continue
        status = fate.get("status") or "failed"
        rows.append(
            UploadResult(
                name,
                status if status in ("ingested", "already_present") else "failed",
                asset_id=fate.get("asset_id"),
                reason=fate.get("reason")
                if status not in ("ingested", "already_present")
                else None,
                warning="; ".join(fate.get("warnings") or []) or None,
                template=fate.get("template"),
            )
        )
    return rows
