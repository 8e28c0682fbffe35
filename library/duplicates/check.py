"""`check`: is a file that is not in the library already there in some form, and where did it run?

A writer holding a photo from a wire or a reader wants one answer: the
catalog photos it duplicates (identical, same pixels or near) and every
article each of those appeared in. The file is analysed but never added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assets.analysis import analyze_file
from library.catalog import queries, records
from library.duplicates.lookup import CatalogLookup
from library.duplicates.pairs import CheckMatch, matches_for

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


def check_files(session: Session, paths: Iterable[str]) -> list[FileCheck]:
    """Check each file; a file that cannot be read gets its reason and the rest go on."""
    results: list[FileCheck] = []
    # Indexed look-ups in the catalog: a check at a million photos costs about a
    # second, where loading the Hamming index cost minutes (see lookup.py).
    lookup = CatalogLookup(session)
    for path in paths:
        analysis = analyze_file(path)
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
