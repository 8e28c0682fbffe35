"""A catalog on a database server refuses a library folder that is not its own.

A worker or a command on a machine whose library path is wrong (the team's share not
mounted, a typo) would otherwise store the photos it ingests on its own disk, where
nobody else finds them, and say it succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from library.catalog.store import open_store
from library.config import LibraryConfig
from library.db import identity
from library.db.engine import Database, open_library
from library.db.models import Asset, Setting
from library.errors import LibraryMismatchError
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg


@pytest.fixture(autouse=True)
def fresh_checks() -> None:
    """Each test starts as a new process would: nothing checked yet."""
    identity._checked.clear()


def postgres_only(config: LibraryConfig) -> None:
    if config.is_sqlite:
        pytest.skip("an SQLite catalog is inside its folder")


@contextmanager
def elsewhere(config: LibraryConfig, tmp_path: Path) -> Iterator[Database]:
    """The same catalog opened with another library folder, as a misconfigured machine."""
    other = open_library(LibraryConfig(tmp_path / "not-mounted", config.database_url))
    try:
        yield other
    finally:
        other.dispose()


def ingest(database: Database, folder: Path, seeds: range) -> int:
    files = [str(make_jpeg(folder / f"p{seed}.jpg", seed=seed)) for seed in seeds]
    return IngestSession(database, IngestOptions(workers=1)).run(files).ingested


def catalog_id(database: Database) -> str | None:
    with database.session_scope(write=False) as session:
        return session.scalar(select(Setting.value).where(Setting.key == identity.SETTING))


def test_init_ties_the_folder_to_the_catalog(run: object, config: LibraryConfig) -> None:
    postgres_only(config)
    assert run("init").exit_code == 0  # type: ignore[operator]
    folder_id = (config.root / identity.ID_FILE).read_text().strip()
    database = open_library(config)
    assert len(folder_id) == 32 and catalog_id(database) == folder_id
    database.dispose()


def test_another_folder_is_refused_and_nothing_is_stored_there(
    database: Database, config: LibraryConfig, tmp_path: Path
) -> None:
    postgres_only(config)
    assert ingest(database, tmp_path / "in", range(2)) == 2
    with elsewhere(config, tmp_path) as other:
        with pytest.raises(LibraryMismatchError, match="not-mounted: not this catalog's"):
            IngestSession(other)
        with pytest.raises(LibraryMismatchError, match="no library-id file"):
            open_store(other)
    assert not (tmp_path / "not-mounted").exists()
    assert ingest(database, tmp_path / "in", range(2, 3)) == 1  # the right folder goes on


def test_a_share_unmounted_under_a_running_process_is_refused(
    database: Database, config: LibraryConfig, tmp_path: Path
) -> None:
    postgres_only(config)
    assert ingest(database, tmp_path / "in", range(1)) == 1
    # The mount point left behind is an empty local folder at the same path.
    moved = tmp_path / "share-contents"
    config.root.rename(moved)
    config.root.mkdir()
    with pytest.raises(LibraryMismatchError, match="no library-id file there"):
        IngestSession(database)
    assert list(config.root.iterdir()) == []
    config.root.rmdir()
    moved.rename(config.root)  # mounted again: the same process goes on
    assert ingest(database, tmp_path / "in", range(1, 2)) == 1


def test_a_folder_with_another_id_is_refused(
    database: Database, config: LibraryConfig, tmp_path: Path
) -> None:
    postgres_only(config)
    open_store(database)
    (tmp_path / "not-mounted").mkdir()
    (tmp_path / "not-mounted" / identity.ID_FILE).write_text("0123456789abcdef\n")
    mismatch = pytest.raises(LibraryMismatchError, match="its library-id is 0123456789abcdef")
    with elsewhere(config, tmp_path) as other, mismatch:
        identity.check_folder(other)


def test_a_catalog_from_before_ids_is_adopted_only_by_a_folder_with_its_photos(
    database: Database, config: LibraryConfig, tmp_path: Path
) -> None:
    postgres_only(config)
    assert ingest(database, tmp_path / "in", range(3)) == 3
    # As a catalog made before ids: neither the folder nor the catalog has one.
    (config.root / identity.ID_FILE).unlink()
    with database.session_scope() as session:
        session.execute(delete(Setting).where(Setting.key == identity.SETTING))
    identity._checked.clear()
    mismatch = pytest.raises(LibraryMismatchError, match="none of 3 of its originals")
    with elsewhere(config, tmp_path) as other, mismatch:
        identity.check_folder(other)
    assert catalog_id(database) is None  # the refusal wrote nothing
    identity.check_folder(database)
    assert catalog_id(database) == (config.root / identity.ID_FILE).read_text().strip()


def test_the_worker_and_commands_refuse_the_wrong_folder(
    run: object, config: LibraryConfig, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from library.cli.main import cli

    postgres_only(config)
    assert run("init").exit_code == 0  # type: ignore[operator]
    photo = make_jpeg(tmp_path / "in" / "p.jpg")
    wrong = ["--library", str(tmp_path / "not-mounted"), "--database-url", str(config.url)]
    runner = CliRunner()
    commands = [
        ["init"],
        ["ingest", str(photo)],
        ["ingest", str(photo), "--queue"],
        ["writeback", "--all-changed", "--queue"],
        ["--broker", "redis://127.0.0.1:1/0", "worker"],
    ]
    for args in commands:
        result = runner.invoke(cli, [*wrong, *args])
        assert result.exit_code == 1, result.output
        assert result.stderr.count("\n") == 1
        assert "not this catalog's library folder" in result.stderr
    assert not (tmp_path / "not-mounted").exists()  # init left no empty folder behind
    (tmp_path / "not-mounted").mkdir()  # an empty mount point
    assert runner.invoke(cli, [*wrong, "init"]).exit_code == 1
    assert list((tmp_path / "not-mounted").iterdir()) == []
    listed = runner.invoke(cli, [*wrong, "jobs", "--json"])  # reading needs no store
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.strip() == "[]"  # and no job was recorded by the refusals
    database = open_library(config)
    with database.session_scope(write=False) as session:
        assert session.scalar(select(Asset.id)) is None
    database.dispose()


def test_an_sqlite_library_needs_no_id(database: Database, config: LibraryConfig) -> None:
    if not config.is_sqlite:
        pytest.skip("the SQLite case")
    open_store(database)
    assert not (config.root / identity.ID_FILE).exists()
    assert catalog_id(database) is None
