"""Read-only questions about the catalog: counts, listings with filters, one photo's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from library.db.models import EDITABLE_FIELDS, Asset, AssetKeyword, AssetPath, IngestFailure


@dataclass
class AssetFilter:
    """Filters shared by `photodesk ls`, the gallery and the API."""

    missing_credit: bool = False
    format: str | None = None
    camera: str | None = None
    status: str | None = None
    archive: bool | None = None
    tag: str | None = None
    taken_from: date | None = None
    taken_to: date | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.missing_credit:
            query = query.where(or_(Asset.credit.is_(None), func.trim(Asset.credit) == ""))
        if self.format:
            fmt = self.format.lower().lstrip(".")
            fmt = {"jpg": "jpeg", "tif": "tiff", "heif": "heic"}.get(fmt, fmt)
            query = query.where(Asset.format == fmt)
        if self.camera:
            pattern = f"%{self.camera.lower()}%"
            query = query.where(
                or_(
                    func.lower(Asset.camera_model).like(pattern),
                    func.lower(Asset.camera_make).like(pattern),
                )
            )
        if self.status:
            query = query.where(Asset.status == self.status)
        if self.archive is not None:
            query = query.where(Asset.archive.is_(self.archive))
        if self.tag:
            query = query.where(
                Asset.id.in_(select(AssetKeyword.asset_id).where(AssetKeyword.keyword == self.tag))
            )
        if self.taken_from:
            query = query.where(Asset.taken_at >= self.taken_from.isoformat())
        if self.taken_to:
            query = query.where(Asset.taken_at < _day_after(self.taken_to))
        return query


def _day_after(day: date) -> str:
    from datetime import timedelta

    return (day + timedelta(days=1)).isoformat()


def list_assets(
    session: Session,
    filters: AssetFilter | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[Asset]:
    """Newest first, paginated by key: pass the last id seen as ``after_id``."""
    query = select(Asset).order_by(Asset.id.desc()).limit(limit)
    if after_id is not None:
        query = query.where(Asset.id < after_id)
    if filters:
        query = filters.apply(query)
    return list(session.scalars(query))


def library_info(session: Session) -> dict[str, Any]:
    """Counts for `photodesk info`."""
    assets = session.scalar(select(func.count(Asset.id))) or 0
    by_format = dict(
        session.execute(select(Asset.format, func.count(Asset.id)).group_by(Asset.format)).all()
    )
    return {
        "assets": assets,
        "paths": session.scalar(select(func.count(AssetPath.id))) or 0,
        "failures": session.scalar(select(func.count(IngestFailure.id))) or 0,
        "missing_credit": session.scalar(
            select(func.count(Asset.id)).where(
                or_(Asset.credit.is_(None), func.trim(Asset.credit) == "")
            )
        )
        or 0,
        "formats": by_format,
        "original_bytes": session.scalar(select(func.coalesce(func.sum(Asset.file_size), 0))) or 0,
    }


def list_failures(session: Session) -> list[IngestFailure]:
    return list(session.scalars(select(IngestFailure).order_by(IngestFailure.path)))


def asset_summary(asset: Asset) -> dict[str, Any]:
    """The short form used by listings."""
    return {
        "id": asset.id,
        "name": asset.original_name,
        "format": asset.format,
        "width": asset.width,
        "height": asset.height,
        "caption": asset.caption,
        "credit": asset.credit,
        "status": asset.status,
        "archive": asset.archive,
        "taken_at": asset.taken_at,
        "camera": " ".join(p for p in (asset.camera_make, asset.camera_model) if p) or None,
    }


def asset_record(asset: Asset) -> dict[str, Any]:
    """Every field with its source, the facts and the known paths (for `show` and the API)."""
    fields = {name: getattr(asset, name) for name in EDITABLE_FIELDS}
    return {
        "id": asset.id,
        "version": asset.version,
        "sha256": asset.sha256,
        "content_digest": asset.content_digest,
        "format": asset.format,
        "width": asset.width,
        "height": asset.height,
        "file_size": asset.file_size,
        "original_name": asset.original_name,
        "ingested_at": asset.ingested_at.isoformat() if asset.ingested_at else None,
        "taken_at": asset.taken_at,
        "camera_make": asset.camera_make,
        "camera_model": asset.camera_model,
        "orientation": asset.orientation,
        "gps": (
            {"latitude": asset.gps_latitude, "longitude": asset.gps_longitude}
            if asset.gps_latitude is not None
            else None
        ),
        "fields": fields,
        "sources": {
            name: asset.field_sources.get(name)
            for name in EDITABLE_FIELDS
            if fields[name] not in (None, "", [])
        },
        "embedded": asset.embedded,
        "paths": [p.path for p in asset.paths],
        "hashes": {
            h.algorithm: f"{h.value & 0xFFFFFFFFFFFFFFFF:016x}"
            for h in sorted(asset.hashes, key=lambda h: h.algorithm)
        },
        "renditions": {r.kind: r.store_path for r in asset.renditions},
        "store_path": asset.store_path,
    }
