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

from library.db.engine import Database
from library.db.models import Asset, Setting
from library.errors import LibraryMismatchError

#: The file in the library folder, and the catalog setting, that hold the id.
ID_FILE = "library-id"
SETTING = "library-id"

#: A catalog from before the id is adopted by a folder that holds any of its oldest and
#: newest originals, this many of each (a few may be missing from the right folder too).
_SAMPLE = 10

#: The catalog's id by (catalog URL, folder), once this process has checked the pair.
_checked: dict[tuple[str, Path], str] = {}


def check_folder(database: Database) -> None:
    """Refuse a library folder that is not the catalog's (LibraryMismatchError).

    `init` gives a new catalog the id of the folder it made. The first process to
    use a catalog that has none yet (made before ids) gives it the folder's, after
    checking that the folder holds some of the catalog's originals, if it has any.
    """
    config = database.config
    if config.is_sqlite:
        return
    key = (config.url, config.root)
    folder_id = _read(config.root)
    # The folder is read again every time: a share unmounted under a running worker
    # leaves an empty local folder at the same path.
    if key in _checked and folder_id == _checked[key]:
        return
    with database.session_scope() as session:
        stored = session.get(Setting, SETTING)
        if stored is None:
            _must_hold_some(session, database)
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
    if catalog_id is not None:
        _checked[key] = catalog_id


def tie_restored(database: Database) -> None:
    """A backup restored into a new folder and database is a library of its own: both
    get a new id. With the backed-up id, the copy's catalog would accept the original's
    folder (the copy's `verify --repair` would delete the original's newer photos as
    strays), and the original's catalog the copy's folder."""
    config = database.config
    if config.is_sqlite:
        return
    new = secrets.token_hex(16)
    with database.session_scope() as session:
        session.execute(
            insert(Setting)
            .values(key=SETTING, value=new)
            .on_conflict_do_update(index_elements=["key"], set_={"value": new})
        )
    (config.root / ID_FILE).write_text(new + "\n", encoding="ascii")
    _checked.pop((config.url, config.root), None)


def _must_hold_some(session: Session, database: Database) -> None:
    """A catalog with photos is adopted only by a folder that holds some of them."""
    newest = select(Asset.store_path).order_by(Asset.id.desc()).limit(_SAMPLE)
    oldest = select(Asset.store_path).order_by(Asset.id).limit(_SAMPLE)
    paths = set(session.scalars(newest)) | set(session.scalars(oldest))
    store = database.config.store_root
    if paths and not any((store / path).exists() for path in paths if path):
        raise LibraryMismatchError(
            f"{database.config.root}: not this catalog's library folder (none of {len(paths)} "
            f"of its originals is in {store}): mount the team's library folder at this path, "
            "or pass its --library"
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
