"""Usages per duplicate group: where a picture ran, whichever copy the article used.

A writer asking "has this run before?" means the picture, not the file: a
recompressed copy of a photo that ran in eight articles has run in eight
articles. Every member of a stored duplicate group (``duplicate_members``)
therefore shares the usages of the whole group, each usage still naming the
member that was published. Members that only *contain* the photo (a
composite such as a collage or a page screenshot, level ``contains``) do not
share: they are other pictures.

The catalog reads the stored group rows directly, so this needs nothing from
``library.duplicates``, which keeps the rows current.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import DuplicateMember, Usage

#: Member levels that are another picture holding this one, not a copy of it.
NOT_SHARED = ("contains",)


def group_mates(session: Session, asset_ids: Iterable[int]) -> dict[int, list[int]]:
    """photo → the photos whose usages it shares: its group's copies and itself, sorted."""
    ids = sorted(set(asset_ids))
    mates: dict[int, set[int]] = {i: {i} for i in ids}
    group_of: dict[int, int] = {}
    for chunk in chunked(ids):
        rows = session.execute(
            select(DuplicateMember.asset_id, DuplicateMember.group_id).where(
                DuplicateMember.asset_id.in_(chunk), DuplicateMember.level.not_in(NOT_SHARED)
            )
        )
        group_of.update({asset_id: group_id for asset_id, group_id in rows})
    members: dict[int, set[int]] = defaultdict(set)
    for chunk in chunked(sorted(set(group_of.values()))):
        rows = session.execute(
            select(DuplicateMember.group_id, DuplicateMember.asset_id).where(
                DuplicateMember.group_id.in_(chunk), DuplicateMember.level.not_in(NOT_SHARED)
            )
        )
        for group_id, asset_id in rows:
            members[group_id].add(asset_id)
    for asset_id, group_id in group_of.items():
        mates[asset_id] |= members[group_id]
    return {asset_id: sorted(found) for asset_id, found in mates.items()}


def group_article_counts(session: Session, asset_ids: Iterable[int]) -> dict[int, int]:
    """photo → how many distinct articles ran it or a copy of it (0 when none)."""
    mates = group_mates(session, asset_ids)
    everyone = sorted({m for found in mates.values() for m in found})
    articles: dict[int, set[int]] = defaultdict(set)
    for chunk in chunked(everyone):
        rows = session.execute(
            select(Usage.asset_id, Usage.article_id).where(Usage.asset_id.in_(chunk)).distinct()
        )
        for asset_id, article_id in rows:
            if asset_id is not None:
                articles[asset_id].add(article_id)
    return {
        asset_id: len(set().union(*(articles[m] for m in found)))
        for asset_id, found in mates.items()
    }
