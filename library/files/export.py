"""Exports: copies of photos that leave the desk carrying what the catalog says.

Exiftool only ever edits metadata segments, so an export of an original is the
stored bytes with new metadata and identical image data (checked on every
write). A format exiftool cannot write gets an XMP sidecar ``<name>.xmp``
instead. Which values go where is decided in `library.files.tags`; write-back
into the stored originals is `library.files.writeback`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assets import digests, imaging
from assets.errors import AssetError
from assets.formats import suffix_for
from library.catalog.store import Store, open_store
from library.db.models import Asset
from library.errors import AssetNotFoundError, InvalidValueError, PhotodeskError, StoreError
from library.files.exiftool import ExifTool, ExiftoolError, shared

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.engine import Database
from library.files.tags import (
    ALL_BLOCKS,
    FIELD_TAGS,
    ExportWarning,
    MetadataPlan,
    plan_metadata,
    sidecar_tags,
)

RENDITIONS = ("original", "web")


class ExportError(PhotodeskError):
    """A photo could not be exported or written back."""


#: Catalog fields that end up in files; edits to others (status) need no write-back.
EXPORTED_FIELDS: tuple[str, ...] = (*FIELD_TAGS, "original_date", "archive")


#: The metadata blocks each catalog format holds (exiftool writes no IPTC into
#: PNG, WebP, HEIC or GIF that readers would look for; GIF holds XMP only).
BLOCKS: dict[str, frozenset[str]] = {
    "jpeg": ALL_BLOCKS,
    "tiff": ALL_BLOCKS,
    "png": frozenset({"EXIF", "XMP"}),
    "webp": frozenset({"EXIF", "XMP"}),
    "heic": frozenset({"EXIF", "XMP"}),
    "gif": frozenset({"XMP"}),
}


@dataclass(frozen=True)
class Failure:
    """A photo that was not exported or written back, with the one-line reason."""

    asset_id: int
    error: str

    def __str__(self) -> str:
        return self.error


@dataclass(frozen=True)
class ExportedFile:
    asset_id: int
    path: Path
    rendition: str
    sidecar: Path | None = None


@dataclass
class ExportReport:
    """What an export wrote, what it could not, and what got cut on the way."""

    exported: list[ExportedFile] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    warnings: list[ExportWarning] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "exported": [
                {
                    "id": f.asset_id,
                    "path": str(f.path),
                    "rendition": f.rendition,
                    "sidecar": str(f.sidecar) if f.sidecar else None,
                }
                for f in self.exported
            ],
            "failed": [{"id": f.asset_id, "error": f.error} for f in self.failed],
            "warnings": [str(w) for w in self.warnings],
        }


def image_digest(data: bytes) -> str:
    """The metadata-blind digest (JPEG/PNG structure, else decoded pixels)."""
    digest = digests.structural_digest(data)
    if digest is not None:
        return digest
    try:
        with imaging.decoding():
            return digests.content_digest(data, imaging.open_image(data))
    except AssetError as exc:
        raise ExportError(f"cannot decode to check the image data: {exc}") from None


def writes_in_place(tool: ExifTool, suffix: str) -> bool:
    """Whether exiftool can write this kind of file itself (else: an XMP sidecar)."""
    return suffix.lower() in tool.writable_extensions()


@dataclass
class _Job:
    """One file to export, taken from the catalog before any file work starts."""

    asset_id: int
    label: str
    source: Path
    name: str
    format: str
    rendition: str
    plan: MetadataPlan


def export_assets(
    database: Database,
    ids: Sequence[int],
    to: Path,
    rendition: str = "original",
    tool: ExifTool | None = None,
) -> ExportReport:
    """Write a copy of each photo into ``to`` with the catalog's values embedded.

    Names are the original file names (``<stem>-web.jpg`` for the web
    rendition); a name already taken, in the folder or in this run, gets a
    `` (2)`` suffix, so nothing is overwritten. A photo whose stored file is
    missing is reported in ``failed``; the others are still exported. Unknown
    ids raise AssetNotFoundError before anything is written.
    """
    if rendition not in RENDITIONS:
        raise InvalidValueError(f"rendition: expected one of {', '.join(RENDITIONS)}")
    tool = tool or shared()
    tool.start()  # a missing exiftool is one error, not one per photo
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{to}: cannot create folder ({exc.strerror})") from None
    store = open_store(database)
    report = ExportReport()
    with database.session_scope(write=False) as session:
        jobs = [_export_job(session, store, asset_id, rendition) for asset_id in ids]
    for job in jobs:
        try:
            report.exported.append(_export_one(tool, job, to))
        except (ExportError, ExiftoolError, StoreError) as exc:
            report.failed.append(Failure(job.asset_id, _one_line(f"{job.label}: {exc}")))
            continue
        report.warnings += job.plan.warnings
    return report


def export_file(
    database: Database,
    asset_id: int,
    rendition: str = "original",
    tool: ExifTool | None = None,
) -> Path:
    """Export one photo into a new temporary folder, for a download.

    The caller sends ``path`` (whose name is the download name) and then
    removes ``path.parent``. Raises AssetNotFoundError or ExportError.
    """
    folder = Path(tempfile.mkdtemp(prefix="photodesk-download-"))
    try:
        report = export_assets(database, [asset_id], folder, rendition, tool)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if report.failed:
        shutil.rmtree(folder, ignore_errors=True)
        raise ExportError(report.failed[0].error)
    return report.exported[0].path


def _export_job(session: Session, store: Store, asset_id: int, rendition: str) -> _Job:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise AssetNotFoundError(f"no photo with id {asset_id}")
    name = _safe_name(asset)
    if rendition == "web":
        row = next((r for r in asset.renditions if r.kind == "web"), None)
        relative = row.store_path if row else store.rendition_path(asset.sha256, "web")
        name, fmt = f"{Path(name).stem}-web.jpg", "jpeg"
    else:
        relative, fmt = asset.store_path, asset.format
    return _Job(
        asset_id=asset.id,
        label=f"photo {asset.id} ({asset.original_name})",
        source=store.root / relative,
        name=name,
        format=fmt,
        rendition=rendition,
        plan=plan_metadata(asset, BLOCKS.get(fmt, ALL_BLOCKS), original=rendition == "original"),
    )


def _safe_name(asset: Asset) -> str:
    """The original file name, usable as one name in a folder."""
    name = Path(asset.original_name.replace("\\", "_")).name.strip()
    suffix = Path(asset.store_path).suffix
    if not name or name.startswith("."):
        name = f"photo-{asset.id}{suffix}"
    if not Path(name).suffix:
        name += suffix
    return name


def _export_one(tool: ExifTool, job: _Job, folder: Path) -> ExportedFile:
    what = "web rendition" if job.rendition == "web" else "original"
    if not job.source.is_file():
        raise ExportError(f"the stored {what} is missing ({job.source})")
    suffix = suffix_for(job.format, Path(job.name).suffix)
    # exiftool works on a temporary name of ours: file names from elsewhere may
    # hold anything (an argument file holds one argument per line) or lie about
    # the format.
    temporary = folder / f".photodesk-{uuid.uuid4().hex}{suffix}"
    sidecar_tmp = folder / f".photodesk-{uuid.uuid4().hex}.xmp"
    try:
        try:
            shutil.copyfile(job.source, temporary)
        except OSError as exc:
            raise ExportError(f"cannot copy the stored {what} ({exc.strerror})") from None
        if writes_in_place(tool, suffix):
            result = tool.write(temporary, job.plan.tags, job.plan.options)
            job.plan.warnings += _tool_warnings(job.asset_id, result.warnings)
            _check_image_data(job.source.read_bytes(), temporary.read_bytes(), cheap_only=True)
            return ExportedFile(job.asset_id, _place(temporary, folder, job.name), job.rendition)
        xmp_tags = sidecar_tags(job.plan)
        has_values = any(value is not None for _tag, value in xmp_tags)
        if has_values:
            tool.create_xmp(sidecar_tmp, xmp_tags)
        path = _place(temporary, folder, job.name, sidecar_tmp if has_values else None)
        sidecar = path.with_name(path.name + ".xmp") if has_values else None
        return ExportedFile(job.asset_id, path, job.rendition, sidecar)
    finally:
        temporary.unlink(missing_ok=True)
        sidecar_tmp.unlink(missing_ok=True)


def _place(temporary: Path, folder: Path, name: str, sidecar: Path | None = None) -> Path:
    """Move the finished file to the first free name: ``name``, ``stem (2).ext``, ..."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 10_000):
        candidate = folder / (name if number == 1 else f"{stem} ({number}){suffix}")
        side = candidate.with_name(candidate.name + ".xmp")
        if sidecar is not None and (side.exists() or side.is_symlink()):
            continue
        try:
            # Claim the name exclusively, then replace the empty claim atomically.
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(f"{candidate}: cannot write ({exc.strerror})") from None
        os.replace(temporary, candidate)
        if sidecar is not None:
            os.replace(sidecar, side)
        return candidate
    raise ExportError(f"{folder}: no free name for {name}")


def _check_image_data(before: bytes, after: bytes, cheap_only: bool = False) -> None:
    """Refuse a result whose image data differs from the source's.

    ``cheap_only`` skips formats whose digest needs a full decode: exports are
    never stored, and exiftool rewrites only metadata; write-back checks all.
    """
    if cheap_only and digests.structural_digest(before) is None:
        return
    if image_digest(before) != image_digest(after):
        raise ExportError("writing metadata would change the image data; refused")


def _tool_warnings(asset_id: int, lines: list[str]) -> list[ExportWarning]:
    return [ExportWarning(asset_id, "exiftool", f"exiftool: {line}") for line in lines]


def _one_line(text: str) -> str:
    return " ".join(text.split())
