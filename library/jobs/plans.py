"""Turning a request into a queued job: what to do, split into pieces for the workers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from library.db.models import Job
from library.errors import InvalidValueError
from library.ingest.pipeline import discover
from library.jobs import records
from library.jobs.tasks import INGEST_BATCH, WRITEBACK_BATCH


def split(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def plan_ingest(
    session: Session,
    paths: Sequence[str | os.PathLike[str]],
    started_by: str,
    *,
    kind: str = "ingest",
    link: bool = False,
    time_limit: float = 60.0,
    labels: dict[str, str] | None = None,
    folder: str | None = None,
    batch_size: int = INGEST_BATCH,
) -> Job:
    """Walk the paths now (as `photodesk ingest` does) and queue the photos in pieces.

    Files that are not photos are counted in the job's result as skipped; they
    are no work for a worker. ``folder`` is deleted once the job is over (uploads).
    """
    found = list(dict.fromkeys(discover([os.path.abspath(os.fspath(p)) for p in paths])))
    candidates = [path for path, is_candidate in found if is_candidate]
    params: dict[str, Any] = {
        "paths": [os.path.abspath(os.fspath(p)) for p in paths],
        "link": link,
        "time_limit": time_limit,
    }
    if labels:
        params["labels"] = labels
    if folder:
        params["folder"] = folder
    job = records.create(session, kind, started_by, params, split(candidates, batch_size))
    job.result = {"skipped": len(found) - len(candidates)}
    if not candidates:
        records.finish(session, job)
    return job


def plan_upload(
    session: Session,
    folder: str | os.PathLike[str],
    labels: dict[str, str],
    refused: Sequence[tuple[str, str]],
    started_by: str,
    batch_size: int = INGEST_BATCH,
    template: tuple[str, dict[str, Any]] | None = None,
) -> Job:
    """An upload's accepted files (path → the known path to record, in upload order) as
    a job; the files refused at the door are kept in its result, so its page tells the
    whole upload. The folder goes when the job is over.

    ``template`` (its name and spec, as chosen now: an edit of the saved template
    meanwhile does not change what this upload gets) is applied to each new photo.
    """
    job = plan_ingest(
        session,
        list(labels),
        started_by,
        kind="upload",
        labels=labels,
        folder=os.path.abspath(os.fspath(folder)),
        batch_size=batch_size,
    )
    job.result = {**(job.result or {}), "refused": [{"name": n, "reason": r} for n, r in refused]}
    if template is not None:
        job.params = {**(job.params or {}), "template": {"name": template[0], "spec": template[1]}}
    return job


def plan_writeback(
    session: Session, asset_ids: Sequence[int] | None, all_changed: bool, user: str
) -> Job:
    """Write-back of some photos, or of every photo edited since its last write-back."""
    from library.db.models import Asset
    from library.errors import AssetNotFoundError
    from library.files.writeback import changed_since_writeback

    if bool(asset_ids) == all_changed:
        raise InvalidValueError("give photo ids or --all-changed, not both or neither")
    if all_changed:
        targets = changed_since_writeback(session)
    else:
        targets = list(dict.fromkeys(int(i) for i in asset_ids or []))
        for asset_id in targets:
            if session.get(Asset, asset_id) is None:
                raise AssetNotFoundError(f"no photo with id {asset_id}")
    params = {"user": user, "all_changed": all_changed}
    job = records.create(session, "writeback", user, params, split(targets, WRITEBACK_BATCH))
    if not targets:
        records.finish(session, job)
    return job


def plan_single(session: Session, kind: str, started_by: str, params: dict[str, Any]) -> Job:
    """A job that is one piece of work: a rescan, a reindex, a report."""
    return records.create(session, kind, started_by, params, [[kind]])


def plan_import_articles(
    session: Session,
    paths: Sequence[str | os.PathLike[str]],
    started_by: str,
    *,
    format: str = "auto",
    media: str | None = None,
    include_unpublished: bool = False,
) -> Job:
    """Each path is one piece of its article files (a folder's files are imported
    together, so a text dump's photos can be found by the alt texts of its neighbours),
    and each file counts once: done, or failed with its reason."""
    from library.articles.imports import article_files

    pieces = [[str(f) for f in article_files([os.path.abspath(os.fspath(p))])] for p in paths]
    params: dict[str, Any] = {
        "format": format,
        "media": os.path.abspath(media) if media else None,
        "include_unpublished": include_unpublished,
    }
    job = records.create(session, "import-articles", started_by, params, [p for p in pieces if p])
    if not job.total:
        records.finish(session, job)
    return job
