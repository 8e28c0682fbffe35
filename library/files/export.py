"""Writing the catalog's values into files: exports for others, and write-back into the store.

The catalog is where captions are edited; files leave the desk carrying what
the catalog says. Values go into every block a reader might trust, as the
Metadata Working Group recommends (see `FIELD_TAGS`): EXIF for the three
fields it shares, IPTC-IIM for old newsroom systems, XMP for everything.
A field empty in the catalog is removed from every block, so no stale copy
can win the reader's reconciliation.

IPTC-IIM has byte limits per dataset. A longer value is written to XMP (and
EXIF) in full and cut in IIM on a UTF-8 character boundary; each cut field
becomes an `ExportWarning`. The IPTC digest is renewed, so readers that
follow the MWG keep trusting XMP over the (cut) IIM copy.

The archive note: ``archive`` becomes the IPTC Genre "Archive material",
in XMP ``Iptc4xmpCore:IntellectualGenre`` and IIM 2:04 ObjectAttributeReference
``IPTC:003:Archive material``; when the flag is off, only that value is
removed, so another genre set by someone else survives. ``original_date``
becomes IPTC DateCreated (unknown month or day as 00, as IIM allows) and XMP
``photoshop:DateCreated`` at the catalog's precision. EXIF DateTimeOriginal
is left alone: it is the camera's clock (an archive scan's, often), and EXIF
cannot say "July 1968".

Exiftool only ever edits metadata segments, so an export of an original is
the stored bytes with new metadata and identical image data; that is checked
on every write-back, which changes the stored original and so its SHA-256,
its content address. A format exiftool cannot write gets an XMP sidecar
``<name>.xmp`` instead (with exiftool 12.57 every catalog format is writable).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from assets import digests, imaging
from assets.errors import AssetError
from assets.formats import suffix_for
from library.catalog.store import Store
from library.db.models import Asset, Change, utcnow
from library.errors import AssetNotFoundError, InvalidValueError, PhotodeskError, StoreError
from library.files.exiftool import ExifTool, ExiftoolError, shared

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.engine import Database

RENDITIONS = ("original", "web")


class ExportError(PhotodeskError):
    """A photo could not be exported or written back."""


@dataclass(frozen=True)
class FieldTags:
    """Where one catalog field is written; None where a block has no such field."""

    exif: str | None
    iim: str | None
    #: IPTC-IIM's maximum length of one value, in bytes.
    iim_limit: int
    xmp: str


#: Catalog field → tags, following the MWG guidelines (2.0) and the IPTC Photo
#: Metadata Standard. Creator and keywords are lists: one IIM dataset and one XMP
#: list item per entry, and EXIF Artist holds the creators "; "-joined.
FIELD_TAGS: dict[str, FieldTags] = {
    "caption": FieldTags(
        "EXIF:ImageDescription", "IPTC:Caption-Abstract", 2000, "XMP-dc:Description"
    ),
    "creator": FieldTags("EXIF:Artist", "IPTC:By-line", 32, "XMP-dc:Creator"),
    "copyright": FieldTags("EXIF:Copyright", "IPTC:CopyrightNotice", 128, "XMP-dc:Rights"),
    "headline": FieldTags(None, "IPTC:Headline", 256, "XMP-photoshop:Headline"),
    "title": FieldTags(None, "IPTC:ObjectName", 64, "XMP-dc:Title"),
    "credit": FieldTags(None, "IPTC:Credit", 32, "XMP-photoshop:Credit"),
    "source": FieldTags(None, "IPTC:Source", 32, "XMP-photoshop:Source"),
    "keywords": FieldTags(None, "IPTC:Keywords", 64, "XMP-dc:Subject"),
    "instructions": FieldTags(None, "IPTC:SpecialInstructions", 256, "XMP-photoshop:Instructions"),
    "alt_text": FieldTags(None, None, 0, "XMP-iptcCore:AltTextAccessibility"),
    "usage_terms": FieldTags(None, None, 0, "XMP-xmpRights:UsageTerms"),
}

#: The archive flag as the IPTC Genre NewsCode "Archive material" (IIM object attribute 003).
ARCHIVE_GENRE = "Archive material"
ARCHIVE_ATTRIBUTE = "IPTC:003:Archive material"

#: Catalog fields that end up in files; edits to others (status) need no write-back.
EXPORTED_FIELDS: tuple[str, ...] = (*FIELD_TAGS, "original_date", "archive")

#: IIM datasets this module manages, kept out of the legacy-charset copy below.
_IIM_MANAGED = (
    *(t.iim for t in FIELD_TAGS.values() if t.iim),
    "IPTC:DateCreated",
    "IPTC:TimeCreated",
    "IPTC:ObjectAttributeReference",
    "IPTC:CodedCharacterSet",
)

ALL_BLOCKS = frozenset({"EXIF", "IPTC", "XMP"})

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

# exiftool refuses to write a file whose name says another format ("Not a valid PNG
# (looks more like a JPEG)"), so it always works on a temporary copy named with the
# format's usual ending (assets.formats.suffix_for).

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportWarning:
    """Something the recipient should know: a value cut in IIM, an exiftool warning."""

    asset_id: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"photo {self.asset_id}: {self.message}"


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


# --- what to write ----------------------------------------------------------------------


@dataclass
class MetadataPlan:
    """exiftool tag assignments for one file (None deletes), plus options and warnings."""

    tags: list[tuple[str, str | None]] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    warnings: list[ExportWarning] = field(default_factory=list)


def field_values(asset: Asset, name: str) -> list[str]:
    """A field as a list of non-empty texts: creators split on ";", one item otherwise."""
    value = getattr(asset, name)
    if name == "keywords":
        return [str(k).strip() for k in value or [] if str(k).strip()]
    if name == "creator":
        return [c.strip() for c in str(value or "").split(";") if c.strip()]
    text = str(value or "").strip()
    return [text] if text else []


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 fits in ``limit`` bytes, never mid-character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    # Only the last character can be split; "ignore" drops its partial bytes.
    return raw[:limit].decode("utf-8", errors="ignore")


def metadata_tags(asset: Asset, blocks: Iterable[str] = ALL_BLOCKS) -> list[tuple[str, str | None]]:
    """The catalog's current values as exiftool tag assignments (None deletes)."""
    return plan_metadata(asset, blocks).tags


