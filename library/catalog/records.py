"""One JSON shape per record: photos, usages, articles. The CLI, the API and reports all use it.

A usage's JSON was built three ways before (CLI, API, importer) and drifted; a
field added here shows up in every front end at once.
"""

from __future__ import annotations

from typing import Any

from library.db.models import EDITABLE_FIELDS, Article, Asset, Usage


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


def usage_record(usage: Usage, article: Article | None = None) -> dict[str, Any]:
    """A published image; with its article's id, title, address and date when given."""
    record: dict[str, Any] = {
        "role": usage.role,
        "position": usage.position,
        "reference": usage.reference,
        "alt": usage.alt,
        "caption": usage.caption,
        "credit": usage.credit,
        "archive": usage.archive,
        "archive_prefix": usage.archive_prefix,
        "dates": [d["value"] for d in usage.dates or []],
        "asset_id": usage.asset_id,
    }
    if article is not None:
        record["article"] = article_ref(article)
    return record


def article_ref(article: Article) -> dict[str, Any]:
    """The few facts that name an article where its usages are listed."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "published": article.published.date().isoformat() if article.published else None,
    }


def article_record(article: Article) -> dict[str, Any]:
    """An article with every image it published."""
    return {
        **article_ref(article),
        "byline": article.byline,
        "tags": list(article.tags or []),
        "format": article.format,
        "status": article.status,  # WordPress status; not "publish" means not a publication
        "images": [usage_record(u) for u in article.usages],
    }
