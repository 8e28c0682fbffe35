"""The content-addressed file store beside the catalog: originals and renditions.

Files are named by the SHA-256 of the original, so writing the same photo
twice lands on the same name, and a run interrupted after writing files but
before committing rows leaves files that the next run simply rewrites (or
that `photodesk verify --repair` removes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from library.db import identity
from library.db.engine import Database
from library.errors import StoreError


class Store:
    """Paths are relative to the store root, so a library folder can be moved."""

    def __init__(self, root: Path):
        self.root = root
        #: Folders this object made or found, so each file costs no mkdir calls
        #: (a fresh folder is made once; a vanished one is made again, see _folder).
        self._folders: set[Path] = set()

    def original_path(self, sha256: str, suffix: str) -> str:
        return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix.lower()}"

    def rendition_path(self, sha256: str, kind: str) -> str:
        return f"renditions/{sha256[:2]}/{sha256[2:4]}/{sha256}-{kind}.jpg"

    def absolute(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StoreError(f"{relative}: outside the store")
        return path

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def write_bytes(self, relative: str, data: bytes) -> bool:
        """Write atomically; returns False when an identical file was already there."""
        target = self.root / relative
        if target.exists() and target.stat().st_size == len(data):
            return False
        self._atomic_write(target, lambda handle: handle.write(data))
        return True

    def add_original(self, relative: str, source: Path, link: bool = False) -> bool:
        """Copy (or, with ``link``, hard-link or else symlink) a file into the store."""
        target = self.root / relative
        if target.exists() or target.is_symlink():
            return False
        if link:
            self._folder(target.parent)
            tmp = self._tmp_name(target)
            try:
                os.link(source, tmp)
            except OSError:
                os.symlink(source.resolve(), tmp)
            os.replace(tmp, target)
            return True

        def copy(handle: object) -> None:
            with open(source, "rb") as src:
                shutil.copyfileobj(src, handle)  # type: ignore[arg-type]

        self._atomic_write(target, copy)
        return True

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def walk(self) -> Iterator[str]:
        """Every stored file, relative to the root (temporary files excluded)."""
        for top in ("originals", "renditions"):
            base = self.root / top
            if not base.is_dir():
                continue
            for dirpath, _dirs, files in os.walk(base):
                for name in files:
                    if name.startswith(".tmp-"):
                        continue
                    yield str((Path(dirpath) / name).relative_to(self.root))

    def stray_temporaries(self) -> list[Path]:
        """Half-written files left by a killed process."""
        if not self.tmp_dir.is_dir():
            return []
        return [p for p in self.tmp_dir.iterdir() if p.is_file() or p.is_symlink()]

    def sweep_temporaries(self) -> int:
        """Delete half-written files whose writer process is gone (killed mid-write)."""
        removed = 0
        for path in self.stray_temporaries():
            parts = path.name.split("-")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
            if pid is not None and _alive(pid):
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def size(self) -> int:
        total = 0
        for relative in self.walk():
            try:
                total += (self.root / relative).stat().st_size
            except OSError:
                continue
        return total

    @property
    def tmp_dir(self) -> Path:
        """Half-written files live here (same filesystem, so the final rename is atomic)."""
        return self.root / "tmp"

    def _tmp_name(self, target: Path) -> Path:
        self._folder(self.tmp_dir)
        return self.tmp_dir / f".tmp-{os.getpid()}-{target.name}"

    def _folder(self, folder: Path, again: bool = False) -> None:
        """Make sure a folder exists; after the first time, only when ``again`` (it vanished).

        Folders are made below the store's own folder, never the store folder itself:
        when a team's share is unmounted under a running worker, its mount point is an
        empty local folder, and the worker must fail rather than store photos there.
        """
        if again or folder not in self._folders:
            current = self.root
            try:
                for part in folder.relative_to(self.root).parts:
                    current = current / part
                    with contextlib.suppress(FileExistsError):
                        current.mkdir()
            except FileNotFoundError:
                if not self.root.is_dir():
                    raise StoreError(
                        f"{self.root}: the store folder is missing (is the library's share "
                        "mounted?)"
                    ) from None
                raise
            self._folders.add(folder)

    def _atomic_write(self, target: Path, writer: object, durable: bool = False) -> None:
        """Write to store/tmp, then rename into place: readers never see half a file.

        Not fsynced by default: a killed process cannot lose a renamed file, and
        after a power cut `photodesk verify --repair` restores an original from
        the known path it was copied from (ingest copies, it never moves).
        """
        try:
            self._folder(target.parent)
            self._folder(self.tmp_dir)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.getpid()}-", dir=self.tmp_dir)
            except FileNotFoundError:  # someone removed the folder meanwhile
                self._folder(self.tmp_dir, again=True)
                fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.getpid()}-", dir=self.tmp_dir)
            try:
                with os.fdopen(fd, "wb") as handle:
                    writer(handle)  # type: ignore[operator]
                    if durable:
                        handle.flush()
                        os.fsync(handle.fileno())
                try:
                    os.replace(tmp, target)
                except FileNotFoundError:
                    self._folder(target.parent, again=True)
                    os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"{target}: cannot write to store ({exc.strerror})") from None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_store(database: Database) -> Store:
    """The library's store, once its folder is known to be the catalog's
    (:mod:`library.db.identity`): a team machine with the wrong folder stores nothing."""
    identity.check_folder(database)
    return Store(database.config.store_root)
