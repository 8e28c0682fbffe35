"""Jobs in the gallery: following one (page and ``/api/jobs/ID``), the admin's list,
cancelling, and starting a write-back or a near-duplicate rescan.

Each view parses its input, calls one function of library.jobs and renders or
redirects; the work runs on the workers, or on this server's job thread.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from library.db.models import Job
from library.errors import BrokerError, InvalidValueError
from library.jobs import plans, records, running
from webui.auth import current, require
from webui.bulk import MAX_SELECTION
from webui.db import commit, get_session, state
from webui.inputs import int_arg

bp = Blueprint("jobs", __name__)

STATES = ("queued", "running", "done", "failed", "cancelled")
#: What each kind is called on the pages.
KIND_NAMES = {
    "ingest": "Ingest",
    "upload": "Upload",
    "writeback": "Write-back",
    "rescan": "Near-duplicate rescan",
    "import-articles": "Article import",
    "reindex": "Search reindex",
    "report": "Report export",
}


def _json(job: Job) -> dict[str, Any]:
    data = records.to_json(job)
    data["page"] = url_for("jobs.page", job_id=job.id)
    return data


#: Jobs per page of the admin's list.
PAGE = 100


def may_follow(job: Job) -> bool:
    """A job is its starter's to follow and cancel; everyone's is the job managers'.
    An upload's page lists the files a colleague sent and where they sit on the server."""
    identity = current()
    return identity is not None and (identity.can("manage_jobs") or identity.name == job.started_by)


def followed(job_id: int) -> Job:
    """The job, when the signed-in user may follow it (403 otherwise)."""
    job = records.get(get_session(), job_id)
    if not may_follow(job):
        abort(403)
    return job


def _start(job_id: int) -> Response:
    """The job is committed: send it on its way and show its page."""
    commit()
    web = state()
    try:
        running.dispatch_in_background(web.database, job_id, web.broker, workers=web.job_workers)
    except BrokerError as exc:  # the job is recorded as failed, with this reason
        flash(f"The job could not be queued: {exc}", "error")
    return redirect(url_for("jobs.page", job_id=job_id), code=303)


@bp.get("/api/jobs/<int:job_id>")
@require("run_jobs")
def api_job(job_id: int) -> Any:
    """State, counts (total, done, failed), failures with reasons and times: what a
    progress bar needs."""
    return jsonify(_json(followed(job_id)))


@bp.get("/api/jobs")
@require("manage_jobs")
def api_jobs() -> Any:
    """``?state=&limit=``: the latest jobs, without their failures."""
    chosen = request.args.get("state") or None
    if chosen is not None and chosen not in STATES:
        return jsonify(error=f"state: one of {', '.join(STATES)}"), 400
    limit = int_arg("limit", request.args.get("limit"), minimum=1, maximum=500) or 50
    jobs = records.recent(get_session(), limit, chosen)
    return jsonify(jobs=[records.to_json(j, failures=False) for j in jobs])


@bp.get("/jobs")
@require("manage_jobs")
def index() -> str:
    chosen = request.args.get("state") or None
    if chosen is not None and chosen not in STATES:
        chosen = None
    before = int_arg("before", request.args.get("before"), minimum=1)
    jobs = records.recent(get_session(), PAGE + 1, chosen, before)
    older = jobs[PAGE - 1].id if len(jobs) > PAGE else None
    return render_template(
        "jobs.html",
        jobs=jobs[:PAGE],
        states=STATES,
        chosen=chosen,
        kinds=KIND_NAMES,
        older=older,
        paged=before is not None,
    )


@bp.get("/jobs/<int:job_id>")
@require("run_jobs")
def page(job_id: int) -> str:
    return render_template("job.html", job=_json(followed(job_id)), kinds=KIND_NAMES)


@bp.post("/jobs/<int:job_id>/cancel")
@require("run_jobs")
def cancel(job_id: int) -> Any:
    session = get_session()
    followed(job_id)
    try:
        records.cancel(session, job_id)
    except InvalidValueError as exc:
        flash(str(exc), "error")
    else:
        commit()
        flash(f"Job {job_id} cancelled; what it had committed stays.", "success")
    back = {
        "list": url_for("jobs.index"),
        "upload": url_for("upload.progress", job_id=job_id),
    }.get(request.form.get("back", ""), url_for("jobs.page", job_id=job_id))
    return redirect(back, code=303)


@bp.post("/jobs/writeback")
@require("bulk_edit")
def writeback() -> Any:
    """Write the catalog's values into the stored originals of the selected photos, or
    (admins) of every photo edited since its last write-back."""
    identity = current()
    assert identity is not None
    all_changed = request.form.get("all_changed") == "1"
    if all_changed and not identity.can("manage_jobs"):
        abort(403)
    ids: list[int] = []
    for value in request.form.getlist("ids"):
        number = int_arg("ids", value, minimum=1)
        if number is not None and number not in ids:
            ids.append(number)
    if len(ids) > MAX_SELECTION:
        abort(400, description=f"select at most {MAX_SELECTION} photos at a time")
    if not all_changed and not ids:
        abort(400, description="Select the photos to write back.")
    job = plans.plan_writeback(
        get_session(), [] if all_changed else ids, all_changed, identity.name
    )
    if not job.total:  # not committed: an empty job would only clutter the list
        flash("No photo was edited since its last write-back: nothing to write.", "success")
        return redirect(url_for("jobs.index"), code=303)
    return _start(job.id)


@bp.post("/jobs/rescan")
@require("decide_duplicates")
def rescan() -> Any:
    """Find near-duplicates again over the whole library."""
    identity = current()
    assert identity is not None
    job = plans.plan_single(get_session(), "rescan", identity.name, {})
    return _start(job.id)
