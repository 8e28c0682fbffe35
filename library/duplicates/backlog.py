"""Photos not yet looked up for near-duplicates.

A photo enters the backlog in the transaction that catalogs it and leaves it
in the transaction that stores its pairs, so a crash between the two leaves
it there: `verify` reports it, and the matcher (matcher.py) catches up. The
generation in ``matcher_state`` moves on whenever photos are matched, so a
matcher that keeps its index in memory knows when someone else matched some.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import BigInteger, delete, func, insert, literal, select, union, update
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import MatchedAsset, MatcherState, NearDuplicateBacklog, utcnow


def add(session: Session, asset_ids: Iterable[int]) -> None:
    """Put newly cataloged photos in the backlog (in the transaction that catalogs them)."""
    rows = [{"asset_id": asset_id, "added_at": utcnow()} for asset_id in sorted(set(asset_ids))]
    if rows:
        session.execute(insert(NearDuplicateBacklog), rows)


def pending(session: Session, limit: int | None = None) -> list[int]:
    """Photos still to be matched, in commit order."""
    query = select(NearDuplicateBacklog.asset_id).order_by(NearDuplicateBacklog.asset_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(NearDuplicateBacklog)) or 0


def mark_matched(session: Session, asset_ids: Sequence[int]) -> None:
    """These photos' pairs are stored: out of the backlog, and the generation moves on."""
    ids = sorted(set(asset_ids))
    for chunk in chunked(ids):
        session.execute(
            delete(NearDuplicateBacklog).where(NearDuplicateBacklog.asset_id.in_(chunk))
        )
    _record(session, ids, bump(session))


def clear(session: Session) -> None:
    """A full pass matched every photo (after a bulk ingest, maybe millions: set-based)."""
    generation = bump(session)
    waiting = select(NearDuplicateBacklog.asset_id)
    session.execute(delete(MatchedAsset).where(MatchedAsset.asset_id.in_(waiting)))
    session.execute(
        insert(MatchedAsset).from_select(
            ["asset_id", "generation"],
            select(NearDuplicateBacklog.asset_id, literal(generation, BigInteger)),
        )
    )
    session.execute(delete(NearDuplicateBacklog))


def _record(session: Session, asset_ids: list[int], generation: int) -> None:
    """Note the generation that matched these photos, for saved indexes built before it.

    A photo leaves the backlog only here, and enters it whenever its signals are
    written, so a photo whose signals changed after generation G is pending or has a
    row above G.
    """
    for chunk in chunked(asset_ids):
        session.execute(delete(MatchedAsset).where(MatchedAsset.asset_id.in_(chunk)))
        session.execute(
            insert(MatchedAsset),
            [{"asset_id": asset_id, "generation": generation} for asset_id in chunk],
        )


def changed_since(session: Session, generation: int) -> list[int]:
    """Photos whose signals may have changed after ``generation``: matched since, or pending."""
    query = union(
        select(MatchedAsset.asset_id).where(MatchedAsset.generation > generation),
        select(NearDuplicateBacklog.asset_id),
    )
    return sorted(session.scalars(query))


def bump(session: Session) -> int:
    """Move the generation on (and return the new one)."""
    done = session.execute(
        update(MatcherState)
        .where(MatcherState.id == 1)
        .values(generation=MatcherState.generation + 1)
    )
    if not getattr(done, "rowcount", 0):
        session.add(MatcherState(id=1, generation=1))
        session.flush()
    return generation(session)


def generation(session: Session) -> int:
    return session.scalar(select(MatcherState.generation).where(MatcherState.id == 1)) or 0
