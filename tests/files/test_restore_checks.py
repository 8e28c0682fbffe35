"""`restore` does not trust its backup: paths, links, sizes and checksums are checked first."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect

from library.config import LibraryConfig
from library.db.engine import Database
from library.files.backup import BackupError, backup_library, restore_library
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import PG_URL, make_jpeg, reset_postgres


@pytest.fixture
def backup(database: Database, tmp_path: Path) -> Path:
    """A good backup of a library with two photos (six stored files)."""
    for seed in range(2):
        make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed)
    IngestSession(database, IngestOptions(workers=1)).run([str(tmp_path / "in")])
    backup_library(database, tmp_path / "backup")
    return tmp_path / "backup"


@pytest.fixture
def target(database: Database, tmp_path: Path) -> LibraryConfig:
    """An empty place to restore into: a new folder, and for PostgreSQL an empty database."""
    if database.config.is_sqlite:
        return LibraryConfig(tmp_path / "restored")
    assert PG_URL
    database.dispose()
    reset_postgres(PG_URL, keep_schema=False)
    return LibraryConfig(tmp_path / "restored", PG_URL)


def _manifest(backup: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((backup / "manifest.json").read_text())
    return data


def _save(backup: Path, manifest: dict[str, Any]) -> None:
    (backup / "manifest.json").write_text(json.dumps(manifest))


def _assert_nothing_written(target: LibraryConfig, tmp_path: Path) -> None:
    assert not target.root.exists()
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()
    if target.database_url:
        engine = create_engine(target.url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()


def test_manifest_records_size_and_checksum_of_every_file(backup: Path) -> None:
    manifest = _manifest(backup)
    assert len(manifest["files"]) == 6
    for entry in [manifest["catalog"], *manifest["files"]]:
        assert len(entry["sha256"]) == 64 and entry["size"] > 0


def _escape_up(backup: Path, manifest: dict[str, Any]) -> None:
    """A manifest path that climbs out of the store (the file exists where it points)."""
    (backup / "store" / "originals" / ".." / ".." / ".." / "x").write_bytes(b"x")
    manifest["files"][0]["path"] = "originals/../../../x"


def _absolute(backup: Path, manifest: dict[str, Any]) -> None:
    manifest["files"][0]["path"] = str(backup / "manifest.json")


def _outside_the_store(backup: Path, manifest: dict[str, Any]) -> None:
    manifest["files"][0]["path"] = "../catalog.sqlite3"


def _not_a_store_folder(backup: Path, manifest: dict[str, Any]) -> None:
    (backup / "store" / "evil").mkdir()
    (backup / "store" / "evil" / "x").write_bytes(b"x")
    manifest["files"][0].update(path="evil/x", size=1)


def _backslash(backup: Path, manifest: dict[str, Any]) -> None:
    manifest["files"][0]["path"] = "originals\\..\\..\\x"


def _catalog_path(backup: Path, manifest: dict[str, Any]) -> None:
    manifest["catalog"]["path"] = "../../x"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_escape_up, "not a relative path inside"),
        (_absolute, "not a relative path inside"),
        (_outside_the_store, "not a relative path inside"),
        (_not_a_store_folder, "not a stored file"),
        (_backslash, "not a relative path inside"),
        (_catalog_path, "not a relative path inside"),
    ],
)
def test_paths_outside_the_store_are_refused(
    backup: Path,
    target: LibraryConfig,
    tmp_path: Path,
    tamper: Callable[[Path, dict[str, Any]], None],
    message: str,
) -> None:
    manifest = _manifest(backup)
    tamper(backup, manifest)
    _save(backup, manifest)
    with pytest.raises(BackupError, match=message):
        restore_library(backup, target)
    assert not target.root.exists()


def test_a_linked_file_is_refused(backup: Path, target: LibraryConfig, tmp_path: Path) -> None:
    """A link in the backup would copy a local file (here a secret) into the store."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"local secret")
    manifest = _manifest(backup)
    entry = manifest["files"][0]
    linked = backup / "store" / entry["path"]
    linked.unlink()
    linked.symlink_to(secret)
    # The manifest even agrees with the linked file: only the link gives it away.
    entry.update(size=12, sha256=hashlib.sha256(b"local secret").hexdigest())
    _save(backup, manifest)
    with pytest.raises(BackupError, match="symbolic link"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_a_linked_folder_is_refused(backup: Path, target: LibraryConfig, tmp_path: Path) -> None:
    store = backup / "store"
    real = tmp_path / "elsewhere"
    os.rename(store / "renditions", real)
    (store / "renditions").symlink_to(real, target_is_directory=True)
    with pytest.raises(BackupError, match="symbolic link"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_changed_content_refuses_the_whole_restore(
    backup: Path, target: LibraryConfig, tmp_path: Path
) -> None:
    manifest = _manifest(backup)
    last = backup / "store" / manifest["files"][-1]["path"]
    data = bytearray(last.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    last.unlink()  # the backup hard-links the library's file: do not change that one
    last.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="SHA-256 does not match"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_changed_size_is_refused(backup: Path, target: LibraryConfig, tmp_path: Path) -> None:
    manifest = _manifest(backup)
    manifest["files"][2]["size"] += 1
    _save(backup, manifest)
    with pytest.raises(BackupError, match="the manifest says"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_changed_catalog_is_refused(backup: Path, target: LibraryConfig, tmp_path: Path) -> None:
    manifest = _manifest(backup)
    catalog = backup / manifest["catalog"]["path"]
    with catalog.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(BackupError, match="manifest says"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_missing_file_is_refused(backup: Path, target: LibraryConfig, tmp_path: Path) -> None:
    manifest = _manifest(backup)
    (backup / "store" / manifest["files"][1]["path"]).unlink()
    with pytest.raises(BackupError, match="missing from the backup"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_a_manifest_without_checksums_is_refused(
    backup: Path, target: LibraryConfig, tmp_path: Path
) -> None:
    manifest = _manifest(backup)
    del manifest["catalog"]
    for entry in manifest["files"]:
        del entry["sha256"]
    _save(backup, manifest)
    with pytest.raises(BackupError, match="no checksums"):
        restore_library(backup, target)
    _assert_nothing_written(target, tmp_path)


def test_a_good_backup_still_restores(backup: Path, target: LibraryConfig) -> None:
    report = restore_library(backup, target)
    assert report.files == 6
    manifest = _manifest(backup)
    for entry in manifest["files"]:
        assert (target.store_root / entry["path"]).stat().st_size == entry["size"]
    assert not list(target.store_root.rglob(".*.restoring"))
