"""`photodesk verify [--repair]` finds and fixes differences between catalog and store."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from library.catalog.store import Store
from library.db.engine import Database
from library.db.models import Asset
from library.files.verify import verify_library
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg


def setup_library(database: Database, tmp_path: Path) -> tuple[Store, Asset, Path]:
    source = make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    make_jpeg(tmp_path / "in" / "b.jpg", seed=2)
    IngestSession(database, IngestOptions(workers=1)).run([str(tmp_path / "in")])
    with database.session_scope(write=False) as session:
        asset = session.scalars(select(Asset).where(Asset.original_name == "a.jpg")).one()
        _ = asset.renditions
    return Store(database.config.store_root), asset, source


def test_clean_library_has_no_problems(database: Database, tmp_path: Path) -> None:
    setup_library(database, tmp_path)
    report = verify_library(database)
    assert report.assets == 2 and report.files == 6 and report.problems == []


def test_finds_and_repairs_every_kind(database: Database, tmp_path: Path) -> None:
    store, asset, source = setup_library(database, tmp_path)
    (store.root / asset.store_path).write_bytes(b"damaged")  # corrupt original
    thumb = next(r for r in asset.renditions if r.kind == "thumb")
    (store.root / thumb.store_path).unlink()  # missing rendition
    store.write_bytes("originals/ff/ff/orphan.jpg", b"left by a killed run")
    (store.root / "tmp").mkdir(exist_ok=True)
    (store.root / "tmp" / ".tmp-999999-half.jpg").write_bytes(b"half")
    report = verify_library(database)
    kinds = sorted(p.kind for p in report.problems)
    assert kinds == ["corrupt_original", "missing_rendition", "orphan", "temporary"]
    repaired = verify_library(database, repair=True)
    assert repaired.unrepaired == []
    assert (store.root / asset.store_path).read_bytes() == source.read_bytes()
    assert (store.root / thumb.store_path).exists()
    assert verify_library(database).problems == []


def test_lost_original_without_a_copy_stays_reported(database: Database, tmp_path: Path) -> None:
    store, asset, source = setup_library(database, tmp_path)
    (store.root / asset.store_path).unlink()
    source.unlink()
    report = verify_library(database, repair=True)
    assert [p.kind for p in report.unrepaired] == ["missing_original"]
    assert "no known path" in report.unrepaired[0].detail


def test_cli_exit_codes(run: object, tmp_path: Path, database: Database) -> None:
    store, asset, _ = setup_library(database, tmp_path)
    assert run("verify").exit_code == 0  # type: ignore[operator]
    store.write_bytes("renditions/00/00/stray-thumb.jpg", b"x")
    result = run("verify", "--json")  # type: ignore[operator]
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["kind"] == "orphan"
    assert run("verify", "--repair").exit_code == 0  # type: ignore[operator]
    assert run("verify").exit_code == 0  # type: ignore[operator]


def test_thumbnails_from_before_480_px_are_remade(database: Database, tmp_path: Path) -> None:
    """Libraries made with 320 px thumbnails get sharp ones from `verify --repair`."""
    from PIL import Image

    from library.db.models import Rendition

    source = make_jpeg(tmp_path / "in" / "wide.jpg", (1600, 1000), seed=3)
    IngestSession(database, IngestOptions(workers=1)).run([str(source)])
    store = Store(database.config.store_root)
    with database.session_scope() as session:
        thumb = session.scalars(select(Rendition).where(Rendition.kind == "thumb")).one()
        assert (thumb.width, thumb.height) == (480, 300)
        # What an older version stored: the same file at 320 px.
        path = store.root / thumb.store_path
        with Image.open(path) as image:
            image.resize((320, 200)).save(path, "JPEG")
        thumb.width, thumb.height = 320, 200
    report = verify_library(database, check_contents=False)
    assert [(p.kind, p.detail) for p in report.problems] == [
        ("small_rendition", "320 px on the long side; now made at 480")
    ]
    assert verify_library(database, repair=True).unrepaired == []
    with Image.open(path) as image:
        assert image.size == (480, 300)
    assert verify_library(database).problems == []
