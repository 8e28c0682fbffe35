"""The ingest pipeline end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from library.catalog.store import Store
from library.db.engine import Database
from library.db.models import Asset, AssetHash, AssetPath, IngestFailure, Rendition
from library.ingest.pipeline import IngestOptions, IngestSession, discover
from tests.conftest import make_jpeg


def ingest(database: Database, *paths: Path, **options: object) -> object:
    opts = IngestOptions(**{"workers": 1, **options})  # type: ignore[arg-type]
    return IngestSession(database, opts).run([str(p) for p in paths])


def count(database: Database, model: type) -> int:
    with database.session_scope(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_ingest_records_facts_hashes_and_renditions(database: Database, tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "in" / "a.jpg", (800, 600), seed=1)
    report = ingest(database, tmp_path / "in")
    assert report.ingested == 1 and not report.failed
    with database.session_scope(write=False) as session:
        asset = session.scalars(select(Asset)).one()
        assert (asset.width, asset.height, asset.format) == (800, 600, "jpeg")
        assert asset.file_size == photo.stat().st_size
        assert len(asset.sha256) == 64 and asset.content_digest.startswith("jpeg:")
        algorithms = {h.algorithm for h in asset.hashes}
        assert {"phash", "dhash"} <= algorithms
        assert all(-(2**63) <= h.value < 2**63 for h in asset.hashes)
        assert all(h.library_version for h in asset.hashes)
        sizes = {r.kind: (r.width, r.height) for r in asset.renditions}
        assert sizes["thumb"] == (480, 360)
        assert sizes["web"] == (800, 600)  # never upscaled
        store = Store(database.config.store_root)
        assert store.exists(asset.store_path)
        assert all(store.exists(r.store_path) for r in asset.renditions)
        assert [p.path for p in asset.paths] == [str(photo)]


def test_reingest_is_idempotent_and_records_new_paths(database: Database, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    make_jpeg(tmp_path / "in" / "b.jpg", seed=2)
    first = ingest(database, tmp_path / "in")
    assert first.ingested == 2
    copy = tmp_path / "elsewhere" / "copy-of-a.jpg"
    copy.parent.mkdir()
    copy.write_bytes((tmp_path / "in" / "a.jpg").read_bytes())
    second = ingest(database, tmp_path / "in", copy)
    assert (second.ingested, second.already_present) == (0, 3)
    assert count(database, Asset) == 2
    assert count(database, AssetPath) == 3


def test_copies_within_one_batch_make_one_asset(database: Database, tmp_path: Path) -> None:
    a = make_jpeg(tmp_path / "in" / "a.jpg", seed=3)
    (tmp_path / "in" / "a-copy.jpg").write_bytes(a.read_bytes())
    report = ingest(database, tmp_path / "in")
    assert (report.ingested, report.already_present) == (1, 1)
    assert count(database, Asset) == 1 and count(database, AssetPath) == 2


def test_same_pixels_other_metadata_is_recognised(database: Database, tmp_path: Path) -> None:
    a = make_jpeg(tmp_path / "in" / "a.jpg", seed=4)
    b = tmp_path / "in" / "b.jpg"
    b.write_bytes(a.read_bytes())
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-IPTC:Caption-Abstract=Edited caption", str(b)],
        check=True,
    )
    report = ingest(database, tmp_path / "in")
    assert report.ingested == 2 and report.same_pixels == 1
    with database.session_scope(write=False) as session:
        rows = session.scalars(select(Asset).order_by(Asset.id)).all()
        assert rows[0].sha256 != rows[1].sha256
        assert rows[0].content_digest == rows[1].content_digest
        assert rows[1].caption == "Edited caption"


def test_skips_and_failures_are_recorded_and_run_goes_on(
    database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    make_jpeg(folder / "good.jpg", seed=5)
    (folder / "notes.txt").write_text("not a photo")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "random.png").write_bytes(os.urandom(2000))
    good = (folder / "good.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 2])
    report = ingest(database, folder)
    assert report.ingested == 1
    assert report.skipped == 1
    reasons = {Path(f["path"]).name: f["error"] for f in report.failed}
    assert set(reasons) == {"empty.jpg", "random.png", "truncated.jpg"}
    assert "empty" in reasons["empty.jpg"]
    assert "truncated" in reasons["truncated.jpg"]
    assert count(database, IngestFailure) == 3
    assert count(database, Asset) == 1
    # A failed file that is later fixed is ingested and its failure forgotten.
    (folder / "truncated.jpg").write_bytes(make_jpeg(tmp_path / "x.jpg", seed=6).read_bytes())
    again = ingest(database, folder / "truncated.jpg")
    assert again.ingested == 1
    assert count(database, IngestFailure) == 2


def test_decompression_bomb_is_refused(database: Database, tmp_path: Path) -> None:
    big = tmp_path / "in" / "big.png"
    big.parent.mkdir()
    Image.new("L", (200, 200)).save(big)
    report = ingest(database, big, max_pixels=10_000)
    assert report.ingested == 0
    assert "exceeds the limit" in report.failed[0]["error"]


def test_dry_run_writes_nothing(database: Database, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=7)
    report = ingest(database, tmp_path / "in", dry_run=True)
    assert report.ingested == 1 and report.dry_run
    assert count(database, Asset) == 0
    assert list(Store(database.config.store_root).walk()) == []


def test_worker_processes_give_same_result(database: Database, tmp_path: Path) -> None:
    for seed in range(6):
        make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed + 10)
    (tmp_path / "in" / "bad.jpg").write_bytes(b"\xff\xd8garbage")
    report = ingest(database, tmp_path / "in", workers=2, batch_size=3)
    assert report.ingested == 6 and len(report.failed) == 1
    assert count(database, AssetHash) >= 12
    assert count(database, Rendition) == 12


def test_exif_orientation_is_applied_to_size_and_hashes(database: Database, tmp_path: Path) -> None:
    upright = make_jpeg(tmp_path / "in" / "upright.jpg", (300, 200), seed=8)
    rotated = tmp_path / "in" / "rotated.jpg"
    # Store the pixels turned on their side and let the EXIF tag turn them back.
    Image.open(upright).transpose(Image.Transpose.ROTATE_90).save(rotated, quality=95)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-n", "-Orientation=6", str(rotated)], check=True
    )
    ingest(database, tmp_path / "in")
    with database.session_scope(write=False) as session:
        assets = {a.original_name: a for a in session.scalars(select(Asset))}
        rot = assets["rotated.jpg"]
        assert (rot.width, rot.height, rot.orientation) == (300, 200, 6)
        hashes = {
            a.original_name: {h.algorithm: h.value for h in a.hashes} for a in assets.values()
        }
    distance = bin((hashes["upright.jpg"]["phash"] ^ hashes["rotated.jpg"]["phash"]) & (2**64 - 1))
    assert distance.count("1") <= 6


def test_discover_follows_links_without_looping(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "a" / "b" / "c" / "deep.jpg", seed=9)
    (tmp_path / "a" / "b" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "photo.jpg.xmp").write_text("<x/>")
    found = list(discover([tmp_path / "a"]))
    assert [Path(p).name for p, _ in found] == ["deep.jpg"]


def test_unreadable_file_fails_with_reason(database: Database, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    locked = make_jpeg(tmp_path / "in" / "locked.jpg", seed=11)
    locked.chmod(0)
    report = ingest(database, locked)
    assert report.failed[0]["error"] == "permission denied"


def test_missing_path_fails_with_reason(database: Database, tmp_path: Path) -> None:
    report = ingest(database, tmp_path / "nope.jpg")
    assert "No such file" in report.failed[0]["error"]


def test_cli_ingest_json_and_exit_codes(run: object, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=12)
    (tmp_path / "in" / "readme.txt").write_text("x")
    result = run("ingest", str(tmp_path / "in"), "--json")  # type: ignore[operator]
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ingested"] == 1 and data["skipped"] == 1 and data["failed"] == []
    assert data["already_present"] == 0 and data["seconds"] >= 0
    (tmp_path / "in" / "broken.jpg").write_bytes(b"nope")
    result = run("ingest", str(tmp_path / "in"), "--json")  # type: ignore[operator]
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["already_present"] == 1
    assert data["failed"][0]["path"].endswith("broken.jpg")


def test_cli_summary_line(run: object, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=13)
    result = run("ingest", str(tmp_path / "in"))  # type: ignore[operator]
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1].startswith("ingested 1, 0 already present")


def test_fifo_is_refused_without_blocking(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jpg")
    report = ingest(database, folder)
    assert report.failed == [{"path": str(folder / "pipe.jpg"), "error": "not a regular file"}]


def test_archive_flag_is_read_from_caption_and_genre(database: Database, tmp_path: Path) -> None:
    note = make_jpeg(tmp_path / "in" / "note.jpg", seed=30)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-IPTC:Caption-Abstract=FILE - Crowds gather in 1998.",
            str(note),
        ],
        check=True,
    )
    genre = make_jpeg(tmp_path / "in" / "genre.jpg", seed=31)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-iptcCore:IntellectualGenre=Archive material",
            str(genre),
        ],
        check=True,
    )
    make_jpeg(tmp_path / "in" / "plain.jpg", seed=32)
    ingest(database, tmp_path / "in")
    with database.session_scope(write=False) as session:
        flags = {
            a.original_name: (a.archive, a.field_sources.get("archive"))
            for a in session.scalars(select(Asset))
        }
    assert flags["note.jpg"] == (True, "embedded:caption")
    assert flags["genre.jpg"] == (True, "embedded:xmp")
    assert flags["plain.jpg"] == (False, None)


def test_a_rerun_matches_photos_an_earlier_run_left_unmatched(
    database: Database, tmp_path: Path
) -> None:
    """A run killed between committing photos and looking them up leaves them in the
    backlog; the next run, even with nothing new to ingest, matches them."""
    from library.duplicates import backlog
    from library.files.verify import verify_library

    folder = tmp_path / "in"
    folder.mkdir()
    original = make_jpeg(folder / "a.jpg", seed=3, size=(640, 480))
    Image.open(original).resize((320, 240)).save(folder / "a-small.jpg", quality=70)
    IngestSession(database, IngestOptions(workers=1, match_near=False)).run([str(folder)])
    with database.session_scope(write=False) as session:
        assert backlog.count(session) == 2
    unmatched = [p for p in verify_library(database).problems if p.kind == "unmatched"]
    assert len(unmatched) == 2
    report = IngestSession(database, IngestOptions(workers=1)).run([str(folder)])
    assert report.near_duplicates == 1
    with database.session_scope(write=False) as session:
        assert backlog.count(session) == 0
    assert not [p for p in verify_library(database).problems if p.kind == "unmatched"]
