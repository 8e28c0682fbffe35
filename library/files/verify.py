"""Checking the catalog against the file store, and repairing what can be repaired.

Problems found: originals or renditions that are missing, originals whose
bytes no longer match their SHA-256, renditions that do not decode or are
smaller than this version makes them (320 px thumbnails from before the
480 px ones), files in
the store that no row refers to (left by a killed run), and half-written
temporary files, and stored duplicate groups that no longer match the pairs,
digests and decisions. Repair deletes orphans and temporaries, remakes
renditions from the original, restores a lost original from any known path
that still holds the same bytes, and rebuilds the duplicate groups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from library.catalog.store import Store, open_store
from library.db.engine import Database
from library.db.models import Asset, Rendition
from library.duplicates import membership


@dataclass
class Problem:
    # missing_original, corrupt_original, missing_rendition, corrupt_rendition,
    # small_rendition, orphan, temporary, stale_group, unmatched, old_signals
    kind: str
    path: str
    asset_id: int | None = None
    repaired: bool = False
    detail: str = ""


@dataclass
class VerifyReport:
    assets: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def unrepaired(self) -> list[Problem]:
        return [p for p in self.problems if not p.repaired]

    def to_json(self) -> dict[str, Any]:
        return {
            "assets": self.assets,
            "files": self.files,
            "problems": [vars(p) for p in self.problems],
            "unrepaired": len(self.unrepaired),
        }


def verify_library(
    database: Database,
    repair: bool = False,
    check_contents: bool = True,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    store = open_store(database)
    report = VerifyReport()
    referenced: set[str] = set()
    _check_signals(database, report, repair)
    with database.session_scope(write=repair) as session:
        assets = session.scalars(
            select(Asset).options(selectinload(Asset.renditions), selectinload(Asset.paths))
        )
        for asset in assets:
            report.assets += 1
            referenced.add(asset.store_path)
            original_ok = _check_original(store, asset, report, repair, check_contents)
            for rendition in asset.renditions:
                referenced.add(rendition.store_path)
                _check_rendition(store, asset, rendition, report, repair and original_ok)
            if progress:
                progress(report.assets)
        _check_groups(session, report, repair)
        _check_unmatched(session, database.config.root, report, repair)
    for relative in store.walk():
        report.files += 1
        if relative not in referenced:
            problem = Problem("orphan", relative, detail="no catalog row refers to this file")
            if repair:
                store.remove(relative)
                problem.repaired = True
            report.problems.append(problem)
    for temporary in store.stray_temporaries():
        problem = Problem(
            "temporary", str(temporary.relative_to(store.root)), detail="half-written"
        )
        if repair:
            temporary.unlink(missing_ok=True)
            problem.repaired = True
        report.problems.append(problem)
    return report


def _check_groups(session: Session, report: VerifyReport, repair: bool) -> None:
    """Stored duplicate groups against a rebuild from the pairs, digests and decisions."""
    stale = [
        Problem("stale_group", "duplicate_groups", detail=line)
        for line in membership.stale_groups(session)
    ]
    if stale and repair:
        membership.rebuild_groups(session)
        for problem in stale:
            problem.repaired = True
            problem.detail += "; groups rebuilt"
    report.problems.extend(stale)


def _check_signals(database: Database, report: VerifyReport, repair: bool) -> None:
    """Photos whose duplicate signals an older version made: one line for all of them,
    since after an upgrade that can be the whole library. Repairing recomputes them
    before the matcher runs (below), so they are matched with the new rules."""
    from library.duplicates import refresh

    stale = database.run_transaction(refresh.stale_count, write=False)
    if not stale:
        return
    problem = Problem(
        "old_signals",
        f"{stale} photos",
        detail="duplicate signals made by an older version; repairing recomputes them",
    )
    if repair:
        done = refresh.refresh_signals(database)
        problem.repaired = not done.failed
        problem.detail = f"{done.refreshed} recomputed and matched again" + (
            f", {len(done.failed)} could not be read" if done.failed else ""
        )
    report.problems.append(problem)


def _check_unmatched(session: Session, root: Path, report: VerifyReport, repair: bool) -> None:
    """Photos never looked up for near-duplicates (a crash between their commit and
    their look-up, or no matcher running); repairing matches them now."""
    from library.duplicates import backlog

    waiting = backlog.pending(session)
    problems = [
        Problem(
            "unmatched",
            f"photo {asset_id}",
            asset_id,
            detail="never looked up for near-duplicates",
        )
        for asset_id in waiting
    ]
    if problems and repair:
        from library.db.engine import NEAR_DUPLICATES_LOCK, one_writer_at_a_time
        from library.duplicates.matcher import Matcher

        one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
        matcher = Matcher(root)
        while matcher.run(session)[0]:
            pass
        for problem in problems:
            problem.repaired = True
            problem.detail += "; matched now"
    report.problems.extend(problems)


def _sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _check_original(
    store: Store, asset: Asset, report: VerifyReport, repair: bool, check_contents: bool
) -> bool:
    path = store.root / asset.store_path
    if not path.exists():
        kind, detail = "missing_original", "the stored original is gone"
    elif check_contents and _sha256(path) != asset.sha256:
        kind, detail = "corrupt_original", "bytes no longer match the SHA-256"
    else:
        return True
    problem = Problem(kind, asset.store_path, asset.id, detail=detail)
    report.problems.append(problem)
    if repair:
        for known in asset.paths:
            candidate = Path(known.path)
            if candidate.is_file() and _sha256(candidate) == asset.sha256:
                path.unlink(missing_ok=True)
                store.add_original(asset.store_path, candidate)
                problem.repaired = True
                problem.detail += f"; restored from {candidate}"
                return True
        problem.detail += "; no known path holds the same bytes"
    return False


def _check_rendition(
    store: Store, asset: Asset, rendition: Rendition, report: VerifyReport, can_remake: bool
) -> None:
    from PIL import Image

    path = store.root / rendition.store_path
    detail = ""
    if not path.exists():
        kind = "missing_rendition"
    else:
        try:
            with Image.open(path) as image:
                image.verify()
        except Exception:
            kind = "corrupt_rendition"
        else:
            wanted = expected_side(asset, rendition.kind)
            have = max(rendition.width, rendition.height)
            if have >= wanted - 1:  # rounding may cost the long side a pixel
                return
            kind, detail = "small_rendition", f"{have} px on the long side; now made at {wanted}"
    problem = Problem(kind, rendition.store_path, asset.id, detail=detail)
    report.problems.append(problem)
    if can_remake:
        problem.repaired = remake_rendition(store, asset, rendition)


def expected_side(asset: Asset, kind: str) -> int:
    """The long side this version gives a rendition of this photo (never larger than the photo)."""
    from assets import renditions

    return min(renditions.RENDITIONS[kind][0], max(asset.width, asset.height))


def remake_rendition(store: Store, asset: Asset, rendition: Rendition) -> bool:
    """Decode the original again and write the rendition in place."""
    from assets import imaging, renditions
    from assets.errors import AssetError

    try:
        data = (store.root / asset.store_path).read_bytes()
        image = imaging.open_image(data)
        profile = renditions.colour_profile(image)
        # As ingest makes it: a web-size JPEG is its own preview unless it ends early.
        own = renditions.own_preview(data, image) if rendition.kind == "web" else None
        if own is not None and not imaging.decode_photo(image, None, data).warnings:
            made = own
        else:
            image = imaging.open_image(data)
            upright = imaging.decode(image, renditions.RENDITIONS["web"][0], data)
            made = renditions.make_rendition(upright, rendition.kind, profile)
    except (OSError, AssetError):
        return False
    (store.root / rendition.store_path).unlink(missing_ok=True)
    store.write_bytes(rendition.store_path, made.data)
    rendition.width, rendition.height, rendition.file_size = made.width, made.height, len(made.data)
    return True
