"""Stored duplicate groups: reading them, and keeping them current as links change.

Pages read a photo's group with one indexed query on ``duplicate_members``
instead of rebuilding every group of the library. Whatever changes a link
(new photos, new paths, new pairs, decisions, edits that change which copy is
best described) calls :func:`refresh_groups` with the photos it touched, in
the caller's transaction; only the components around those photos are
rebuilt (:func:`library.duplicates.builder.build_around`). A full pass
(:func:`rebuild_groups`) replaces them all; :func:`stale_groups` compares the
store with a rebuild for ``verify``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.orm import Session

from library.catalog import search
from library.db.engine import chunked
from library.db.models import DuplicateGroup, DuplicateMember
from library.duplicates import containment
from library.duplicates.builder import (
    LEVELS,
    Group,
    Member,
    build_around,
    build_groups,
    order_groups,
    paths_of,
)
from library.errors import InvalidValueError

_GROUP_COLUMNS = (
    DuplicateGroup.id,
    DuplicateGroup.key,
    DuplicateGroup.level.label("group_level"),
    DuplicateGroup.master_id,
    DuplicateGroup.master_chosen_by,
)
_MEMBER_COLUMNS = (
    DuplicateMember.group_id,
    DuplicateMember.asset_id,
    DuplicateMember.level,
    DuplicateMember.distance,
    DuplicateMember.why,
    DuplicateMember.score,
)


# --- reading -----------------------------------------------------------------------------


def group_of(session: Session, asset_id: int) -> Group | None:
    """The group a photo belongs to, or None."""
    mine = select(DuplicateMember.group_id).where(
        DuplicateMember.asset_id == asset_id, DuplicateMember.level != containment.CONTAINS
    )
    return _one(session, DuplicateGroup.id == mine.scalar_subquery())


def group_by_key(session: Session, key: str) -> Group | None:
    """The group with this id ("g12", "f40"), or None when a change dissolved it."""
    return _one(session, DuplicateGroup.key == key)


def duplicate_groups(
    session: Session, level: str | None = None, limit: int | None = None, after: str | None = None
) -> list[Group]:
    """Stored groups (or those at one level), largest first, then by master.

    With ``limit``, one page: ``after`` is :func:`group_cursor` of the last
    group of the previous page, so a page costs the same wherever it is.
    """
    if level is not None and level not in LEVELS:
        raise InvalidValueError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    query = select(*_GROUP_COLUMNS).order_by(DuplicateGroup.size.desc(), DuplicateGroup.master_id)
    if level is not None:
        query = query.where(DuplicateGroup.level == level)
    if after:
        size, master = _parse_group_cursor(after)
        query = query.where(
            (DuplicateGroup.size < size)
            | ((DuplicateGroup.size == size) & (DuplicateGroup.master_id > master))
        )
    if limit is not None:
        query = query.limit(limit)
    heads = list(session.execute(query))
    members: dict[int, list[Any]] = defaultdict(list)
    listing = select(*_MEMBER_COLUMNS).order_by(DuplicateMember.group_id, DuplicateMember.position)
    if limit is None and after is None:
        if level is not None:
            listing = listing.join(DuplicateGroup).where(DuplicateGroup.level == level)
        rows: Iterable[Any] = session.execute(listing)
    else:
        rows = [
            row
            for chunk in chunked([head.id for head in heads])
            for row in session.execute(listing.where(DuplicateMember.group_id.in_(chunk)))
        ]
    for row in rows:
        members[row.group_id].append(row)
    paths = paths_of(session, [row.asset_id for group in members.values() for row in group])
    return [_group(head, members[head.id], paths) for head in heads]


def group_cursor(group: Group) -> str:
    """Where the next page of :func:`duplicate_groups` starts."""
    return f"{len(group.members)}.{group.master}"


def _parse_group_cursor(after: str) -> tuple[int, int]:
    size, _, master = after.partition(".")
    if not (size.isdigit() and master.isdigit()):
        raise InvalidValueError(f"after: expected SIZE.MASTER, got {after!r}")
    return int(size), int(master)


def masters(session: Session) -> dict[int, int]:
    """photo → the master of its group, for every grouped photo."""
    rows = session.execute(
        select(DuplicateMember.asset_id, DuplicateGroup.master_id)
        .join(DuplicateGroup)
        .where(DuplicateMember.level != containment.CONTAINS)
    )
    return {asset_id: master for asset_id, master in rows}


def _one(session: Session, condition: ColumnElement[bool]) -> Group | None:
    rows = list(
        session.execute(
            select(*_GROUP_COLUMNS, *_MEMBER_COLUMNS[1:])
            .join(DuplicateMember, DuplicateMember.group_id == DuplicateGroup.id)
            .where(condition)
            .order_by(DuplicateMember.position)
        )
    )
    if not rows:
        return None
    paths = paths_of(session, [row.asset_id for row in rows])
    return _group(rows[0], rows, paths)


def _group(head: Any, rows: list[Any], paths: dict[int, list[str]]) -> Group:
    members = [
        Member(r.asset_id, paths.get(r.asset_id, []), r.level, r.distance, r.why, r.score)
        for r in rows
    ]
    return Group(head.key, head.master_id, head.master_chosen_by, head.group_level, members)


# --- writing -----------------------------------------------------------------------------


def refresh_groups(session: Session, asset_ids: Iterable[int]) -> None:
    """Bring the groups of these photos (and all linked to them) up to date.

    Call it after changing anything that links photos, in the same
    transaction: the groups these photos were in and the groups they now
    reach are replaced by the rebuilt components.
    """
    seeds = set(asset_ids)
    if not seeds:
        return
    session.flush()
    start = _reach(session, seeds)
    reached, groups = build_around(session, start, lambda new: _reach(session, new))
    groups = containment.attach(session, groups, containment.links(session, reached))
    _delete_groups(session, _group_ids(session, reached))
    _insert(session, groups)
    # Usages are counted per group: every photo whose group changed is recounted.
    search.refresh_usage_counts(session, reached)


def refresh_if_grouped(session: Session, asset_id: int) -> None:
    """After an edit: the master choice and its explanation read the photo's fields."""
    grouped = session.scalar(
        select(DuplicateMember.asset_id).where(DuplicateMember.asset_id == asset_id)
    )
    if grouped is not None:
        refresh_groups(session, [asset_id])


