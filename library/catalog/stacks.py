"""Duplicate stacks in photo listings: one card per duplicate group, its master first.

A writer choosing a picture wants one card for "the rocket at dawn", not five
copies of it from five agencies. A group is shown once, by its first member in
group order (the master, then the others by id) that matches the listing;
the other members are hidden behind that card and counted on it. When the
master matches, it is the card; when only a copy matches (its caption alone
has the word), the copy stands for the group.

The listing decides what "matches" means (search words, filters); this module
only asks it about the handful of earlier members of the groups on one page,
so stacking costs two small indexed queries per page, whatever the library's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.catalog.groupusages import NOT_SHARED
from library.db.models import DuplicateGroup, DuplicateMember


@dataclass(frozen=True)
class Stack:
    """The duplicate group a card stands for: its key (for the link) and how many photos."""

    key: str
    size: int


@dataclass
class Stacking:
    """What stacking does to one batch of a listing."""

    #: Photos of the batch that an earlier member of their group stands for.
    hidden: set[int]
    #: Photo → its group, for every photo of the batch in a group of two or more.
    stacks: dict[int, Stack]


def stack(
    session: Session, ids: Collection[int], matching: Callable[[set[int]], set[int]]
) -> Stacking:
    """Which of ``ids`` (one batch of a listing) hide behind an earlier member of their group.

    ``matching`` answers which of a few photo ids the listing would show; it
    is only asked about earlier members of the batch's groups.
    """
    if not ids:
        return Stacking(set(), {})
    # A composite listed in a photo's group ("contains") is another picture: it is
    # neither stacked behind the photo nor a reason to stack it.
    groups_here = select(DuplicateMember.group_id).where(
        DuplicateMember.asset_id.in_(list(ids)), DuplicateMember.level.not_in(NOT_SHARED)
    )
    rows = session.execute(
        select(
            DuplicateMember.asset_id,
            DuplicateMember.group_id,
            DuplicateMember.position,
            DuplicateGroup.key,
            DuplicateGroup.size,
        )
        .join(DuplicateGroup, DuplicateGroup.id == DuplicateMember.group_id)
        .where(DuplicateMember.group_id.in_(groups_here), DuplicateMember.level.not_in(NOT_SHARED))
    ).all()
    members: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        members[row.group_id].append(row)
    wanted = set(ids)
    own = [row for row in rows if row.asset_id in wanted]
    stacks = {row.asset_id: Stack(row.key, row.size) for row in own if row.size > 1}
    # Per group, not per pair of members: a page of one large group's copies
    # compared every member with every other (10 ms a batch for 700 copies).
    last_here: dict[int, int] = {}
    for row in own:
        last_here[row.group_id] = max(row.position, last_here.get(row.group_id, -1))
    earlier = {
        other.asset_id
        for group_id, last in last_here.items()
        for other in members[group_id]
        if other.position < last
    }
    if not earlier:
        return Stacking(set(), stacks)
    shown = matching(earlier)
    first_shown: dict[int, int] = {}
    for group_id in last_here:
        positions = [o.position for o in members[group_id] if o.asset_id in shown]
        if positions:
            first_shown[group_id] = min(positions)
    hidden = {
        row.asset_id
        for row in own
        if row.group_id in first_shown and first_shown[row.group_id] < row.position
    }
    return Stacking(hidden, stacks)


def stacks_of(session: Session, ids: Collection[int]) -> dict[int, Stack]:
    """Photo → its group (two or more photos) for these photos; unstacked listings show it too."""
    if not ids:
        return {}
    rows = session.execute(
        select(DuplicateMember.asset_id, DuplicateGroup.key, DuplicateGroup.size)
        .join(DuplicateGroup, DuplicateGroup.id == DuplicateMember.group_id)
        .where(
            DuplicateMember.asset_id.in_(list(ids)),
            DuplicateGroup.size > 1,
            DuplicateMember.level.not_in(NOT_SHARED),
        )
    )
    return {asset_id: Stack(key, size) for asset_id, key, size in rows}
