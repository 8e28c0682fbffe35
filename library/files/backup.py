"""Consistent online backups of a library, and restoring them.

The catalog is copied while the library stays in use: SQLite through its
online backup API (a transaction-consistent snapshot), PostgreSQL through
pg_dump. The store is content-addressed and files are never changed once
written, so copying the files the snapshot refers to gives a matching store;
a manifest lists each file with its size and SHA-256 so a restore can be checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy.engine import make_url

from library.catalog.store import open_store
from library.config import DATABASE_FILE, LibraryConfig
from library.db import identity
from library.db.engine import Database, make_engine, sqlite_snapshot
from library.duplicates import saved_index
from library.errors import PhotodeskError

MANIFEST = "manifest.json"
PG_DUMP = "catalog.pgdump"

#: The top folders of the store a backup may restore into.
STORE_FOLDERS = ("originals", "renditions")

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class BackupError(PhotodeskError):
    """A backup could not be written or a restore could not be read."""


@dataclass
class BackupReport:
    destination: Path
    files: int
    bytes: int
    database: str
    #: Store files the catalog names that were not there to copy (`photodesk verify`
    #: lists them): the backup holds everything else.
    missing: int = 0


def backup_library(database: Database, destination: Path) -> BackupReport:
    """Write catalog snapshot + referenced store files + manifest into an empty folder.

    The manifest gives every file's size and SHA-256, the catalog's included,
    so a restore can refuse a backup that was damaged or tampered with.
    """
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
        snapshot = destination / PG_DUMP
        _pg_dump(config.url, snapshot)
        with database.session_scope(write=False) as session:
            referenced = _referenced(session.connection().exec_driver_sql)
        kind = "postgresql"
    store = open_store(database)  # never a folder that is not the catalog's
    files: list[dict[str, object]] = []
    total = missing = 0
    for relative in sorted(referenced):
        source = store.root / relative
        if not source.exists():
            missing += 1  # not a reason to fail a backup, but said
            continue
        target = destination / "store" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        size, digest = _size_and_sha256(target)
        total += size
        files.append({"path": relative, "size": size, "sha256": digest})
    size, digest = _size_and_sha256(snapshot)
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "catalog": {"path": snapshot.name, "size": size, "sha256": digest},
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return BackupReport(destination, len(files), total, kind, missing)


@dataclass(frozen=True)
class _Entry:
    """One file of a backup as its manifest describes it, checked to be safe to read."""

    relative: str
    size: int
    sha256: str


def restore_library(source: Path, config: LibraryConfig) -> BackupReport:
    """Bring a backup back into an empty library folder (or an empty PostgreSQL database).

    The backup is not trusted: every path in the manifest must be a plain
    relative path inside the store, no file or folder in the backup may be a
    symbolic link, and every file must have the size and SHA-256 the manifest
    gives. All of that is checked before anything is written; if a check
    fails, the restore is refused whole and the library is left as it was.
    """
    source = source.resolve()
    manifest = _read_manifest(source)
    kind = manifest["database"]
    if config.sqlite_path.exists() or (
        config.store_root.exists() and any(config.store_root.iterdir())
    ):
        raise BackupError(f"{config.root}: library folder is not empty; restore into a new one")
    if kind == "sqlite" and not config.is_sqlite:
        raise BackupError("a SQLite backup restores into a SQLite library (drop --database-url)")
    if kind == "postgresql" and config.is_sqlite:
        raise BackupError("a PostgreSQL backup needs --database-url to restore into")
    catalog = _catalog_entry(manifest, kind)
    entries = _store_entries(manifest)
    # Everything is read and checked before the first byte is written.
    _check_file(source, catalog)
    for entry in entries:
        _check_file(source / "store", entry)
    written = _Written()
    saved_index.discard(config.root)
    try:
        written.mkdirs(config.store_root)
        total = 0
        for entry in entries:
            target = config.store_root / entry.relative
            written.mkdirs(target.parent)
            _copy_checked(source / "store", entry, target, written)
            total += entry.size
        if kind == "sqlite":
            _copy_checked(source, catalog, config.sqlite_path, written)
        else:
            _pg_restore(config.url, source / catalog.relative)
            restored = Database(config, make_engine(config.url))
            try:
                identity.tie_restored(restored)
            finally:
                restored.dispose()
    except BaseException:
        written.undo()
        raise
    for folder in (config.root, config.store_root):
        if folder in written.folders:  # private, as `init` makes them
            folder.chmod(0o700)
    return BackupReport(config.root, len(entries), total, kind)


def _read_manifest(source: Path) -> dict[str, Any]:
    manifest_path = source / MANIFEST
    if manifest_path.is_symlink() or not manifest_path.is_file():
        raise BackupError(f"{source}: not a photodesk backup (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{manifest_path}: unreadable manifest ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("database") not in ("sqlite", "postgresql")
        or not isinstance(manifest.get("files"), list)
    ):
        raise BackupError(f"{manifest_path}: not a photodesk manifest")
    if "catalog" not in manifest:
        raise BackupError(
            f"{manifest_path}: this backup has no checksums (made by an older photodesk); "
            "make a new backup with `photodesk backup`"
        )
    return manifest


def _catalog_entry(manifest: dict[str, Any], kind: str) -> _Entry:
    entry = _entry(manifest["catalog"], "catalog")
    expected = DATABASE_FILE if kind == "sqlite" else PG_DUMP
    if entry.relative != expected:
        raise BackupError(f"manifest: the catalog must be {expected}, not {entry.relative!r}")
    return entry


def _store_entries(manifest: dict[str, Any]) -> list[_Entry]:
    entries: dict[str, _Entry] = {}
    for number, item in enumerate(manifest["files"], 1):
        entry = _entry(item, f"file {number}")
        parts = _relative_parts(entry.relative)
        if parts[0] not in STORE_FOLDERS or len(parts) < 2:
            raise BackupError(
                f"manifest: {entry.relative!r} is not a stored file "
                f"(expected a path under {' or '.join(STORE_FOLDERS)})"
            )
        entries[entry.relative] = entry
    return list(entries.values())


def _entry(item: object, label: str) -> _Entry:
    if not isinstance(item, dict):
        raise BackupError(f"manifest: {label} is not an object")
    relative, size, digest = item.get("path"), item.get("size"), item.get("sha256")
    if not isinstance(relative, str):
        raise BackupError(f"manifest: {label} has no path")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise BackupError(f"manifest: {relative!r} has no size")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise BackupError(f"manifest: {relative!r} has no SHA-256 checksum")
    _relative_parts(relative)
    return _Entry(relative, size, digest.lower())


def _relative_parts(relative: str) -> tuple[str, ...]:
    """The parts of a plain relative path; anything that could leave its folder is refused."""
    path = PurePosixPath(relative)
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in relative.split("/"))
    ):
        raise BackupError(f"manifest: {relative!r} is not a relative path inside the backup")
    return path.parts


def _check_file(folder: Path, entry: _Entry) -> None:
    """The file exists, is a regular file reached without links, and matches the manifest."""
    size, digest = _read_checked(folder, entry, None)
    if size != entry.size:
        raise BackupError(
            f"{folder / entry.relative}: {size} bytes, the manifest says {entry.size}; "
            "the backup is damaged, nothing was restored"
        )
    if digest != entry.sha256:
        raise BackupError(
            f"{folder / entry.relative}: SHA-256 does not match the manifest; "
            "the backup is damaged, nothing was restored"
        )


def _copy_checked(folder: Path, entry: _Entry, target: Path, written: _Written) -> None:
    """Copy one checked file, checking it again as it is copied (it may have changed since)."""
    temporary = target.with_name(f".{target.name}.restoring")
    written.files.append(temporary)
    with temporary.open("xb") as handle:
        size, digest = _read_checked(folder, entry, handle)
    if size != entry.size or digest != entry.sha256:
        raise BackupError(
            f"{folder / entry.relative}: changed while it was restored; nothing was restored"
        )
    os.replace(temporary, target)
    written.files.append(target)


def _read_checked(folder: Path, entry: _Entry, copy_to: BinaryIO | None) -> tuple[int, str]:
    """Size and SHA-256 of ``folder/entry``, refusing links anywhere below ``folder``."""
    path = folder
    if path.is_symlink():
        raise BackupError(f"{path}: a symbolic link in the backup; refused")
    for part in _relative_parts(entry.relative):
        path = path / part
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise BackupError(
                f"{path}: missing from the backup; the backup is incomplete, nothing was restored"
            ) from None
        if stat.S_ISLNK(info.st_mode):
            raise BackupError(f"{path}: a symbolic link in the backup; refused")
    if not stat.S_ISREG(info.st_mode):
        raise BackupError(f"{path}: not a regular file; refused")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise BackupError(f"{path}: cannot read ({exc.strerror})") from None
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise BackupError(f"{path}: not a regular file; refused")
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
            if copy_to is not None:
                copy_to.write(block)
    return size, digest.hexdigest()


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


class _Written:
    """What a restore created, so a failed restore can take all of it back."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.folders: list[Path] = []

    def mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.folders.append(path)

    def undo(self) -> None:
        for path in reversed(self.files):
            path.unlink(missing_ok=True)
        for path in reversed(self.folders):
            with contextlib.suppress(OSError):  # something else put a file there
                path.rmdir()


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
