"""The id that ties a catalog on a database server to its library folder.

A team's catalog is in PostgreSQL and its originals are in a library folder that
every machine mounts at the same path. A machine that gets the path wrong (the
share not mounted, a typo in --library) would otherwise write the photos it
ingests into a local folder of that name, where no other machine finds them, and
report success. So the folder holds a file with an id that the catalog keeps
too, and a process checks that the two agree before it uses the store.

An SQLite catalog lives inside its folder, so it needs no such check.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from library.catalog.store import Store
from library.db.engine import Database
from library.db.models import Asset, Setting
from library.errors import LibraryMismatchError

#: The file in the library folder, and the catalog setting, that hold the id.
ID_FILE = "library-id"
SETTING = "library-id"

#: A catalog from before the id is adopted by a folder that holds its newest photos.
_SAMPLE = 5

#: (catalog URL, folder) pairs this process has checked.
_checked: set[tuple[str, Path]] = set()


def open_store(database: Database) -> Store:
    """The library's store, once the folder is known to be this catalog's."""
    check_folder(database)
    return Store(database.config.store_root)


def check_folder(database: Database) -> None:
    """Refuse a library folder that is not the catalog's (LibraryMismatchError).

    The first process to use a catalog that has no id yet (made before ids, or
    never opened with a folder) gives it the folder's, after checking that the
    folder holds the catalog's newest originals, if it has any.
    """
    config = database.config
    if config.is_sqlite:
        return
    key = (config.url, config.root)
    if key in _checked:
        return
    folder_id = _read(config.root)
    with database.session_scope() as session:
        stored = session.get(Setting, SETTING)
        if stored is None:
            _must_hold_newest(session, database)
            if folder_id is None:
                folder_id = _create(config.root)
            session.execute(
                insert(Setting)
                .values(key=SETTING, value=folder_id)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            stored = session.get(Setting, SETTING, populate_existing=True)
        catalog_id = stored.value if stored is not None else None
    if folder_id != catalog_id:
        found = f"its {ID_FILE} is {folder_id}" if folder_id else f"no {ID_FILE} file there"
        raise LibraryMismatchError(
            f"{config.root}: not this catalog's library folder ({found}; the catalog's "
            f"folder has {catalog_id}): mount the team's library folder at this path, or "
            "pass its --library"
        )
    _checked.add(key)


def tie_restored(database: Database) -> None:
    """A backup restored into a new folder: that folder is now the catalog's, so it
    takes the id the restored catalog keeps."""
    config = database.config
    if config.is_sqlite:
        return
    with database.session_scope(write=False) as session:
        stored = session.get(Setting, SETTING)
    if stored is not None:
        (config.root / ID_FILE).write_text(stored.value + "\n", encoding="ascii")
    _checked.discard((config.url, config.root))


def _must_hold_newest(session: Session, database: Database) -> None:
    """A catalog with photos is adopted only by a folder that holds some of its newest."""
    rows = session.execute(select(Asset.store_path).order_by(Asset.id.desc()).limit(_SAMPLE)).all()
    if not rows:
        return
    store = Store(database.config.store_root)
    if not any(store.exists(path) for (path,) in rows if path):
        raise LibraryMismatchError(
            f"{database.config.root}: not this catalog's library folder (none of its "
            f"{len(rows)} newest originals is in {database.config.store_root}): mount the "
            "team's library folder at this path, or pass its --library"
        )


def _read(root: Path) -> str | None:
    try:
        return (root / ID_FILE).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryMismatchError(f"{root / ID_FILE}: cannot be read ({exc})") from None


def _create(root: Path) -> str:
    """Write a new id unless another process just did; the file's id either way."""
    new = secrets.token_hex(16)
    try:
        root.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(root / ID_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return _read(root) or new
    except OSError as exc:
        raise LibraryMismatchError(f"{root / ID_FILE}: cannot be written ({exc})") from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(new + "\n")
    return new
