"""Shared fixtures: a fresh library per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from library.catalog import users
from library.cli.main import cli
from library.config import LibraryConfig
from library.db.engine import Database, init_library, normalize_url

# Real scrypt at a sixteenth of the cost: the suite hashes passwords for thousands of
# sign-ins, at about 0.1 s each at the production cost.
users.SCRYPT_N = 2**10

FIXTURES = Path(__file__).parent / "fixtures"
PHOTOS = FIXTURES / "photos"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
PG_URL = os.environ.get("PHOTODESK_TEST_DATABASE_URL")


def own_database(url: str, suffix: str) -> str:
    """A PostgreSQL database beside the configured one (created once), for tests that
    must not share it: xdist workers, and module-scoped libraries."""
    base, _, name = url.rpartition("/")
    own = f"{name}_{suffix}"
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    return f"{base}/{own}"


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist every worker gets its own database, since tests empty it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return own_database(url, worker) if url and worker else url


PG_URL = _worker_database(PG_URL)

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


#: Per database URL, what its schema looks like right after migrating to head.
_HEAD_SCHEMA: dict[str, str] = {}

#: Everything a test could change in the schema: tables, columns, indexes, triggers,
#: functions and the Alembic revision. Equal digests mean emptying rows is enough. Read
#: from pg_catalog: information_schema's views took 20-30 ms of every PostgreSQL test.
_SCHEMA_DIGEST = """
SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT 'c:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION ALL SELECT 'i:' || pg_get_indexdef(i.indexrelid) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
  UNION ALL SELECT 't:' || c.relname || '.' || t.tgname || ':' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL SELECT 'f:' || p.proname FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'v:' || version_num FROM alembic_version
) AS schema_objects(x)
"""

#: Deletes every row and restarts every sequence; replica mode skips the foreign-key
#: and search triggers, which have nothing to keep consistent when every table empties.
#: Only a superuser may set it; any other owner of the tables truncates them (slower).
_EMPTY_ROWS = """
DO $$
DECLARE r record;
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('public.%I', tablename), ', ')
                    || ' RESTART IDENTITY CASCADE'
             FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version');
    RETURN;
  END IF;
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM public.%I', r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    PERFORM setval(format('public.%I', r.sequencename), 1, false);
  END LOOP;
END $$
"""


def _schema_digest(connection: Connection) -> str | None:
    if connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return None
    return connection.execute(text(_SCHEMA_DIGEST)).scalar()


def reset_postgres(url: str, keep_schema: bool = True) -> None:
    """Give the next test a catalog with no rows in it.

    Migrating a fresh schema to head costs 0.3-0.6 s, paid by every PostgreSQL test;
    deleting the rows of a schema still exactly at head costs 20-40 ms. A test that
    altered the schema (a downgrade, a dropped index) gets a fresh one, migrated here.
    ``keep_schema=False`` leaves no schema at all, for tests of a database that
    photodesk has never seen.
    """
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            head = _HEAD_SCHEMA.get(url)
            if keep_schema and head is not None and _schema_digest(connection) == head:
                connection.execute(text(_EMPTY_ROWS))
                return
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        if keep_schema:
            with tempfile.TemporaryDirectory() as folder:
                init_library(LibraryConfig(Path(folder) / "library", url)).dispose()
            with engine.begin() as connection:  # init tied the catalog to that folder
                connection.execute(text(_EMPTY_ROWS))
            with engine.connect() as connection:
                digest = _schema_digest(connection)
            assert digest is not None
            _HEAD_SCHEMA[url] = digest
    finally:
        engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser and slow tests first: xdist hands tests out in this order, and a long
    test met at the end keeps one core busy while the other has nothing left to do."""
    items.sort(
        key=lambda item: not (item.get_closest_marker("browser") or item.get_closest_marker("slow"))
    )


#: For a test whose subject is the same on both databases (security headers, the server's
#: process, decoding every corpus file): PostgreSQL adds nothing but CI time.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config(tmp_path: Path, backend: str) -> LibraryConfig:
    if backend == "postgresql":
        assert PG_URL
        reset_postgres(PG_URL)
        return LibraryConfig(tmp_path / "library", PG_URL)
    return LibraryConfig(tmp_path / "library")


_SQLITE_HEAD: list[bytes] = []


def _sqlite_at_head(config: LibraryConfig) -> None:
    """Put a catalog already migrated to head where ``config`` expects one.

    Migrating costs about 0.1 s of CPU per test; a copy of one migrated file costs
    nothing, and init_library then finds nothing to do. The migrations themselves
    are tested in tests/db/test_migrations.py.
    """
    if not _SQLITE_HEAD:
        with tempfile.TemporaryDirectory() as folder:
            fresh = LibraryConfig(Path(folder) / "library")
            init_library(fresh).dispose()
            assert not fresh.sqlite_path.with_name(fresh.sqlite_path.name + "-wal").exists()
            _SQLITE_HEAD.append(fresh.sqlite_path.read_bytes())
    if config.root.exists():
        return
    config.root.mkdir(mode=0o700, parents=True)
    config.root.chmod(0o700)
    fd = os.open(config.sqlite_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_SQLITE_HEAD[0])


@pytest.fixture
def database(config: LibraryConfig) -> Iterator[Database]:
    if config.is_sqlite:
        _sqlite_at_head(config)
    db = init_library(config)
    yield db
    db.dispose()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run(config: LibraryConfig) -> Iterator[object]:
    """Run the photodesk CLI against the test library, in process."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        base = ["--library", str(config.root)]
        if config.database_url:
            base += ["--database-url", config.database_url]
        result = runner.invoke(cli, [*base, *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    yield invoke


def make_jpeg(
    path: Path, size: tuple[int, int] = (320, 240), seed: int = 0, **save: object
) -> Path:
    """A small photo-like JPEG: smooth gradients plus seeded shapes, so hashes differ by seed."""
    import random

    from PIL import ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(h):
        c = int(255 * y / h)
        draw.line([(0, y), (w, y)], fill=(c, rng.randrange(256) // 4 + 100, 255 - c))
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2)
        draw.ellipse([x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90, **save)
    return path


def jpeg_bytes(seed: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = io.BytesIO()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"photodesk-{os.getpid()}-{seed}.jpg"
    make_jpeg(tmp, size, seed)
    buffer.write(tmp.read_bytes())
    tmp.unlink()
    return buffer.getvalue()


def copy_fixture(name: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / name
    shutil.copy2(PHOTOS / name, target)
    return target


needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is absent")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `photodesk serve` hands waitress (the app and the settings), without serving:
    the bound server's loop returns at once, so the command ends as after Ctrl+C."""
    import waitress.server

    calls: list[dict[str, Any]] = []

    class Bound:
        def run(self) -> None:
            calls[-1]["ran"] = True

        def close(self) -> None:
            calls[-1]["closed"] = True

    def create_server(app: Any, **settings: Any) -> Bound:
        calls.append({"app": app, **settings})
        return Bound()

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    return calls
