"""People's duplicate decisions: "not a duplicate" and "master", respected by every rebuild.

Each decision updates the stored groups it affects in the caller's
transaction: a split recomputes only the components around the two photos,
a master choice only the photo's group. Every decision is kept with who made
it and when, and can be undone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import Asset, DuplicateDecision
from library.duplicates.membership import group_of, refresh_groups
from library.duplicates.wording import PhotoFacts, file_size
from library.errors import AssetNotFoundError, InvalidValueError


@dataclass
class Split:
    """Where a "not a duplicate" decision left the two photos.

    ``holding`` names the photos of the other's former group that are still
    grouped with ``asset_id`` (it resembles them more than they resemble the
    other): marking those too leaves ``asset_id`` out of them all.
    """

    asset_id: int
    other_id: int
    asset_group: str | None
    other_group: str | None
    holding: list[int] = field(default_factory=list)


def decide_not_duplicate(session: Session, asset_id: int, other_id: int, user: str) -> Split:
    """Record that two photos are different: they never share a group again.

    Whatever path linked them, the group splits (see
    :func:`library.duplicates.builder.components`).
    """
    return decide_apart(session, asset_id, [other_id], user)


def decide_apart(session: Session, asset_id: int, others: Iterable[int], user: str) -> Split:
    """Record that ``asset_id`` is a different photo from each of ``others``."""
    others = sorted(set(others))
    if not others:
        raise InvalidValueError("name at least one other photo")
    if asset_id in others:
        raise InvalidValueError("a photo cannot be 'not a duplicate' of itself")
    _require(session, [asset_id, *others])
    before = group_of(session, others[0])
    former = {m.asset_id for m in before.members} if before else set()
    for other_id in others:
        _record_apart(session, asset_id, other_id, user)
    refresh_groups(session, [asset_id, *others])
    mine, theirs = group_of(session, asset_id), group_of(session, others[0])
    holding = sorted({m.asset_id for m in mine.members} & former - {asset_id}) if mine else []
    return Split(
        asset_id,
        others[0],
        mine.id if mine else None,
        theirs.id if theirs else None,
        holding,
    )


def _record_apart(session: Session, asset_id: int, other_id: int, user: str) -> None:
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
        session.flush()


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
    """Make a photo the master of its group.

    Earlier choices stay on record: the latest one in a group wins, and
    undoing it brings back the one before.
    """
    _require(session, [asset_id])
    session.add(DuplicateDecision(kind="master", asset_id=asset_id, user=user))
    refresh_groups(session, [asset_id])


def _require(session: Session, ids: list[int]) -> None:
    found = set(session.scalars(select(Asset.id).where(Asset.id.in_(ids))))
    for asset_id in ids:
        if asset_id not in found:
            raise AssetNotFoundError(f"no photo with id {asset_id}")


def decisions_about(session: Session, asset_ids: Iterable[int]) -> list[DuplicateDecision]:
    """Every decision naming one of these photos, newest first: a group's history."""
    found: dict[int, DuplicateDecision] = {}
    for chunk in chunked(sorted(set(asset_ids))):
        rows = session.scalars(
            select(DuplicateDecision).where(
                or_(DuplicateDecision.asset_id.in_(chunk), DuplicateDecision.other_id.in_(chunk))
            )
        )
        found.update({row.id: row for row in rows})
    return sorted(found.values(), key=lambda d: (d.decided_at, d.id), reverse=True)


def undo_decision(session: Session, decision_id: int) -> DuplicateDecision:
    """Forget one decision; the groups it shaped are rebuilt without it."""
    decision = session.get(DuplicateDecision, decision_id)
    if decision is None:
        raise InvalidValueError(f"no duplicate decision {decision_id} (already undone?)")
    touched = [decision.asset_id] + ([decision.other_id] if decision.other_id else [])
    session.delete(decision)
    session.flush()
    refresh_groups(session, touched)
    return decision


def master_warning(session: Session, asset_id: int) -> str | None:
    """A question to ask before making a much smaller or lower-quality copy the master."""
    group = group_of(session, asset_id)
    if group is None:
        return None
    ids = [m.asset_id for m in group.members]
    sizes = [
        PhotoFacts(row.id, row.width, row.height, row.file_size, row.format)
        for row in session.execute(
            select(Asset.id, Asset.width, Asset.height, Asset.file_size, Asset.format).where(
                Asset.id.in_(ids)
            )
        )
    ]
    return master_question(sizes, asset_id)


def master_question(members: Sequence[PhotoFacts], asset_id: int) -> str | None:
    """The question for making ``asset_id`` master among these members, or None when it
    is as good as the group's best: the largest by pixels, or at the same size, the
    one with the most bytes."""
    mine = next(m for m in members if m.id == asset_id)
    best = max(members, key=lambda m: (m.width * m.height, m.file_size, -m.id))
    if best.id == asset_id:
        return None
    pixels, best_pixels = mine.width * mine.height, best.width * best.height
    if pixels < 0.5 * best_pixels:
        return (
            f"The original #{best.id} is {_mp(best_pixels)}; "
            f"make the {_mp(pixels)} copy #{asset_id} the master?"
        )
    if pixels >= 0.9 * best_pixels and mine.file_size < 0.5 * best.file_size:
        return (
            f"#{best.id} is a {file_size(best.file_size)} file of the same size; make the "
            f"re-saved {file_size(mine.file_size)} copy #{asset_id} the master?"
        )
    return None


def _mp(pixels: int) -> str:
    mp = pixels / 1e6
    return f"{mp:.1f} MP" if mp < 10 else f"{mp:.0f} MP"
