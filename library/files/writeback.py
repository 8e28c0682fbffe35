"""Write-back: the catalog's values written into the stored originals themselves.

Writing changes the stored original and so its SHA-256, its content address:
the file moves to its new address, the content digest (pixels) stays, the
image data is checked byte-identical, and the write is recorded in the
photo's history. Photos edited since their last write-back are found from
the history, so `--all-changed` needs no flag column.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from assets import digests
from assets.formats import suffix_for
from library.catalog.store import Store, open_store
from library.db.models import Asset, Change, utcnow
from library.errors import AssetNotFoundError, InvalidValueError, StoreError
from library.files.exiftool import ExifTool, ExiftoolError, shared

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.engine import Database
from library.files.export import (
    BLOCKS,
    EXPORTED_FIELDS,
    ExportError,
    Failure,
    _check_image_data,
    _one_line,
    _tool_warnings,
    writes_in_place,
)
from library.files.tags import ALL_BLOCKS, ExportWarning, MetadataPlan, plan_metadata, sidecar_tags


@dataclass
class WritebackReport:
    """Which stored originals were rewritten (and their new SHA-256), left alone, or failed."""

    written: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    warnings: list[ExportWarning] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "unchanged": self.unchanged,
            "failed": [{"id": f.asset_id, "error": f.error} for f in self.failed],
            "warnings": [str(w) for w in self.warnings],
        }


def changed_since_writeback(session: Session) -> list[int]:
    """Photos with an edit to an exported field newer than their last write-back."""
    last = (
        select(Change.asset_id, func.max(Change.id).label("last_id"))
        .where(Change.field == "file", Change.source == "writeback")
        .group_by(Change.asset_id)
        .subquery()
    )
    query = (
        select(Change.asset_id)
        .outerjoin(last, last.c.asset_id == Change.asset_id)
        .where(
            Change.field.in_(EXPORTED_FIELDS),
            Change.id > func.coalesce(last.c.last_id, 0),
        )
        .distinct()
        .order_by(Change.asset_id)
    )
    return list(session.scalars(query))


def _pending(session: Session, asset_id: int) -> tuple[bool, bool]:
    """(written back before, exported fields edited since) for one photo."""
    last = session.scalar(
        select(func.max(Change.id)).where(
            Change.asset_id == asset_id, Change.field == "file", Change.source == "writeback"
        )
    )
    newer = session.scalar(
        select(func.count(Change.id)).where(
            Change.asset_id == asset_id,
            Change.field.in_(EXPORTED_FIELDS),
            Change.id > (last or 0),
        )
    )
    return last is not None, bool(newer)


def writeback(
    database: Database,
    ids: Sequence[int] | None = None,
    *,
    all_changed: bool = False,
    user: str,
    tool: ExifTool | None = None,
    on_each: Callable[[Session, int], None] | None = None,
) -> WritebackReport:
    """Write the catalog's values into the stored originals themselves.

    The new bytes get a new SHA-256 and so a new place in the store; the row
    follows them and the old file is removed only after the row is committed.
    The image data must stay identical, else the photo is refused. Each write
    is recorded as a change of field "file" (old and new SHA-256). A photo
    written back before and not edited since is left alone, so running this
    twice does nothing the second time. ``on_each`` is called inside each
    photo's transaction (a job counts it there).
    """
    if bool(ids) == all_changed:
        raise InvalidValueError("give photo ids or all_changed, not both or neither")
    tool = tool or shared()
    tool.start()
    store = open_store(database)
    with database.session_scope(write=False) as session:
        if all_changed:
            targets = changed_since_writeback(session)
        else:
            targets = list(dict.fromkeys(ids or []))
            for asset_id in targets:
                if session.get(Asset, asset_id) is None:
                    raise AssetNotFoundError(f"no photo with id {asset_id}")
    report = WritebackReport()
    for asset_id in targets:
        try:
            _writeback_one(database, store, tool, asset_id, user, report, on_each)
        except (ExportError, ExiftoolError, StoreError) as exc:
            report.failed.append(Failure(asset_id, _one_line(f"photo {asset_id}: {exc}")))
    return report


def _writeback_one(
    database: Database,
    store: Store,
    tool: ExifTool,
    asset_id: int,
    user: str,
    report: WritebackReport,
    on_each: Callable[[Session, int], None] | None = None,
) -> None:
    step = _Step()
    try:
        with database.session_scope() as session:
            asset = _locked(session, asset_id)
            written_before, edited_since = _pending(session, asset_id)
            if written_before and not edited_since:
                if on_each is not None:
                    on_each(session, asset_id)
                report.unchanged.append(asset_id)
                return
            source = store.root / asset.store_path
            if not source.is_file():
                raise ExportError(f"the stored original is missing ({source})")
            plan = plan_metadata(asset, BLOCKS.get(asset.format, ALL_BLOCKS))
            if writes_in_place(tool, suffix_for(asset.format, source.suffix)):
                _rewrite(session, store, tool, asset, plan, user, step)
                if step.how == "unchanged":
                    # Same bytes: still recorded, so --all-changed stops picking it.
                    _record(session, asset, asset.sha256, user, "the file already held them")
            else:
                step.created += _write_sidecar(tool, store, asset, plan)
                _record(session, asset, asset.sha256, user, "XMP sidecar written next to it")
                step.how = "sidecar"
            step.warnings += plan.warnings
            session.flush()
            if on_each is not None:
                on_each(session, asset_id)
            old_sha, current = step.old_sha or asset.sha256, _written(asset, step.how)
    except BaseException:
        # Nothing was committed: the old file is still the photo's; new files go.
        for path in step.created:
            path.unlink(missing_ok=True)
        raise
    finally:
        if step.temporary is not None:
            step.temporary.unlink(missing_ok=True)
    report.warnings += step.warnings
    if step.how == "unchanged":
        report.unchanged.append(asset_id)
        return
    report.written.append({**current, "old_sha256": old_sha})
    if step.old_relative is not None:
        store.remove(step.old_relative)


@dataclass
class _Step:
    """What one write-back has done so far, for committing or undoing it."""

    how: str = "unchanged"
    created: list[Path] = field(default_factory=list)
    temporary: Path | None = None
    old_sha: str | None = None
    old_relative: str | None = None
    warnings: list[ExportWarning] = field(default_factory=list)


def _rewrite(
    session: Session,
    store: Store,
    tool: ExifTool,
    asset: Asset,
    plan: MetadataPlan,
    user: str,
    step: _Step,
) -> None:
    """Write a changed copy, check it, move it to its content address, repoint the row."""
    source = store.root / asset.store_path
    suffix = suffix_for(asset.format, source.suffix)
    step.temporary = source.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex}{suffix}")
    shutil.copyfile(source, step.temporary)
    result = tool.write(step.temporary, plan.tags, plan.options)
    step.warnings += _tool_warnings(asset.id, result.warnings)
    before, after = source.read_bytes(), step.temporary.read_bytes()
    new_sha = digests.sha256_hex(after)
    if new_sha == asset.sha256:
        return
    _check_image_data(before, after)
    owner = session.scalar(select(Asset.id).where(Asset.sha256 == new_sha))
    if owner is not None:
        raise ExportError(f"the written file would be identical to photo {owner}'s")
    new_relative = store.original_path(new_sha, source.suffix)
    target = store.absolute(new_relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        step.created.append(target)
    os.replace(step.temporary, target)
    step.how, step.old_sha, step.old_relative = "in place", asset.sha256, asset.store_path
    asset.sha256, asset.store_path, asset.file_size = new_sha, new_relative, len(after)
    asset.updated_at = utcnow()
    _record(session, asset, step.old_sha, user, f"{step.old_relative} → {new_relative}")


def _locked(session: Session, asset_id: int) -> Asset:
    query = select(Asset).where(Asset.id == asset_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    asset = session.scalars(query).one_or_none()
    if asset is None:
        raise AssetNotFoundError(f"no photo with id {asset_id}")
    return asset


def _write_sidecar(tool: ExifTool, store: Store, asset: Asset, plan: MetadataPlan) -> list[Path]:
    """``<stored name>.xmp`` beside the stored original, replaced atomically."""
    target = store.absolute(asset.store_path + ".xmp")
    temporary = target.with_name(f".tmp-{os.getpid()}-{uuid.uuid4().hex}.xmp")
    try:
        tool.create_xmp(temporary, sidecar_tags(plan))
        created = [] if target.exists() else [target]
        os.replace(temporary, target)
        return created
    finally:
        temporary.unlink(missing_ok=True)


def _record(session: Session, asset: Asset, old_sha: str, user: str, detail: str) -> None:
    """The write-back as a history row of field "file", beside the field edits."""
    session.add(
        Change(
            asset_id=asset.id,
            version=asset.version,
            field="file",
            old_value=old_sha,
            new_value=asset.sha256,
            old_source=None,
            source="writeback",
            user=user,
            changed_at=utcnow(),
            note=f"catalog values written into the stored original: {detail}",
        )
    )


def _written(asset: Asset, how: str) -> dict[str, Any]:
    return {
        "id": asset.id,
        "new_sha256": asset.sha256,
        "store_path": asset.store_path,
        "how": how,
    }