def plan_metadata(
    asset: Asset, blocks: Iterable[str] = ALL_BLOCKS, original: bool = True
) -> MetadataPlan:
    """Every tag to write for ``asset`` into the given blocks, and the IIM cuts it needs.

    ``original`` says the file is the stored original, whose own IIM block
    may need transcoding; renditions carry no IIM of their own.
    """
    wanted = frozenset(blocks)
    iim = "IPTC" in wanted
    plan = MetadataPlan()
    tags = plan.tags
    if iim:
        tags.append(("IPTC:CodedCharacterSet", "UTF8"))
        if original and (asset.embedded or {}).get("iptc_charset") == "cp1252":
            # Setting 1:90 to UTF-8 does not transcode values already there; copying
            # the IIM block onto itself does (exiftool FAQ 10). Our own datasets are
            # excluded from the copy, or lists would gain the old entries.
            plan.options += ["-tagsFromFile", "@", "-IPTC:all"]
            plan.options += [f"--{tag}" for tag in _IIM_MANAGED]
    for name, where in FIELD_TAGS.items():
        values = field_values(asset, name)
        if "EXIF" in wanted and where.exif:
            # MWG: several creators in EXIF Artist are separated by "; ".
            tags.append((where.exif, "; ".join(values) if values else None))
        if iim and where.iim:
            cut = [cut_utf8(v, where.iim_limit) for v in values]
            tags += [(where.iim, v) for v in cut] or [(where.iim, None)]
            longer = [v for v, c in zip(values, cut, strict=True) if v != c]
            if longer:
                plan.warnings.append(_cut_warning(asset.id, name, longer, where.iim_limit))
        if "XMP" in wanted:
            tags += [(where.xmp, v) for v in values] or [(where.xmp, None)]
    tags += _date_tags(asset, wanted)
    tags += _archive_tags(asset, wanted)
    if iim:
        tags.append(("IPTCDigest", "new"))
    return plan


