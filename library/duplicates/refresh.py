"""Duplicate signals made by an older version, recomputed from the stored originals.

The signals, the fingerprint, the local features and a composite's pictures are stored with the version that made them
(``SIGNALS_VERSION``). When a new version changes them, photos cataloged before
keep the old values, and the new rules would compare old values with new ones:
pairs go missing without a word. ``verify`` reports such photos and ``verify
--repair`` and ``dupes rescan`` recompute them here, from the original in the
store, exactly as ingest computes them (the same ``analyze_file``), so a
refreshed photo cannot differ from the same file ingested today.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from assets import similarity
from assets.analysis import Analysis, analyze_file, preload
from library.catalog.photos import add_hashes, region_rows
from library.catalog.store import open_store
from library.db.engine import Database, chunked
from library.db.models import (
    Asset,
    AssetFingerprint,
    AssetHash,
    AssetRegion,
    NearDuplicateBacklog,
)
from library.duplicates import backlog
from library.processes import die_with_parent

#: Photos recomputed and written per transaction: a killed run keeps what it finished.
BATCH = 200


@dataclass
class RefreshReport:
    refreshed: int = 0
    #: (photo id, reason) for each photo whose original could not be read again.
    failed: list[tuple[int, str]] = field(default_factory=list)


def _stale_condition() -> ColumnElement[bool]:
    fingerprint = select(AssetFingerprint.version).where(AssetFingerprint.asset_id == Asset.id)
    return or_(
        ~fingerprint.exists(),
        fingerprint.where(AssetFingerprint.version != similarity.SIGNALS_VERSION).exists(),
    )


def stale_count(session: Session) -> int:
    """Photos whose signals an older version made (or that have none at all)."""
    return session.scalar(select(func.count(Asset.id)).where(_stale_condition())) or 0


def stale_ids(session: Session, limit: int | None = None) -> list[int]:
    query = select(Asset.id).where(_stale_condition()).order_by(Asset.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def refresh_signals(
    database: Database,
    asset_ids: Sequence[int] | None = None,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RefreshReport:
    """Recompute the signals of the given photos (default: every stale one).

    Each batch is decoded in worker processes and written in one transaction;
    the refreshed photos go to the near-duplicate backlog, so the matcher (or
    the rescan that called this) compares them again with the new rules.
    """
    report = RefreshReport()
    if asset_ids is None:
        asset_ids = database.run_transaction(stale_ids, write=False, what="finding old signals")
    if not asset_ids:
        return report
    store = open_store(database)
    count = workers or max(1, min(os.cpu_count() or 1, len(asset_ids) // 8 or 1))
    with _pool(count) as pool:
        for batch in _batches(asset_ids):
            paths = database.run_transaction(partial(_originals, ids=batch), write=False)
            found = {i: str(store.absolute(p)) for i, p in paths.items()}
            items = sorted(found.items())
            paths_in_order = [path for _, path in items]
            # The stored renditions stay: only the signals are computed again.
            signals_of = partial(analyze_file, render=False)
            results = (
                pool.map(signals_of, paths_in_order) if pool else map(signals_of, paths_in_order)
            )
            fresh: list[tuple[int, Analysis]] = []
            for (asset_id, _), analysis in zip(items, results, strict=True):
                if analysis.error:
                    report.failed.append((asset_id, analysis.error))
                else:
                    fresh.append((asset_id, analysis))
            report.failed += [(i, "no longer in the catalog") for i in batch if i not in found]
            database.run_transaction(
                partial(_replace, rows=fresh), what="storing recomputed signals"
            )
            report.refreshed += len(fresh)
            if progress:
                progress(report.refreshed + len(report.failed))
    return report


def _batches(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


class _pool:  # noqa: N801 - used as a context manager, like the executor it wraps
    """A process pool for more than one worker; none (decode in this process) for one."""

    def __init__(self, workers: int):
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPoolExecutor | None:
        if self.workers > 1:
            preload()  # before the fork, so the workers share it

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.executor = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=die_with_parent
            )
        return self.executor

    def __exit__(self, *_: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


def _originals(session: Session, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunked(ids):
        rows = session.execute(select(Asset.id, Asset.store_path).where(Asset.id.in_(chunk)))
        found.update({asset_id: path for asset_id, path in rows})
    return found


def _replace(session: Session, rows: list[tuple[int, Analysis]]) -> None:
    """Swap a batch's signals and fingerprints for the new ones, and queue them for matching."""
    if not rows:
        return
    ids = [asset_id for asset_id, _ in rows]
    for chunk in chunked(ids):
        session.execute(delete(AssetHash).where(AssetHash.asset_id.in_(chunk)))
        session.execute(delete(AssetFingerprint).where(AssetFingerprint.asset_id.in_(chunk)))
        session.execute(delete(AssetRegion).where(AssetRegion.asset_id.in_(chunk)))
        session.execute(
            delete(NearDuplicateBacklog).where(NearDuplicateBacklog.asset_id.in_(chunk))
        )
    add_hashes(session, rows)
    session.add_all(
        AssetFingerprint(
            asset_id=asset_id,
            version=a.fingerprint_version,
            data=a.fingerprint,
            features=a.features,
        )
        for asset_id, a in rows
    )
    for asset_id, analysis in rows:
        for region in region_rows(analysis):
            region.asset_id = asset_id
            session.add(region)
    backlog.add(session, ids)
    session.flush()