def rebuild_groups(session: Session, composites: bool = True) -> int:
    """Replace every stored group with a rebuild from the pairs and decisions.

    ``composites=False`` leaves composites out: migration 0004 runs this before the
    table of "contains" links exists (0014).
    """
    session.flush()
    groups = all_groups(session) if composites else build_groups(session)
    session.execute(delete(DuplicateMember))
    session.execute(delete(DuplicateGroup))
    _insert(session, groups)
    search.refresh_usage_counts(session)
    return len(groups)


def all_groups(session: Session) -> list[Group]:
    """Every group rebuilt from scratch, composites listed in the groups of what they show."""
    groups = containment.attach(session, build_groups(session), containment.links(session))
    return order_groups(groups)


def _reach(session: Session, nodes: Collection[int]) -> set[int]:
    """These photos, the photos sharing a stored group with them, and the composites
    showing them or shown by them, repeated until nothing new comes in.

    A composite is listed in several groups, so rebuilding one of them replaces its
    rows in all of them: every photo it shows must be rebuilt too.
    """
    found = set(nodes)
    frontier = set(nodes)
    while frontier:
        more = _grouped_with(session, frontier) | containment.neighbours(session, frontier)
        frontier = more - found
        found |= frontier
    return found


def stale_groups(session: Session) -> list[str]:
    """How the stored groups differ from a rebuild, one line per group (empty when equal)."""
    stored = {g.id: g.to_json() for g in duplicate_groups(session)}
    built = {g.id: g.to_json() for g in all_groups(session)}
    problems = []
    for key in sorted(stored.keys() | built.keys(), key=lambda k: (k[0], int(k[1:]))):
        have, want = stored.get(key), built.get(key)
        if have == want:
            continue
        if have is None:
            assert want is not None
            ids = [m["asset_id"] for m in want["members"]]
            problems.append(f"group {key} is missing (photos {_ids(ids)})")
        elif want is None:
            problems.append(f"group {key} is stored but the links no longer make it")
        else:
            problems.append(f"group {key} differs: {_difference(have, want)}")
    return problems


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _difference(have: dict[str, Any], want: dict[str, Any]) -> str:
    have_ids = [m["asset_id"] for m in have["members"]]
    want_ids = [m["asset_id"] for m in want["members"]]
    if sorted(have_ids) != sorted(want_ids):
        return f"stored photos {_ids(sorted(have_ids))}, expected {_ids(sorted(want_ids))}"
    if have["master"] != want["master"]:
        return f"stored master {have['master']}, expected {want['master']}"
    if have["level"] != want["level"]:
        return f"stored level {have['level']}, expected {want['level']}"
    return "a member's explanation is out of date"


def _grouped_with(session: Session, asset_ids: Collection[int]) -> set[int]:
    """Every photo that shares a stored group with one of these."""
    found: set[int] = set()
    for chunk in chunked(sorted(_group_ids(session, asset_ids))):
        found.update(
            session.scalars(
                select(DuplicateMember.asset_id).where(DuplicateMember.group_id.in_(chunk))
            )
        )
    return found


def _group_ids(session: Session, asset_ids: Collection[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(asset_ids)):
        found.update(
            session.scalars(
                select(DuplicateMember.group_id).where(DuplicateMember.asset_id.in_(chunk))
            )
        )
    return found


def _delete_groups(session: Session, group_ids: Collection[int]) -> None:
    for chunk in chunked(sorted(group_ids)):
        session.execute(delete(DuplicateMember).where(DuplicateMember.group_id.in_(chunk)))
        session.execute(delete(DuplicateGroup).where(DuplicateGroup.id.in_(chunk)))


def _insert(session: Session, groups: list[Group]) -> None:
    if not groups:
        return
    ids = session.scalars(
        insert(DuplicateGroup).returning(DuplicateGroup.id, sort_by_parameter_order=True),
        [
            {
                "key": g.id,
                "level": g.level,
                "master_id": g.master,
                "master_chosen_by": g.master_chosen_by,
                "size": len(g.members),
            }
            for g in groups
        ],
    ).all()
    session.execute(
        insert(DuplicateMember),
        [
            {
                "asset_id": m.asset_id,
                "group_id": group_id,
                "position": position,
                "level": m.level,
                "distance": m.distance,
                "why": m.why,
                "score": m.score,
            }
            for group_id, g in zip(ids, groups, strict=True)
            for position, m in enumerate(g.members)
        ],
    )
