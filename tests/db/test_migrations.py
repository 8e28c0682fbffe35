"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from library.config import LibraryConfig
from library.db.engine import (
    BUSY_TIMEOUT,
    Database,
    current_revision,
    head_revision,
    init_library,
    make_engine,
    sqlite_snapshot,
)
from library.db.models import Base
from library.errors import LibraryBusyError
from tests.conftest import reset_postgres


# SQLite reflection skips expression indexes (migration 0016's substring keys); PostgreSQL
# reflects and compares them.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_from_empty_matches_models(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    dialect = database.engine.dialect.name

    def made_here(item: Any, name: Any, kind: str, reflected: bool, compare_to: Any) -> bool:
        """Indexes the models make on another database only (``ddl_if``) are not compared."""
        only = getattr(item, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "include_object": made_here}
        )
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


def test_upgrade_gives_existing_tokens_an_expiry_and_keeps_their_last_use(
    config: LibraryConfig,
) -> None:
    """Revision 0008 on a catalog with a token from before: it keeps working, for 90 days."""
    from datetime import datetime, timedelta

    from alembic import command
    from sqlalchemy import text

    from library.db.engine import alembic_config, make_engine
    from library.db.models import utcnow

    if config.database_url:  # a database photodesk has never seen, not one at head
        reset_postgres(config.database_url, keep_schema=False)
    config.root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.url)
    command.upgrade(alembic_config(engine), "0003")
    used = datetime(2026, 1, 2, 3, 4, 5)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, name, role, password_hash, created_at, disabled) "
                "VALUES (1, 'ana', 'editor', 'x', :now, false)"
            ),
            {"now": used},
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (user_id, token_hash, created_at, last_used) "
                "VALUES (1, :hash, :now, :used)"
            ),
            {"hash": "a" * 64, "now": used, "used": used},
        )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        name, expires, last = connection.execute(
            text("SELECT name, expires_at, last_used_at FROM api_tokens")
        ).one()
    engine.dispose()
    # SQLite hands back text from a raw query, PostgreSQL a datetime.
    assert name == "api" and datetime.fromisoformat(str(last)) == used
    expected = utcnow() + timedelta(days=90)
    assert abs(datetime.fromisoformat(str(expires)) - expected) < timedelta(hours=1)


def test_pre_migration_snapshot_includes_what_is_still_in_the_wal(tmp_path: Path) -> None:
    live = tmp_path / "catalog.sqlite3"
    writer = sqlite3.connect(live)
    try:
        writer.execute("PRAGMA journal_mode=wal")
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep every page in the WAL
        writer.execute("CREATE TABLE t (x)")
        writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(500)])
        writer.commit()
        copied = tmp_path / "copied.sqlite3"
        shutil.copy2(live, copied)  # what a plain file copy gets
        snapshot = tmp_path / "catalog.0002.bak"
        sqlite_snapshot(live, snapshot)
    finally:
        writer.close()
    assert _rows(snapshot) == 500
    assert _rows(copied) is None  # the table itself is still only in the WAL


def _rows(path: Path) -> int | None:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM t").fetchone()[0]
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()


