"""Where a library lives: its folder, its database URL and its settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from library.errors import InvalidValueError

#: Used when neither --library nor PHOTODESK_LIBRARY is given.
DEFAULT_LIBRARY = Path("~/.local/share/photodesk/library")

#: URL schemes a catalog may have (psycopg 3 drives PostgreSQL).
CATALOG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "sqlite")

DATABASE_FILE = "catalog.sqlite3"
STORE_DIR = "store"


@dataclass(frozen=True)
class LibraryConfig:
    """A library: the folder holds the store (and the SQLite file unless a URL is given)."""

    root: Path
    database_url: str | None = None

    @property
    def store_root(self) -> Path:
        return self.root / STORE_DIR

    @property
    def sqlite_path(self) -> Path:
        """The SQLite catalog: in the library folder, or the file a ``sqlite:///`` URL
        names (relative to the working folder, as SQLite opens it). Snapshots before a
        migration and backups copy this file, so it must be the one the URL opens."""
        if self.database_url and self.database_url.lower().startswith("sqlite"):
            try:
                named = make_url(self.database_url).database
            except ArgumentError:
                named = None  # SQLAlchemy refuses it with its own message when it opens
            if named and named != ":memory:":
                return Path(named).expanduser().resolve()
        return self.root / DATABASE_FILE

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


def resolve_config(
    library: str | os.PathLike[str] | None, database_url: str | None
) -> LibraryConfig:
    """Options first, then PHOTODESK_LIBRARY / PHOTODESK_DATABASE_URL, then the default."""
    root = library or os.environ.get("PHOTODESK_LIBRARY") or DEFAULT_LIBRARY
    url = database_url or os.environ.get("PHOTODESK_DATABASE_URL") or None
    if url is not None:
        scheme = url.split("://", 1)[0]
        if "://" not in url or scheme.lower() not in CATALOG_SCHEMES:
            shown = f"{scheme}://…" if "://" in url else repr(url[:40])
            raise InvalidValueError(
                f"database URL {shown}: the catalog is PostgreSQL "
                "(postgresql://user@host/database) or, with no URL, SQLite in the library folder"
            )
    return LibraryConfig(Path(root).expanduser().resolve(), url)
