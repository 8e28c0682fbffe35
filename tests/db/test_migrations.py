"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from library.db.engine import Database, current_revision, head_revision
from library.db.models import Base


def test_upgrade_from_empty_matches_models(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    # Search tables are created by migrations outside the ORM metadata.
    diff = [d for d in diff if not _is_search_table(d)]
    assert diff == []


def _is_search_table(entry: object) -> bool:
    text = repr(entry)
    return "fts" in text.lower() or "search" in text.lower()


def test_sqlite_is_wal_with_foreign_keys(database: Database) -> None:
    if not database.config.is_sqlite:
        return
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
