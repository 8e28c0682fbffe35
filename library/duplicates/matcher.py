"""The near-duplicate matcher: the single consumer of the backlog, with a warm index.

It takes photos in the order they were committed (ingest batches commit one
at a time, so that is the order of their ids) and keeps its Hamming index in
memory between runs, so each run costs the look-ups of the new photos, not a
reload of the catalog's signals. A restarted matcher starts from the backlog.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from library.duplicates import backlog
from library.duplicates.containment import RegionIndex
from library.duplicates.pairs import LookupIndex, SignalIndex, update_pairs
from library.duplicates.saved_index import SavedIndex

#: Photos looked up per transaction when catching up.
CHUNK = 500


class Matcher:
    """The single consumer of the backlog: a warm index, fed in commit order."""

    def __init__(self, root: Path | None = None) -> None:
        #: The library folder, whose saved signal index (`saved_index`) it opens when
        #: it fits: milliseconds, where loading every stored signal takes about a
        #: minute at a million photos, at every start and after anyone else matched.
        self.root = root
        self.index: LookupIndex | None = None
        self.regions = RegionIndex()
        self.generation = -1

    def run(self, session: Session, limit: int | None = None) -> tuple[int, int]:
        """Match up to ``limit`` photos of the backlog; returns (photos matched, pairs found).

        The caller holds the near-duplicates lock for the transaction, so no other
        matcher writes pairs or moves the generation meanwhile.
        """
        ids = backlog.pending(session, limit or CHUNK)
        if not ids:
            return 0, 0
        if self.index is None or self.generation != backlog.generation(session):
            # Cold, or someone else matched photos: every matched photo.
            self.index = self._open(session, set(backlog.pending(session)))
        # In first, so photos of the same run find each other.
        self.index.add_assets(session, ids)
        found = update_pairs(session, ids, self.index, self.regions)
        backlog.mark_matched(session, ids)
        self.generation = backlog.generation(session)
        return len(ids), found

    def _open(self, session: Session, waiting: set[int]) -> LookupIndex:
        saved = None if self.root is None else SavedIndex.open(session, self.root, hide=waiting)
        return saved or SignalIndex(session, exclude=waiting)

    def forget(self) -> None:
        """After a rolled-back run the index may hold photos that are still unmatched."""
        self.index = None
        self.regions = RegionIndex()
        self.generation = -1
