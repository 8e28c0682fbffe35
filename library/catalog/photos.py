"""Reading and writing assets in the catalog: lookups, new assets, known paths, failures."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from assets.analysis import Analysis
from library.catalog.edits import cut_keywords
from library.db.engine import chunked
from library.db.models import (
    Asset,
    AssetFingerprint,
    AssetHash,
    AssetKeyword,
    AssetPath,
    AssetRegion,
    IngestFailure,
    IngestWarning,
    Rendition,
    utcnow,
)
from library.errors import AssetNotFoundError


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as text the database accepts: bytes that are not UTF-8 are escaped.

    File names may contain any byte but newlines and NUL are rare and
    non-UTF-8 bytes cannot be stored as text, so they are shown as \\xNN.
    """
    raw = os.fsencode(os.fspath(path))
    return raw.decode("utf-8", errors="backslashreplace")


def existing_shas(session: Session, shas: Iterable[str]) -> dict[str, int]:
    """sha256 → asset id for those already cataloged."""
    found: dict[str, int] = {}
    for chunk in chunked(set(shas)):
        rows = session.execute(select(Asset.sha256, Asset.id).where(Asset.sha256.in_(chunk)))
        found.update({sha: asset_id for sha, asset_id in rows})
    return found


def record_path(session: Session, asset_id: int, path: str) -> bool:
    """Remember another place a copy lives; returns True when the path was new.

    An insert that skips an existing row, not a look-up then an insert: two
    ingests of the same folder at once would both see "new" and the slower one
    would fail on the unique key.
    """
    text = display_path(path)
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert_into = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert_into(AssetPath)
        .values(asset_id=asset_id, path=text, first_seen=now, last_seen=now)
        .on_conflict_do_nothing(index_elements=["asset_id", "path"])
    )
    if getattr(session.execute(statement), "rowcount", 0) == 0:
        session.execute(
            update(AssetPath)
            .where(AssetPath.asset_id == asset_id, AssetPath.path == text)
            .values(last_seen=now)
        )
        return False
    clear_failure(session, path)
    return True


def record_failure(session: Session, path: str, reason: str, size: int | None) -> None:
    text = display_path(path)
    row = session.scalar(select(IngestFailure).where(IngestFailure.path == text))
    if row is None:
        session.add(IngestFailure(path=text, reason=reason, file_size=size))
    else:
        row.reason, row.file_size, row.failed_at = reason, size, utcnow()


def clear_failure(session: Session, path: str) -> None:
    clear_failures(session, [path])


def clear_failures(session: Session, paths: list[str]) -> None:
    """Forget earlier failures of files that have now been ingested (one statement a chunk)."""
    for chunk in chunked(display_path(p) for p in paths):
        session.execute(delete(IngestFailure).where(IngestFailure.path.in_(chunk)))


#: Reconciled metadata field → asset column; lists of creators are joined.
_FIELD_COLUMNS = {
    "caption": "caption",
    "headline": "headline",
    "title": "title",
    "credit": "credit",
    "source": "source",
    "copyright": "copyright",
    "creator": "creator",
    "keywords": "keywords",
    "instructions": "instructions",
    "usage_terms": "usage_terms",
    "alt_text": "alt_text",
}


