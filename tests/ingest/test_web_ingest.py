"""Ingest of web-size photos: the decoding workers store the files, previews are the photos."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from assets import digests
from library.catalog.store import Store
from library.db.engine import Database
from library.db.models import Asset
from library.errors import StoreError
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg


def test_workers_store_the_files_and_a_web_size_photo_is_its_own_preview(
    database: Database, tmp_path: Path
) -> None:
    made = [
        make_jpeg(tmp_path / "in" / "web.jpg", (1400, 900), seed=1, progressive=True),
        make_jpeg(tmp_path / "in" / "camera.jpg", (2600, 1700), seed=2),
        make_jpeg(tmp_path / "in" / "small.jpg", (500, 400), seed=3),
    ]
    report = IngestSession(database, IngestOptions(workers=2, batch_size=2)).run(
        [str(tmp_path / "in")]
    )
    assert report.ingested == 3 and not report.failed
    store = Store(database.config.store_root)
    with database.session_scope(write=False) as session:
        assets = {Path(a.original_name).stem: a for a in session.scalars(select(Asset))}
        assert set(assets) == {p.stem for p in made}
        for path in made:
            asset = assets[path.stem]
            assert store.absolute(asset.store_path).read_bytes() == path.read_bytes()
            stored = {r.kind: store.absolute(r.store_path).read_bytes() for r in asset.renditions}
            sizes = {r.kind: max(r.width, r.height) for r in asset.renditions}
            own = digests.structural_digest(stored["web"]) == digests.structural_digest(
                path.read_bytes()
            )
            # The camera-size photo gets a 1280 px preview; the others are their own.
            assert own == (path.stem != "camera")
            assert sizes["web"] == {"web": 1400, "camera": 1280, "small": 500}[path.stem]
            assert sizes["thumb"] == {"web": 480, "camera": 480, "small": 480}[path.stem]
            assert stored["thumb"][:2] == b"\xff\xd8"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_that_is_not_cataloged_leaves_no_files(
    database: Database, tmp_path: Path, workers: int
) -> None:
    for seed in range(3):
        make_jpeg(tmp_path / "in" / f"{seed}.jpg", (900, 600), seed=seed)

    def refuse(_session: object, _outcomes: object) -> None:
        raise RuntimeError("the job was cancelled")

    options = IngestOptions(workers=workers, on_batch=refuse)
    with pytest.raises(RuntimeError):
        IngestSession(database, options).run([str(tmp_path / "in")])
    assert list(Store(database.config.store_root).walk()) == []


def test_store_makes_a_vanished_folder_again(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = Store(tmp_path / "store")
    first = store.rendition_path("ab" * 32, "thumb")
    assert store.write_bytes(first, b"one")
    shutil.rmtree(tmp_path / "store" / "renditions")
    shutil.rmtree(store.tmp_dir)
    assert store.write_bytes(first, b"two")
    assert (tmp_path / "store" / first).read_bytes() == b"two"


def test_store_never_makes_its_own_folder_again(tmp_path: Path) -> None:
    """A share unmounted under a running worker leaves an empty mount point: the store
    fails there instead of filling a local folder with the team's photos."""
    mount = tmp_path / "share"
    (mount / "store").mkdir(parents=True)
    store = Store(mount / "store")
    first = store.rendition_path("ab" * 32, "thumb")
    assert store.write_bytes(first, b"one")
    shutil.rmtree(mount / "store")  # as the share's contents vanish from the mount point
    with pytest.raises(StoreError, match="store folder is missing"):
        store.write_bytes(store.rendition_path("cd" * 32, "thumb"), b"two")
    with pytest.raises(StoreError, match="store folder is missing"):
        store.write_bytes(first, b"three")  # a folder it had made before, too
    assert list(mount.iterdir()) == []


def test_small_files_go_in_larger_batches_but_the_last_ones_do_not(
    database: Database, tmp_path: Path
) -> None:
    small = [tmp_path / f"s{i:03d}.jpg" for i in range(100)]
    for path in small:
        path.write_bytes(b"x" * 1000)
    session = IngestSession(database, IngestOptions(batch_size=4, batch_grow=3, in_flight=2))
    sizes = [len(b) for b in session.batches([str(p) for p in small])]
    # Grown to 12 while the files are small; the last 8 (two batches in flight) plain.
    assert sizes == [12] * 7 + [8, 4, 4]
    assert [p for b in session.batches([str(p) for p in small]) for p in b] == [
        str(p) for p in small
    ]
    heavy = IngestSession(database, IngestOptions(batch_size=4, batch_bytes=5000))
    assert [len(b) for b in heavy.batches([str(p) for p in small])][:2] == [5, 5]
    # A job's piece is one batch of exactly its files, whatever their size.
    piece = IngestSession(database, IngestOptions(batch_size=len(small)))
    assert [len(b) for b in piece.batches([str(p) for p in small])] == [100]


@pytest.mark.parametrize("dry_run", [False, True])
def test_copies_of_a_failing_file_in_one_batch_all_fail(
    database: Database, tmp_path: Path, dry_run: bool
) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (tmp_path / name).write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    report = IngestSession(database, IngestOptions(workers=1, dry_run=dry_run)).run([str(tmp_path)])
    assert len(report.failed) == 3 and report.ingested == 0
    assert len({f["error"] for f in report.failed}) == 1


def test_verify_remakes_a_lost_preview_as_ingest_made_it(
    database: Database, tmp_path: Path
) -> None:
    from library.files.verify import verify_library

    photo = make_jpeg(tmp_path / "in" / "site.jpg", (1500, 1000), seed=4)
    IngestSession(database, IngestOptions(workers=1)).run([str(photo)])
    assert verify_library(database).problems == []
    store = Store(database.config.store_root)
    with database.session_scope(write=False) as session:
        asset = session.scalars(select(Asset)).one()
        web = next(r.store_path for r in asset.renditions if r.kind == "web")
    before = store.absolute(web).read_bytes()
    store.absolute(web).unlink()
    repaired = verify_library(database, repair=True)
    assert [p.kind for p in repaired.problems] == ["missing_rendition"]
    assert repaired.unrepaired == []
    assert store.absolute(web).read_bytes() == before
    assert digests.structural_digest(before) == digests.structural_digest(photo.read_bytes())
