"""`check`: is a file that is not in the library already there in some form, and where did it run?

A writer holding a photo from a wire or a reader wants one answer: the
catalog photos it duplicates (identical, same pixels or near) and every
article each of those appeared in. The file is analysed but never added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from assets.analysis import analyze_file
from library.catalog import queries, records
from library.db.models import Asset
from library.duplicates import saved_index
from library.duplicates.lookup import CatalogLookup
from library.duplicates.pairs import CheckMatch, SignalIndex, matches_for
from library.duplicates.saved_index import SavedIndex

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class FileCheck:
    """One checked file: its matches with their usages, or why it could not be read."""

    path: str
    error: str | None = None
    matches: list[tuple[CheckMatch, list[dict[str, Any]]]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "matches": [{**vars(match), "usages": used} for match, used in self.matches],
        }
        if self.error:
            data["error"] = self.error
        return data


def check_files(
    session: Session, paths: Iterable[str], root: Path | None = None
) -> list[FileCheck]:
    """Check each file; a file that cannot be read gets its reason and the rest go on.

    Candidates come from the library's saved index when ``root`` has one (a few
    milliseconds at a million photos). A library too small to have one (`BUILD_FROM`)
    is loaded whole, which costs less than the catalog's substring indexes: those take
    some 64,000 probes, about 200 ms, whatever the library's size; a large library whose
    saved index is missing or stale is asked through them. All three give the same
    candidates (saved_index.py, lookup.py, pairs.SignalIndex).
    """
    results: list[FileCheck] = []
    lookup: SavedIndex | CatalogLookup | SignalIndex | None = None
    if root is not None:
        lookup = SavedIndex.open(session, root)
    if lookup is None:
        photos = session.scalar(select(func.count()).select_from(Asset)) or 0
        small = photos < saved_index.BUILD_FROM
        lookup = SignalIndex(session) if small else CatalogLookup(session)
    for path in paths:
        # The file is not stored, so its renditions are not made (a third of the work).
        analysis = analyze_file(path, render=False)
        if analysis.error:
            results.append(FileCheck(path, error=analysis.error))
            continue
        result = FileCheck(path)
        for match in matches_for(session, analysis, lookup):
            used = [
                records.usage_record(u, a) for u, a in queries.group_usages(session, match.asset_id)
            ]
            result.matches.append((match, used))
        results.append(result)
    return results