def new_asset(
    analysis: Analysis,
    store_path: str,
    rendition_paths: dict[str, str],
    label: str | None = None,
) -> Asset:
    """Build the rows for a freshly analysed file (the caller adds and commits).

    ``label`` is the known path to record when the file was read from
    somewhere that will not last (an upload's temporary folder).
    """
    shown = display_path(label or analysis.path)
    assert analysis.info is not None and analysis.metadata is not None
    meta = analysis.metadata
    exif = meta.exif
    asset = Asset(
        sha256=analysis.sha256,
        content_digest=analysis.content_digest,
        format=analysis.info.format,
        width=analysis.upright_width,
        height=analysis.upright_height,
        file_size=analysis.size,
        store_path=store_path,
        original_name=Path(display_path(analysis.path)).name[:255],
        taken_at=_taken_at(exif.datetime_original, exif.offset_time_original),
        camera_make=exif.make,
        camera_model=exif.model,
        orientation=exif.orientation,
        gps_latitude=exif.gps_latitude,
        gps_longitude=exif.gps_longitude,
        keywords=[],
        embedded=meta.raw(),
        field_sources={},
        version=1,
    )
    sources: dict[str, Any] = {}
    messages = list(analysis.warnings)
    for name, column in _FIELD_COLUMNS.items():
        value = meta.values.get(name)
        if value in (None, "", []):
            continue
        if name == "creator" and isinstance(value, list):
            value = "; ".join(value)
        if name == "keywords":
            cut = cut_keywords(value if isinstance(value, list) else [value])
            value = cut.keywords
            message = cut.message()
            if message:
                messages.append(message)
        setattr(asset, column, value)
        sources[column] = f"embedded:{meta.sources.get(name, 'unknown')}"
    # An archive photo says so in its genre (what export writes) or in its caption.
    genre = str(meta.values.get("genre") or "")
    if "archive" in genre.casefold():
        asset.archive = True
        sources["archive"] = f"embedded:{meta.sources.get('genre', 'unknown')}"
    elif asset.caption:
        from library.text.captions import parse_caption

        if parse_caption(asset.caption).archive:
            asset.archive = True
            sources["archive"] = "embedded:caption"
    date = meta.values.get("date_created")
    if isinstance(date, str) and date[:4].isdigit():
        asset.original_date = date[:10]
        sources["original_date"] = f"embedded:{meta.sources.get('date_created', 'unknown')}"
    asset.field_sources = sources
    asset.status = "new" if asset.credit else "needs_credit"
    asset.paths = [AssetPath(path=shown)]
    asset.renditions = [
        Rendition(
            kind=r.kind,
            store_path=rendition_paths[r.kind],
            width=r.width,
            height=r.height,
            file_size=len(r.data),
        )
        for r in analysis.renditions
    ]
    asset.tags = [AssetKeyword(keyword=k) for k in asset.keywords or []]
    # Problems that cost some metadata or a few rows: kept with the photo, shown by
    # `show`, the photo page and `failures --warnings`.
    asset.warnings = [IngestWarning(path=shown, message=_storable(message)) for message in messages]
    asset.regions = region_rows(analysis)
    if analysis.fingerprint:
        asset.fingerprint = AssetFingerprint(
            version=analysis.fingerprint_version,
            data=analysis.fingerprint,
            features=analysis.features,
        )
    return asset


def _storable(text: str) -> str:
    """One line without NULs (PostgreSQL refuses them in text)."""
    return " ".join(text.replace("\x00", "").split())[:500]


def warnings_of(session: Session, asset_id: int) -> list[str]:
    """The ingest warnings of one photo, oldest first."""
    return list(
        session.scalars(
            select(IngestWarning.message)
            .where(IngestWarning.asset_id == asset_id)
            .order_by(IngestWarning.id)
        )
    )


def list_warnings(session: Session) -> list[IngestWarning]:
    """Every photo ingested with warnings: one row per warning, by photo then in order."""
    return list(
        session.scalars(select(IngestWarning).order_by(IngestWarning.asset_id, IngestWarning.id))
    )


def _taken_at(value: str | None, offset: str | None) -> str | None:
    if not value:
        return None
    from assets.metadata import exif_date

    iso = exif_date(value, offset)
    return iso if iso[:4].isdigit() and not iso.startswith("0000") else None


def region_rows(analysis: Analysis) -> list[AssetRegion]:
    """The pictures found inside a composite, as stored (none for a plain photo)."""
    return [
        AssetRegion(
            left=r.box[0],
            top=r.box[1],
            right=r.box[2],
            bottom=r.box[3],
            signals=r.signals,
            fingerprint=r.fingerprint,
            version=analysis.fingerprint_version,
        )
        for r in analysis.regions
    ]


def add_hashes(session: Session, rows: list[tuple[int, Analysis]]) -> None:
    """All perceptual hashes of a batch of new assets in one executemany.

    About twenty rows per photo: through the ORM's unit of work they would cost
    more than the rest of the catalog write.
    """
    values = [
        {
            "asset_id": asset_id,
            "algorithm": name,
            "value": value,
            "library_version": analysis.hash_version,
        }
        for asset_id, analysis in rows
        for name, value in sorted(analysis.hashes.items())
    ]
    if values:
        session.execute(insert(AssetHash), values)


def get_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(
        Asset,
        asset_id,
        options=[
            selectinload(Asset.paths),
            selectinload(Asset.hashes),
            selectinload(Asset.renditions),
        ],
    )
    if asset is None:
        raise AssetNotFoundError(f"no photo with id {asset_id}")
    return asset


def find_asset(session: Session, ref: str) -> Asset:
    """An asset by numeric id, by a known path, or by the SHA-256 of the file at a path."""
    if ref.isdigit():
        return get_asset(session, int(ref))
    candidates = {display_path(ref), display_path(os.path.abspath(ref))}
    asset_id = session.scalar(
        select(AssetPath.asset_id).where(AssetPath.path.in_(candidates)).limit(1)
    )
    if asset_id is not None:
        return get_asset(session, asset_id)
    if os.path.isfile(ref):
        from assets.analysis import digest_file

        digest = digest_file(ref)
        if digest.sha256:
            asset_id = session.scalar(select(Asset.id).where(Asset.sha256 == digest.sha256))
            if asset_id is not None:
                return get_asset(session, asset_id)
        raise AssetNotFoundError(f"{ref}: this file is not in the library")
    raise AssetNotFoundError(f"{ref}: no photo with this id or path")