def test_a_write_that_need_not_wait_gives_up_on_a_held_lock(database: Database) -> None:
    if not database.config.is_sqlite:
        return
    holder = sqlite3.connect(database.config.sqlite_path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(LibraryBusyError), database.session_scope(wait=False) as session:
            session.execute(text("SELECT 1"))
    finally:
        holder.rollback()
        holder.close()
    for _ in range(3):  # every pooled connection is back to waiting the busy timeout
        with database.session_scope() as session:
            waits = session.execute(text("PRAGMA busy_timeout")).scalar()
        assert waits == int(BUSY_TIMEOUT * 1000)


def test_upgrade_lists_the_lexemes_of_an_existing_index(config: LibraryConfig) -> None:
    """Revision 0018 on a PostgreSQL catalog indexed before it: every lexeme is listed."""
    import hashlib

    from alembic import command
    from sqlalchemy.orm import Session

    from library.catalog import search
    from library.db.engine import alembic_config, make_engine
    from library.db.models import Asset

    if not config.database_url:
        pytest.skip("FTS5 keeps its own prefix indexes; 0018 adds nothing on SQLite")
    reset_postgres(config.database_url, keep_schema=False)
    engine = make_engine(config.url)
    command.upgrade(alembic_config(engine), "0017")
    with Session(engine) as session:
        for caption, credit in [("Protesters gather in Tehran", None), ("Vigil", "Ana Diaz/AFP")]:
            sha = hashlib.sha256(caption.encode()).hexdigest()
            session.add(
                Asset(
                    sha256=sha,
                    content_digest=f"pixels:{sha}",
                    format="jpeg",
                    width=1,
                    height=1,
                    file_size=1,
                    store_path=f"originals/{sha}.jpg",
                    original_name="a.jpg",
                    caption=caption,
                    credit=credit,
                    keywords=[],
                    field_sources={},
                    embedded={},
                    status="new",
                    archive=False,
                    version=1,
                )
            )
        session.flush()
        # Indexed by this release's code at 0017: no lexeme list to keep yet.
        search.rebuild_index(session)
        session.commit()
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        listed = connection.execute(text("SELECT lexeme FROM search_lexemes")).scalars().all()
    engine.dispose()
    assert sorted(listed) == ["afp", "ana", "diaz", "gather", "in", "protest", "tehran", "vigil"]


def test_a_catalog_owner_without_extensions_still_migrates(config: LibraryConfig) -> None:
    """Revision 0021 on a PostgreSQL database whose user may not create extensions:
    the catalog reaches head without the title trigrams, and ``article:`` still finds."""
    from sqlalchemy import create_engine

    from library.catalog import queries
    from library.db.engine import init_library, normalize_url
    from tests.conftest import own_database
    from tests.webui.webutil import add_article, create_asset

    if not config.database_url:
        pytest.skip("the trigram index is PostgreSQL's; SQLite scans titles")
    url = own_database(config.database_url, "limited")
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        # Roles belong to the server: another run may have made it, or be making it now.
        connection.execute(
            text(
                "DO $$ BEGIN CREATE ROLE pd_limited LOGIN; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        )
        database = url.rpartition("/")[2]
        # Tables in its own schema, but no CREATE on the database: no trusted extension.
        connection.execute(text(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC'))
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public AUTHORIZATION pd_limited"))
    admin.dispose()
    if "://postgres@" not in url:
        pytest.skip("the test database URL must name the postgres user to swap it")
    limited = url.replace("://postgres@", "://pd_limited@")
    catalog = init_library(LibraryConfig(config.root, limited))
    try:
        with catalog.engine.connect() as connection:
            indexes = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
            assert "ix_articles_title_trigrams" not in set(indexes)
        assert current_revision(catalog.engine) == head_revision()
        photo = create_asset(catalog, caption="Flooded street")
        add_article(catalog, "Floods in Valencia", [(photo, None, None)])
        with catalog.session_scope(write=False) as session:
            found = queries.find_photos(session, 'article:"in valenc"')
        assert [a.id for a in found.assets] == [photo]
    finally:
        catalog.dispose()


def test_a_catalog_from_a_newer_photodesk_is_refused_in_one_line(
    config: LibraryConfig, run: object
) -> None:
    """One machine of a team upgraded first: an older photodesk must say so, and neither
    migrate nor snapshot the catalog it cannot understand."""
    init_library(config).dispose()
    database = Database(config, make_engine(config.url))
    try:
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
        result = run("info")  # type: ignore[operator]
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1
        assert "upgraded by a newer photodesk (schema 0999; this one knows up to" in result.stderr
        assert current_revision(database.engine) == "0999"
        assert not list(config.root.glob("*.bak"))
    finally:
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )
        database.dispose()


def test_search_slices_index_round_trip(config: LibraryConfig) -> None:
    """Revision 0022 down and up again on an indexed PostgreSQL catalog: every id slice up
    to the newest photo's and one more gets its own index of the words, written so that
    the planner uses it for a slice, and searches find the same photos either way. A
    photo indexed in a slice past them brings its slice's index and the next one's; a
    rebuild of the index (`photodesk reindex`) makes any still missing."""
    from alembic import command

    from library.catalog import queries, search
    from library.db.engine import alembic_config, init_library
    from tests.webui.webutil import create_asset

    if not config.database_url:
        pytest.skip("FTS5 reads its doclists in rowid order; 0022 adds nothing on SQLite")
    catalog = init_library(config)
    try:
        fire = create_asset(catalog, caption="Fire in the harbour")
        create_asset(catalog, caption="Flood in the valley")

        def indexes() -> set[str]:
            with catalog.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'asset_search'")
                )
                return {name for name in rows.scalars() if "slice" in name}

        def found(q: str) -> list[int]:
            with catalog.session_scope(write=False) as session:
                return [a.id for a in queries.find_photos(session, q, with_total=True).assets]

        assert indexes() == {"ix_asset_search_slice_0", "ix_asset_search_slice_1"}
        command.downgrade(alembic_config(catalog.engine), "0021")
        assert indexes() == set()
        assert found("fire") == [fire]
        with catalog.engine.begin() as connection:
            # Past the slices that have an index, as a catalog that grew since 0022.
            connection.execute(text("SELECT setval('assets_id_seq', :n)"), {"n": 3 << 20})
        later = create_asset(catalog, caption="Fire at the station")
        command.upgrade(alembic_config(catalog.engine), "head")
        assert indexes() == {f"ix_asset_search_slice_{n}" for n in range(5)}
        assert search.id_slice(later) == 3
        assert found("fire") == [later, fire]
        assert found("fire OR flood") == [later, fire + 1, fire]
        with catalog.engine.begin() as connection:
            connection.execute(text("SELECT setval('assets_id_seq', :n)"), {"n": 5 << 20})
        newest = create_asset(catalog, caption="Fire on the pier")
        # Indexing the photo made its slice's index and the next one's, in its transaction.
        assert indexes() == {f"ix_asset_search_slice_{n}" for n in range(7)}
        assert found("fire") == [newest, later, fire]
        with catalog.session_scope() as session:
            assert search.rebuild_index(session) == 4
        assert indexes() == {f"ix_asset_search_slice_{n}" for n in range(7)}
        assert found("fire") == [newest, later, fire]
        # The index's condition is the one `search.in_ids` writes, so the planner can use
        # it: made by the migration (3) and by the search code (6) alike.
        for number in (3, 6):
            low, high = search.slice_bounds(number)
            with catalog.engine.connect() as connection:
                definition = connection.execute(
                    text("SELECT pg_get_indexdef(CAST(:name AS regclass))"),
                    {"name": f"ix_asset_search_slice_{number}"},
                ).scalar_one()
            assert f"WHERE ((asset_id >= {low}) AND (asset_id < {high}))" in definition
            assert "USING gin (document)" in definition
    finally:
        catalog.dispose()


def test_the_missing_credit_list_reads_its_partial_index(database: Database) -> None:
    """Revision 0024's index holds the photos `queries.no_credit` lists, and the planner
    can prove it: the condition is written with its empty string, not a parameter that
    a prepared statement would plan without knowing (then only the table would do)."""
    from sqlalchemy.dialects import postgresql

    from library.catalog import queries
    from library.db.models import Asset
    from tests.webui.webutil import create_assets

    listing = select(Asset.id).where(queries.no_credit()).order_by(Asset.id.desc()).limit(5)
    assert "trim(assets.credit) = ''" in str(listing.compile(dialect=postgresql.dialect()))
    if database.config.is_sqlite:
        pytest.skip("0024 adds nothing on SQLite")
    blank = create_assets(database, 2, credit="  ")
    create_assets(database, 2, credit="Reuters")
    bare = create_assets(database, 2)
    with database.session_scope(write=False) as session:
        assert session.scalars(listing).all() == sorted(blank + bare, reverse=True)
        # As the planner would choose it on a large catalog, where this table is 9 GB.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        literal = listing.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.scalars(text(f"EXPLAIN {literal}")))
    assert "ix_assets_no_credit" in plan
