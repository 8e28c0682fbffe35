"""The one place that owns the database engine, sessions and migrations.

Library functions take a session; they never open their own. Callers (the
CLI, the web app, tests) open a `session_scope()` around one unit of work.

SQLite has one writer at a time. Write scopes start with ``BEGIN IMMEDIATE``
so a second writer waits (up to the busy timeout) at the start of its
transaction instead of failing half-way through it; read scopes start
deferred and never block the writer (WAL mode).
"""

from __future__ import annotations

import functools
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from library.config import LibraryConfig
from library.errors import (
    DatabaseError,
    LibraryBusyError,
    LibraryMismatchError,
    LibraryNotFoundError,
)

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")

#: How long a writer waits for another writer before giving up, in seconds.
BUSY_TIMEOUT = 60.0

#: PostgreSQL errors that say "run the transaction again": serialization_failure,
#: deadlock_detected, and the server ending the session (admin_shutdown when
#: pg_terminate_backend or a restart drops the connection, crash_shutdown,
#: cannot_connect_now while it starts up).
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})

#: How often a unit of work is tried before a transient error is given up as real.
TRANSIENT_ATTEMPTS = 8

#: The advisory lock name that ingest batches take, so tests can hold the catalog.
INGEST_LOCK = "photodesk-ingest"

#: Near-duplicate pairs are written by one transaction at a time (pairs of two new
#: photos from two writers would otherwise be proposed by both).
NEAR_DUPLICATES_LOCK = "photodesk-near-duplicates"


def chunked(values: Iterable[T], size: int = 500) -> Iterator[list[T]]:
    """Slices small enough for an ``IN (...)`` list on every database."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine with SQLite tuned for one writer and many readers."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
        )
        _configure_sqlite(engine, busy_timeout)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        # A write that may be skipped (a "last used" note) asks not to wait for the lock;
        # the pooled connection remembers its setting, so the usual transaction pays nothing.
        wait = int(options.get("sqlite_busy_ms", busy_timeout * 1000))
        if connection.info.get("busy_ms", int(busy_timeout * 1000)) != wait:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            connection.info["busy_ms"] = wait
        connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


@dataclass
class Database:
    """An open catalog: its engine and the session factories for reading and writing."""

    config: LibraryConfig
    engine: Engine

    def __post_init__(self) -> None:
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=writer, expire_on_commit=False)
        impatient = writer.execution_options(sqlite_busy_ms=0)
        self._write_now = sessionmaker(bind=impatient, expire_on_commit=False)

    @contextmanager
    def session_scope(self, write: bool = True, wait: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any exception.

        ``wait=False`` gives up at once (LibraryBusyError) when another writer holds
        an SQLite catalog, for writes that are worth less than the wait.
        """
        factory = (self._write if wait else self._write_now) if write else self._read
        session = factory()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "database is locked" in str(exc):
                raise LibraryBusyError(
                    f"the library {self.config.root} is busy: another process kept it locked "
                    f"for more than {BUSY_TIMEOUT:.0f} s"
                ) from None
            raise
        except Exception:
            session.rollback()
            raise
        except BaseException:
            # Ctrl-C or an exit inside a statement: the driver may be unable to roll
            # back cleanly (the cancelled statement still runs). The interrupt is
            # what the caller must see; dropping the connection ends the transaction.
            try:
                session.rollback()
            except Exception:
                session.invalidate()
            raise
        finally:
            session.close()

    def run_transaction(
        self,
        work: Callable[[Session], T],
        *,
        write: bool = True,
        attempts: int = TRANSIENT_ATTEMPTS,
        what: str = "the catalog write",
    ) -> T:
        """Run ``work`` in one transaction, again from the start after a transient error.

        With many workers, a deadlock, a serialization failure or a dropped
        connection is the normal case, not a corner case: the transaction is
        rolled back whole, so running ``work`` again is safe as long as it
        only touches the database (anything it does outside must be idempotent).
        The waits grow (50 ms doubling, jittered, at most 5 s). Once the
        attempts are used up the error is a one-line DatabaseError.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.session_scope(write=write) as session:
                    return work(session)
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                if attempt == attempts:
                    raise DatabaseError(
                        f"{_describe(self.config)}: {what} failed {attempts} times: "
                        f"{first_line(exc.orig)}"
                    ) from None
            time.sleep(backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def session(self, write: bool = True) -> Session:
        """A session whose lifecycle the caller manages (the web app closes it at teardown)."""
        return (self._write if write else self._read)()

    def dispose(self) -> None:
        self.engine.dispose()


def is_transient(exc: BaseException) -> bool:
    """Is this database error one that running the transaction again can cure?"""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True  # the connection dropped; the pool hands out a fresh one
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    # psycopg raises a bare OperationalError when the server went away mid-statement.
    module = type(orig).__module__ or ""
    return module.startswith("psycopg") and type(orig).__name__ == "OperationalError"


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: doubling, jittered so that
    writers that collided do not collide again in step."""
    return min(5.0, 0.05 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)


