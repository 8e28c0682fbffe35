"""People's duplicate decisions: "not a duplicate" and "master", respected by every rebuild.

Each decision updates the stored groups it affects in the caller's
transaction: a split recomputes only the components around the two photos,
a master choice only the photo's group.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.db.models import Asset, DuplicateDecision, DuplicateMember
from library.duplicates.membership import refresh_groups
from library.errors import AssetNotFoundError, InvalidValueError


def decide_not_duplicate(session: Session, asset_id: int, other_id: int, user: str) -> None:
    """Record that two photos are different: the link between them is cut for good."""
    if asset_id == other_id:
        raise InvalidValueError("a photo cannot be 'not a duplicate' of itself")
    _require(session, [asset_id, other_id])
    a, b = min(asset_id, other_id), max(asset_id, other_id)
    exists = session.scalar(
        select(DuplicateDecision.id).where(
            DuplicateDecision.kind == "not_duplicate",
            DuplicateDecision.asset_id == a,
            DuplicateDecision.other_id == b,
        )
    )
    if exists is None:
        session.add(DuplicateDecision(kind="not_duplicate", asset_id=a, other_id=b, user=user))
        refresh_groups(session, [a, b])


def undo_not_duplicate(session: Session, asset_id: int, other_id: int) -> None:
    """Forget a "not a duplicate" decision: the link counts again."""
    a, b = min(asset_id, other_id), max(asset_id, other_id)
    session.execute(
        delete(DuplicateDecision).where(
            DuplicateDecision.kind == "not_duplicate",
            DuplicateDecision.asset_id == a,
            DuplicateDecision.other_id == b,
        )
    )
    refresh_groups(session, [a, b])


def decide_master(session: Session, asset_id: int, user: str) -> None:
    """Make a photo the master of its group, replacing an earlier choice in that group."""
    _require(session, [asset_id])
    group = select(DuplicateMember.group_id).where(DuplicateMember.asset_id == asset_id)
    members = set(
        session.scalars(
            select(DuplicateMember.asset_id).where(
                DuplicateMember.group_id == group.scalar_subquery()
            )
        )
    )
    members.add(asset_id)
    session.execute(
        delete(DuplicateDecision).where(
            DuplicateDecision.kind == "master", DuplicateDecision.asset_id.in_(sorted(members))
        )
    )
    session.add(DuplicateDecision(kind="master", asset_id=asset_id, user=user))
    refresh_groups(session, [asset_id])


def _require(session: Session, ids: list[int]) -> None:
    found = set(session.scalars(select(Asset.id).where(Asset.id.in_(ids))))
    for asset_id in ids:
        if asset_id not in found:
            raise AssetNotFoundError(f"no photo with id {asset_id}")
