"""A new library is private to its owner whatever the umask (issue 15, item 11)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from library.catalog import users
from library.config import LibraryConfig
from library.db.engine import init_library


@pytest.fixture(params=[0o022, 0o000])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The usual umask, and one that would make everything world-writable."""
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_catalog_and_store_are_created_for_the_owner_only(
    config: LibraryConfig, umask: int
) -> None:
    database = init_library(config)
    try:
        with database.session_scope() as session:
            users.create_user(session, "ana", "admin", "s3cret-words")
        assert _mode(config.root) == 0o700
        assert _mode(config.store_root) == 0o700
        if config.is_sqlite:
            assert _mode(config.sqlite_path) == 0o600
            wal = config.sqlite_path.with_name(config.sqlite_path.name + "-wal")
            assert wal.exists() and _mode(wal) == 0o600
    finally:
        database.dispose()


def test_an_existing_folder_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    root = tmp_path / "shared-library"
    root.mkdir()
    os.chmod(root, 0o750)
    database = init_library(LibraryConfig(root))
    try:
        assert _mode(root) == 0o750
        assert _mode(root / "store") == 0o700
        assert _mode(root / "catalog.sqlite3") == 0o600
    finally:
        database.dispose()