def _cut_warning(asset_id: int, name: str, longer: list[str], limit: int) -> ExportWarning:
    label = name.replace("_", " ")
    if len(longer) == 1 and name not in ("keywords", "creator"):
        size = len(longer[0].encode("utf-8"))
        message = (
            f"{label} is {size:,} bytes, over the IPTC-IIM limit of {limit:,}: "
            "cut in IIM, complete in XMP"
        )
    else:
        message = (
            f"{len(longer)} {label} value(s) over the IPTC-IIM limit of {limit} bytes: "
            "cut in IIM, complete in XMP"
        )
    return ExportWarning(asset_id, name, message)


def _date_tags(asset: Asset, wanted: frozenset[str]) -> list[tuple[str, str | None]]:
    date = (asset.original_date or "").strip()
    stamp = _timestamp_for(asset, date)
    tags: list[tuple[str, str | None]] = []
    if "IPTC" in wanted:
        if date:
            year, month, day = (date + "-00-00").split("-")[:3]
            tags.append(("IPTC:DateCreated", f"{year}:{month}:{day}"))
        else:
            tags.append(("IPTC:DateCreated", None))
        tags.append(("IPTC:TimeCreated", stamp[11:] if stamp else None))
    if "XMP" in wanted:
        tags.append(("XMP-photoshop:DateCreated", stamp or date or None))
    return tags


def _timestamp_for(asset: Asset, date: str) -> str | None:
    """The full date and time read from the file at ingest, when it is the same day.

    The catalog keeps dates only; the time of day is kept in the export when the
    embedded XMP date (or, failing that, EXIF's) says the same day.
    """
    if len(date) != 10:
        return None
    xmp = (asset.embedded or {}).get("xmp") or {}
    for candidate in (xmp.get("date_created"), asset.taken_at):
        text = candidate if isinstance(candidate, str) else ""
        if text.startswith(date + "T") and _TIMESTAMP.match(text):
            return text
    return None


def _archive_tags(asset: Asset, wanted: frozenset[str]) -> list[tuple[str, str | None]]:
    # "TAG-" removes only the given value, so a genre set by someone else survives.
    tags: list[tuple[str, str | None]] = []
    if "XMP" in wanted:
        genre = "XMP-iptcCore:IntellectualGenre"
        tags.append((genre if asset.archive else f"{genre}-", ARCHIVE_GENRE))
    if "IPTC" in wanted:
        attribute = "IPTC:ObjectAttributeReference"
        tags.append((f"{attribute}-", ARCHIVE_ATTRIBUTE))
        if asset.archive:  # removed first, then added: never twice in the list
            tags.append((f"{attribute}+", ARCHIVE_ATTRIBUTE))
    return tags


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


# --- export -----------------------------------------------------------------------------


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
    store = Store(database.config.store_root)
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


def sidecar_tags(plan: MetadataPlan) -> list[tuple[str, str | None]]:
    """The XMP part of a plan: a sidecar is XMP only."""
    return [(tag, value) for tag, value in plan.tags if tag.startswith("XMP-")]


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


# --- write-back -------------------------------------------------------------------------


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
) -> WritebackReport:
    """Write the catalog's values into the stored originals themselves.

    The new bytes get a new SHA-256 and so a new place in the store; the row
    follows them and the old file is removed only after the row is committed.
    The image data must stay identical, else the photo is refused. Each write
    is recorded as a change of field "file" (old and new SHA-256). A photo
    written back before and not edited since is left alone, so running this
    twice does nothing the second time.
    """
    if bool(ids) == all_changed:
        raise InvalidValueError("give photo ids or all_changed, not both or neither")
    tool = tool or shared()
    tool.start()
    store = Store(database.config.store_root)
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
            _writeback_one(database, store, tool, asset_id, user, report)
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
) -> None:
    step = _Step()
    try:
        with database.session_scope() as session:
            asset = _locked(session, asset_id)
            written_before, edited_since = _pending(session, asset_id)
            if written_before and not edited_since:
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
