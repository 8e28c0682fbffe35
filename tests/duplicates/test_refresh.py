"""Signals an older version made are found, recomputed from the originals and matched again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select, update

from assets import similarity
from assets.analysis import analyze_file
from library.catalog.store import Store
from library.db.engine import Database
from library.db.models import Asset, AssetFingerprint, AssetHash, DuplicatePair
from library.duplicates import refresh
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg


def _library_with_a_copy(database: Database, tmp_path: Path) -> tuple[int, int, int]:
    """A photo, a smaller copy of it and a stranger; returns their ids."""
    original = make_jpeg(tmp_path / "in" / "harbour.jpg", (800, 600), seed=4)
    copy = tmp_path / "in" / "harbour-small.jpg"
    Image.open(original).resize((400, 300)).save(copy, quality=70)
    stranger = make_jpeg(tmp_path / "in" / "field.jpg", (800, 600), seed=41)
    report = IngestSession(database, IngestOptions(workers=1)).run(
        [str(original), str(copy), str(stranger)]
    )
    ids = [o.asset_id for o in report.outcomes]
    assert all(i is not None for i in ids)
    return ids[0], ids[1], ids[2]  # type: ignore[return-value]


def _as_if_an_older_version_made_them(database: Database) -> None:
    """What a catalog from before a signals change holds: other values, an old version
    on the fingerprints, and none of the pairs the new rules find."""
    with database.session_scope(write=True) as session:
        session.execute(update(AssetHash).values(value=AssetHash.value.op("+")(12345)))
        session.execute(update(AssetFingerprint).values(version="sim-0", features=None))
        session.execute(DuplicatePair.__table__.delete())


def _stored(database: Database, asset_id: int) -> tuple[dict[str, int], Any]:
    with database.session_scope(write=False) as session:
        hashes = dict(
            session.execute(
                select(AssetHash.algorithm, AssetHash.value).where(AssetHash.asset_id == asset_id)
            ).all()
        )
        fingerprint = session.get(AssetFingerprint, asset_id)
        return hashes, (
            (fingerprint.version, fingerprint.data, fingerprint.features) if fingerprint else None
        )


def _pairs(database: Database) -> set[tuple[int, int]]:
    with database.session_scope(write=False) as session:
        return set(session.execute(select(DuplicatePair.asset_a, DuplicatePair.asset_b)).all())


def test_repair_recomputes_old_signals_as_ingest_makes_them_and_matches_again(
    database: Database, tmp_path: Path, run: Any
) -> None:
    photo, copy, stranger = _library_with_a_copy(database, tmp_path)
    assert _pairs(database) == {(photo, copy)}
    fresh = {i: _stored(database, i) for i in (photo, copy, stranger)}
    _as_if_an_older_version_made_them(database)
    with database.session_scope(write=False) as session:
        assert refresh.stale_count(session) == 3

    found = run("verify", "--quick", "--json")
    problems = [p for p in json.loads(found.stdout)["problems"] if p["kind"] == "old_signals"]
    assert found.exit_code == 1 and problems[0]["path"] == "3 photos"

    repaired = run("verify", "--quick", "--repair")
    assert repaired.exit_code == 0, repaired.stdout
    assert "old_signals: 3 photos: 3 recomputed and matched again" in repaired.stdout
    for asset_id, (hashes, fingerprint) in fresh.items():
        assert _stored(database, asset_id) == (hashes, fingerprint)
        assert fingerprint[0] == similarity.SIGNALS_VERSION
    assert _pairs(database) == {(photo, copy)}
    with database.session_scope(write=False) as session:
        assert refresh.stale_count(session) == 0
    assert run("verify", "--quick").exit_code == 0


def test_rescan_recomputes_first_and_a_missing_original_is_named(
    database: Database, tmp_path: Path, run: Any
) -> None:
    photo, copy, stranger = _library_with_a_copy(database, tmp_path)
    _as_if_an_older_version_made_them(database)
    with database.session_scope(write=False) as session:
        lost = session.get(Asset, stranger)
        assert lost is not None
        Store(database.config.store_root).absolute(lost.store_path).unlink()

    result = run("dupes", "rescan")
    assert result.exit_code == 0
    assert "2 photos' duplicate signals recomputed" in result.stdout
    assert f"photo {stranger}: signals not recomputed:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "1 near-duplicate pairs verified" in result.stdout
    assert _pairs(database) == {(photo, copy)}
    with database.session_scope(write=False) as session:
        assert refresh.stale_ids(session) == [stranger]


def test_refresh_in_worker_processes_gives_what_one_process_gives(
    database: Database, tmp_path: Path
) -> None:
    ids = list(_library_with_a_copy(database, tmp_path))
    _as_if_an_older_version_made_them(database)
    seen: list[int] = []
    report = refresh.refresh_signals(database, workers=2, progress=seen.append)
    assert report.refreshed == 3 and not report.failed and seen == [3]
    in_pool = {i: _stored(database, i) for i in ids}
    _as_if_an_older_version_made_them(database)
    refresh.refresh_signals(database, ids[:2], workers=1)
    with database.session_scope(write=False) as session:
        assert refresh.stale_ids(session) == [ids[2]]
        path = Store(database.config.store_root).absolute(session.get(Asset, ids[0]).store_path)  # type: ignore[union-attr]
    for asset_id in ids[:2]:
        assert _stored(database, asset_id) == in_pool[asset_id]
    assert in_pool[ids[0]][0] == analyze_file(str(path)).hashes


def test_a_composite_ingested_before_regions_gets_them_and_its_links(
    database: Database, tmp_path: Path, run: Any
) -> None:
    from library.db.models import AssetRegion, ContainedPhoto
    from tests.duplicates.test_composites import check_collage_groups, ingest, write_set

    paths = write_set(tmp_path / "in")
    ingest(database, *paths.values())
    check_collage_groups(database)
    with database.session_scope(write=True) as session:
        # What a catalog from before composites holds: no regions, no links.
        session.execute(ContainedPhoto.__table__.delete())
        session.execute(AssetRegion.__table__.delete())
        session.execute(update(AssetFingerprint).values(version="sim-0"))
    run("dupes", "rescan")
    check_collage_groups(database)
    with database.session_scope(write=False) as session:
        assert len(session.scalars(select(AssetRegion)).all()) == 2
