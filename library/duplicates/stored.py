"""What the catalog stores of a photo for duplicate matching, read for a batch of photos.

The pairs code and the composites code both verify against these rows; one reader
keeps them reading the same columns the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import AssetFingerprint, AssetHash


def signals_of(session: Session, asset_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each photo's stored signals by name (photos without any are absent)."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for chunk in chunked(sorted(set(asset_ids))):
        rows = session.execute(
            select(AssetHash.asset_id, AssetHash.algorithm, AssetHash.value).where(
                AssetHash.asset_id.in_(chunk)
            )
        )
        for asset_id, name, value in rows:
            found[asset_id][name] = value
    return found


def fingerprints(
    session: Session, asset_ids: Iterable[int]
) -> dict[int, tuple[bytes, bytes | None]]:
    """Each photo's fingerprint and local features (None when it has none)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for chunk in chunked(sorted(set(asset_ids))):
        rows = session.execute(
            select(
                AssetFingerprint.asset_id, AssetFingerprint.data, AssetFingerprint.features
            ).where(AssetFingerprint.asset_id.in_(chunk))
        )
        found.update({asset_id: (data, local) for asset_id, data, local in rows})
    return found
