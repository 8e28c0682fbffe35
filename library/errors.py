"""Exceptions of the catalog; the CLI and the web app turn them into messages."""

from __future__ import annotations


class PhotodeskError(Exception):
    """Base class: a problem the user can act on, shown as one line."""


class LibraryNotFoundError(PhotodeskError):
    """The library folder has no catalog yet (run `photodesk init`)."""


class LibraryBusyError(PhotodeskError):
    """Another process holds the library's write lock for too long."""


class LibraryMismatchError(PhotodeskError):
    """The library folder is not the one the catalog's photos are stored in."""


class DatabaseError(PhotodeskError):
    """The catalog database cannot be opened or migrated."""


class AssetNotFoundError(PhotodeskError):
    """No photo matches the given id or path."""


class ArticleNotFoundError(PhotodeskError):
    """No article has that id."""


class InvalidValueError(PhotodeskError):
    """A field or option value is not acceptable."""


class VersionConflictError(PhotodeskError):
    """An edit started from a version that someone else has changed since."""

    def __init__(
        self,
        asset_id: int,
        expected: int,
        current: int,
        conflicts: dict[str, tuple[object, object]],
    ):
        self.asset_id = asset_id
        self.expected = expected
        self.current = current
        #: field → (the value the editor wanted to write, the value now stored)
        self.conflicts = conflicts
        super().__init__(
            f"photo {asset_id} was changed by someone else (version {current}, "
            f"your edit started from {expected})"
        )


class ChangeNotFoundError(PhotodeskError):
    """No change with that id exists for this photo."""


class StoreError(PhotodeskError):
    """The file store is missing a file or cannot be written."""


class JobNotFoundError(PhotodeskError):
    """No job has that id."""


class JobCancelledError(PhotodeskError):
    """The job was cancelled; the piece of work at hand is dropped."""


class BrokerError(PhotodeskError):
    """The job broker is not usable: no PostgreSQL catalog, or it cannot be reached."""