def first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def head_revision() -> str | None:
    """The newest migration this photodesk ships. Reading the scripts costs about 40 ms,
    and every open of a catalog asks, so it is read once per process: the scripts are
    part of the installed package and do not change under a running one."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def init_library(config: LibraryConfig) -> Database:
    """Create the folder and store and bring the catalog to the newest schema.

    What is created here is private to its owner whatever the umask: the
    library folder and the store 0700, the SQLite catalog 0600 (SQLite gives
    its -wal and -shm files the catalog's mode). Captions, credits and
    password hashes are nobody else's business on a shared machine.
    """
    made = [folder for folder in (config.store_root, config.root) if not folder.exists()]
    try:
        _private_dir(config.root)
        _private_dir(config.store_root)
        if config.is_sqlite:
            _private_file(config.sqlite_path)
    except OSError as exc:
        raise DatabaseError(
            f"{config.root}: cannot create library folder ({exc.strerror})"
        ) from None
    database = Database(config, make_engine(config.url))
    migrate(database)
    if not config.is_sqlite:  # a server's catalog is tied to the folder made here
        from library.db import identity

        try:
            identity.check_folder(database)
        except LibraryMismatchError:
            for folder in made:  # the empty folders made above: nothing is left behind
                with suppress(OSError):
                    folder.rmdir()
            database.dispose()
            raise
    return database


def _private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with the new folder itself 0700; an
    existing folder is left as its owner set it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return
    os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def _private_file(path: Path) -> None:
    """Create an empty ``path`` readable and writable by its owner only (an empty
    file is a valid empty SQLite database); an existing file is left alone."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def open_library(config: LibraryConfig, create: bool = False) -> Database:
    """Open an existing library, migrating it forward (after a backup) when it is older."""
    if create:
        return init_library(config)
    if config.is_sqlite and not config.sqlite_path.exists():
        where = config.root if config.database_url is None else config.sqlite_path
        raise LibraryNotFoundError(
            f"{where}: no photodesk library here (run `photodesk init` first)"
        )
    database = Database(config, make_engine(config.url))
    try:
        revision = current_revision(database.engine)
    except OperationalError as exc:
        # libpq adds a hint on a line of its own ("Is the server running…"): one line here.
        reason = "; ".join(line.strip() for line in str(exc.orig).splitlines() if line.strip())
        raise DatabaseError(f"{_describe(config)}: cannot open catalog ({reason})") from None
    if revision is None:
        if config.is_sqlite:
            raise LibraryNotFoundError(
                f"{config.sqlite_path}: catalog has no schema (run `photodesk init`)"
            )
        migrate(database)
    elif revision != head_revision():
        migrate(database)
    return database


def migrate(database: Database) -> None:
    """Upgrade to head; an SQLite catalog is snapshotted to ``.REV.bak`` first, as beets does."""
    engine = database.engine
    config = database.config
    try:
        revision = current_revision(engine)
        if revision == head_revision():
            return
        _refuse_newer(config, revision)
        if revision is not None and config.is_sqlite and config.sqlite_path.exists():
            sqlite_snapshot(config.sqlite_path, config.sqlite_path.with_suffix(f".{revision}.bak"))
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(f"{_describe(config)}: cannot migrate catalog ({exc.orig})") from None


def _refuse_newer(config: LibraryConfig, revision: str | None) -> None:
    """A catalog migrated by a newer photodesk (one machine of a team upgraded first) is
    left alone: this version cannot know what the newer schema needs kept."""
    if revision is None:
        return
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except AlembicCommandError:
        raise DatabaseError(
            f"{_describe(config)}: the catalog was upgraded by a newer photodesk (schema "
            f"{revision}; this one knows up to {head_revision()}): upgrade photodesk here"
        ) from None


def one_writer_at_a_time(session: Session, name: str) -> None:
    """Make transactions that call this with the same name run one after another.

    On SQLite every write transaction already starts with BEGIN IMMEDIATE. On
    PostgreSQL, a transaction-scoped advisory lock taken first, before any row
    is touched, gives the same order: two ingests then never both see a file
    as new, and, holding nothing else while they wait, cannot deadlock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def sqlite_snapshot(path: Path, target: Path) -> None:
    """A consistent copy of a live SQLite catalog, through SQLite's online backup API.

    A file copy would miss pages that are still in the write-ahead log, and
    could catch a writer half-way; the backup API copies what a reader sees.
    """
    source = sqlite3.connect(path)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()


def _describe(config: LibraryConfig) -> str:
    if config.database_url:
        return config.database_url.split("@")[-1]
    return str(config.sqlite_path)
