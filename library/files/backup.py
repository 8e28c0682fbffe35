"""Consistent online backups of a library, and restoring them.

The catalog is copied while the library stays in use: SQLite through its
online backup API (a transaction-consistent snapshot), PostgreSQL through
pg_dump. The store is content-addressed and files are never changed once
written, so copying the files the snapshot refers to gives a matching store;
a manifest lists each file with its size so a restore can be checked.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from library.catalog.store import Store
from library.config import DATABASE_FILE, LibraryConfig
from library.db.engine import Database, sqlite_snapshot
from library.errors import PhotodeskError

MANIFEST = "manifest.json"
PG_DUMP = "catalog.pgdump"


class BackupError(PhotodeskError):
    """A backup could not be written or a restore could not be read."""


@dataclass
class BackupReport:
    destination: Path
    files: int
    bytes: int
    database: str


def backup_library(database: Database, destination: Path) -> BackupReport:
    """Write catalog snapshot + referenced store files + manifest into an empty folder."""
    config = database.config
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination}: backup folder is not empty")
    destination.mkdir(parents=True, exist_ok=True)
    if config.is_sqlite:
        snapshot = destination / DATABASE_FILE
        sqlite_snapshot(config.sqlite_path, snapshot)
        referenced = _referenced_sqlite(snapshot)
        kind = "sqlite"
    else:
        dump = destination / PG_DUMP
        _pg_dump(config.url, dump)
        with database.session_scope(write=False) as session:
            referenced = _referenced(session.connection().exec_driver_sql)
        kind = "postgresql"
    store = Store(config.store_root)
    files: list[dict[str, object]] = []
    total = 0
    for relative in sorted(referenced):
        source = store.root / relative
        if not source.exists():
            continue  # reported by `photodesk verify`, not a reason to fail a backup
        target = destination / "store" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        size = target.stat().st_size
        total += size
        files.append({"path": relative, "size": size})
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return BackupReport(destination, len(files), total, kind)


def restore_library(source: Path, config: LibraryConfig) -> BackupReport:
    """Bring a backup back into an empty library folder (or an empty PostgreSQL database)."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source}: not a photodesk backup (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{manifest_path}: unreadable manifest ({exc})") from None
    if config.sqlite_path.exists() or (
        config.store_root.exists() and any(config.store_root.iterdir())
    ):
        raise BackupError(f"{config.root}: library folder is not empty; restore into a new one")
    missing = [f["path"] for f in manifest["files"] if not (source / "store" / f["path"]).is_file()]
    if missing:
        raise BackupError(f"{source}: backup is incomplete ({len(missing)} store files missing)")
    config.root.mkdir(parents=True, exist_ok=True)
    if manifest["database"] == "sqlite":
        if not config.is_sqlite:
            raise BackupError(
                "a SQLite backup restores into a SQLite library (drop --database-url)"
            )
        shutil.copy2(source / DATABASE_FILE, config.sqlite_path)
    else:
        if config.is_sqlite:
            raise BackupError("a PostgreSQL backup needs --database-url to restore into")
        _pg_restore(config.url, source / PG_DUMP)
    total = 0
    for entry in manifest["files"]:
        target = config.store_root / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "store" / entry["path"], target)
        total += int(entry["size"])
    return BackupReport(config.root, len(manifest["files"]), total, manifest["database"])


def _referenced_sqlite(snapshot: Path) -> set[str]:
    connection = sqlite3.connect(snapshot)
    try:
        return _referenced(connection.execute)
    finally:
        connection.close()


def _referenced(execute: object) -> set[str]:
    rows: set[str] = set()
    for query in ("SELECT store_path FROM assets", "SELECT store_path FROM renditions"):
        rows.update(r[0] for r in execute(query))  # type: ignore[operator]
    return rows


def _pg_args(url: str) -> list[str]:
    parsed = make_url(url.replace("postgresql+psycopg://", "postgresql://"))
    args = []
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    args += ["-d", parsed.database or "postgres"]
    return args


def _pg_env(url: str) -> dict[str, str]:
    parsed = make_url(url.replace("postgresql+psycopg://", "postgresql://"))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return env


def _pg_dump(url: str, target: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "-f", str(target), *_pg_args(url)], url)


def _pg_restore(url: str, dump: Path) -> None:
    _run(["pg_restore", "--no-owner", "--exit-on-error", *_pg_args(url), str(dump)], url)


def _run(command: list[str], url: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=_pg_env(url))
    except FileNotFoundError:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client") from None
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{command[0]}: {message}")
