"""Online backup and restore, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from library.catalog.queries import library_info
from library.config import LibraryConfig
from library.db import identity
from library.db.engine import Database, open_library
from library.db.models import Asset
from library.duplicates import saved_index
from library.files.backup import BackupError, backup_library, restore_library
from library.files.verify import verify_library
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import PG_URL, make_jpeg, reset_postgres


def test_backup_and_restore_round_trip(database: Database, tmp_path: Path) -> None:
    for seed in range(3):
        make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed)
    IngestSession(database, IngestOptions(workers=1)).run([str(tmp_path / "in")])
    report = backup_library(database, tmp_path / "backup")
    assert report.files == 9
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert len(manifest["files"]) == 9
    with pytest.raises(BackupError, match="not empty"):
        backup_library(database, tmp_path / "backup")
    if database.config.is_sqlite:
        target = LibraryConfig(tmp_path / "restored")
    else:
        assert PG_URL
        database.dispose()
        reset_postgres(PG_URL, keep_schema=False)
        target = LibraryConfig(tmp_path / "restored", PG_URL)
    # A saved signal index left in the folder followed another history: it goes.
    leftover = target.root / saved_index.FOLDER / saved_index.MANIFEST
    leftover.parent.mkdir(parents=True)
    leftover.write_text("{}")
    original_id = (
        (database.config.root / identity.ID_FILE).read_text()
        if not database.config.is_sqlite
        else None
    )
    restored = restore_library(tmp_path / "backup", target)
    assert restored.files == 9
    assert not leftover.parent.exists()
    assert target.store_root.stat().st_mode & 0o777 == 0o700  # made here: private
    if original_id is not None:
        # A copy of its own: the original's folder is not the copy's, nor the other way.
        assert (target.root / identity.ID_FILE).read_text() != original_id
    copy = open_library(target)
    with copy.session_scope(write=False) as session:
        assert library_info(session)["assets"] == 3
    assert verify_library(copy).problems == []
    copy.dispose()
    with pytest.raises(BackupError, match="not empty"):
        restore_library(tmp_path / "backup", target)


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    with pytest.raises(BackupError, match="not a photodesk backup"):
        restore_library(tmp_path / "nothing", LibraryConfig(tmp_path / "lib"))


def test_a_backup_missing_store_files_says_so(run: Any, database: Database, tmp_path: Path) -> None:
    for seed in range(2):
        make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed)
    IngestSession(database, IngestOptions(workers=1)).run([str(tmp_path / "in")])
    with database.session_scope(write=False) as session:
        lost = session.scalars(select(Asset.store_path)).first()
    assert lost
    (database.config.store_root / lost).unlink()
    result = run("backup", str(tmp_path / "backup"))
    assert result.exit_code == 3, result.stderr
    assert result.stdout.startswith("backed up the ")  # the rest is in the backup
    assert result.stderr.strip() == (
        "warning: 1 file the catalog names is missing from the store and not in the backup "
        "(`photodesk verify` lists them)"
    )
    assert len(json.loads((tmp_path / "backup" / "manifest.json").read_text())["files"]) == 5
