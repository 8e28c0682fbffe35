"""Building duplicate groups from scratch: the reference the stored groups must equal.

A group is a part of the duplicate graph held together by its original. Its edges are:

* same pixels: photos sharing a content digest, each linked to the lowest id
  of its digest (a star, so a decision about one copy cuts only that link);
* near: the verified pairs in ``duplicate_pairs``.

A "not a duplicate" decision keeps its two photos apart whatever path links
them: components are joined strongest link first (same pixels, then near
pairs by distance), and a link that would put two refused photos in one
group is skipped. A member linked to both sides goes with its stronger link.
Two groups join only through their originals (see :func:`components`), so one
wrong link, such as two screenshots of one page template, cannot merge the
photos on either side of it. A photo
outside every component whose bytes were found at several paths forms an
"identical" group of its own (one asset, several files). The master is the
photo someone chose last, else :func:`suggest_master`; every other member is
explained relative to the master, or through its closest link.

:func:`build_groups` runs over the whole library (``verify --repair`` and the
tests). :func:`build_around` rebuilds only the components that hold some given
photos, which is how :mod:`library.duplicates.membership` keeps the stored
groups current. Both use the same edge, master and explanation rules, so the
incremental result equals a rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import (
    EDITABLE_FIELDS,
    Asset,
    AssetPath,
    DuplicateDecision,
    DuplicatePair,
)

#: Group and member levels, strongest first; "contains" is a composite listed in the
#: group of a photo it shows (library/duplicates/containment.py), never a copy.
LEVELS = ("identical", "pixels", "near", "contains")
_LOSSLESS = {"tiff": 3, "png": 3, "heic": 2, "jpeg": 2, "webp": 2, "gif": 1}

Pair = tuple[int, int]


class Edge(NamedTuple):
    """Why two photos are linked: the kind of link and its evidence."""

    kind: str  # "pixels" or "near"
    distance: int | None
    why: str
    score: float | None


@dataclass
class Member:
    asset_id: int
    paths: list[str]
    level: str  # "master", "identical", "pixels", "near" or "contains"
    distance: int | None
    why: str
    score: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "paths": self.paths,
            "level": self.level,
            "distance": self.distance,
            "why": self.why,
            "score": self.score,
        }


@dataclass
class Group:
    id: str
    master: int
    master_chosen_by: str | None
    level: str
    members: list[Member] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "master": self.master,
            "master_chosen_by": self.master_chosen_by,
            "level": self.level,
            "members": [m.to_json() for m in self.members],
        }


def order_groups(groups: list[Group]) -> list[Group]:
    """Largest groups first, then by master: the order every listing shows."""
    return sorted(groups, key=lambda g: (-len(g.members), g.master))


# --- edges -------------------------------------------------------------------------------


def _pixel_why(digest: str) -> str:
    return f"same pixels: content digest {digest[:18]}… matches, metadata differs"


def _near_why(pair: DuplicatePair) -> str:
    return (
        f"near-duplicate: {pair.signal} at Hamming distance {pair.distance}; "
        f"verified by {pair.method} (score {pair.score:.3f}): {pair.detail}"
    )


def _star(ids: list[int], digest: str, edges: dict[Pair, Edge]) -> None:
    ids.sort()
    for other in ids[1:]:
        edges[(ids[0], other)] = Edge("pixels", 0, _pixel_why(digest), 1.0)


def _add_near(pairs: Iterable[DuplicatePair], edges: dict[Pair, Edge]) -> None:
    # Same pixels is the stronger link: a near pair never replaces it.
    for pair in pairs:
        key = (pair.asset_a, pair.asset_b)
        if key not in edges:
            edges[key] = Edge("near", pair.distance, _near_why(pair), pair.score)


def refused_pairs(session: Session, around: Collection[int] | None = None) -> set[Pair]:
    """The "not a duplicate" decisions, each as (lower id, higher id)."""
    query = select(DuplicateDecision.asset_id, DuplicateDecision.other_id).where(
        DuplicateDecision.kind == "not_duplicate", DuplicateDecision.other_id.is_not(None)
    )
    rows: list[Any] = []
    if around is None:
        rows = list(session.execute(query))
    else:
        for chunk in chunked(sorted(around)):
            rows += session.execute(query.where(DuplicateDecision.asset_id.in_(chunk)))
            rows += session.execute(query.where(DuplicateDecision.other_id.in_(chunk)))
    return {(min(a, b), max(a, b)) for a, b in rows}


def all_edges(session: Session) -> dict[Pair, Edge]:
    """Every link in the library, decisions applied."""
    edges: dict[Pair, Edge] = {}
    shared = (
        select(Asset.content_digest).group_by(Asset.content_digest).having(func.count(Asset.id) > 1)
    )
    by_digest: dict[str, list[int]] = defaultdict(list)
    for asset_id, digest in session.execute(
        select(Asset.id, Asset.content_digest).where(Asset.content_digest.in_(shared))
    ):
        by_digest[digest].append(asset_id)
    for digest, ids in by_digest.items():
        _star(ids, digest, edges)
    _add_near(session.scalars(select(DuplicatePair)), edges)
    refused = refused_pairs(session)
    return {k: v for k, v in edges.items() if k not in refused}


def refused_within(session: Session, nodes: Collection[int]) -> set[Pair]:
    """The "not a duplicate" decisions between two of these photos."""
    wanted = set(nodes)
    return {p for p in refused_pairs(session, wanted) if p[0] in wanted and p[1] in wanted}


def edges_around(session: Session, nodes: Collection[int]) -> dict[Pair, Edge]:
    """The links that touch the given photos, decisions applied (indexed look-ups only)."""
    edges: dict[Pair, Edge] = {}
    digests: set[str] = set()
    for chunk in chunked(sorted(nodes)):
        digests.update(session.scalars(select(Asset.content_digest).where(Asset.id.in_(chunk))))
    by_digest: dict[str, list[int]] = defaultdict(list)
    for names in chunked(sorted(digests)):
        for asset_id, digest in session.execute(
            select(Asset.id, Asset.content_digest).where(Asset.content_digest.in_(names))
        ):
            by_digest[digest].append(asset_id)
    for digest, ids in by_digest.items():
        if len(ids) > 1:
            _star(ids, digest, edges)
    pairs: dict[int, DuplicatePair] = {}
    for chunk in chunked(sorted(nodes)):
        for column in (DuplicatePair.asset_a, DuplicatePair.asset_b):
            for pair in session.scalars(select(DuplicatePair).where(column.in_(chunk))):
                pairs[pair.id] = pair
    _add_near((pairs[i] for i in sorted(pairs)), edges)
    refused = refused_pairs(session, nodes)
    wanted = set(nodes)
    return {
        k: v for k, v in edges.items() if k not in refused and (k[0] in wanted or k[1] in wanted)
    }


def _strength(key: Pair, edge: Edge) -> tuple[bool, int, float, Pair]:
    """Strongest first: same pixels, then the closest and best-verified near pairs."""
    return (edge.kind != "pixels", edge.distance or 0, -(edge.score or 0.0), key)


def components(
    edges: dict[Pair, Edge],
    refused: Collection[Pair] = (),
    rank: Callable[[int], Any] | None = None,
) -> list[list[int]]:
    """The groups the links make, each sorted, with the refused pairs kept apart.

    Links are joined strongest first; a link that would put both photos of a
    refused pair into one group is skipped, so a decision splits a group
    whatever path links its two photos. Photos left without a joined link
    are in no group.

    A group is not a chain: two groups (or a photo and a group) join only when
    their originals are linked directly, or through one member of either that
    is linked to both. The original of a group is its member ranked highest by
    ``rank`` (see :func:`picture_rank`; without ``rank``, the lowest id). So a
    screenshot that wrongly matched another screenshot of the same page
    template cannot pull in the other photo and every copy of it: the two
    photos are three links apart.
    """
    rank_of = rank if rank is not None else (lambda node: -node)
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    anchor: dict[int, int] = {}
    banned: dict[int, set[int]] = defaultdict(set)
    for a, b in refused:
        banned[a].add(b)
        banned[b].add(a)

    near: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        near[a].add(b)
        near[b].add(a)

    def linked(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in edges

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for key in sorted(edges, key=lambda k: _strength(k, edges[k])):
        ra, rb = find(key[0]), find(key[1])
        if ra == rb:
            continue
        mine, theirs = members.get(ra, {ra}), members.get(rb, {rb})
        if banned and any(banned[x] & theirs for x in mine):
            continue
        first, second = anchor.get(ra, ra), anchor.get(rb, rb)
        if not (
            linked(first, second)
            or any(linked(m, first) for m in near[second] & mine)
            or any(linked(m, second) for m in near[first] & theirs)
        ):
            continue
        root, other = min(ra, rb), max(ra, rb)
        parent[other] = root
        members[root] = mine | theirs
        members.pop(other, None)
        anchor[root] = max(first, second, key=lambda node: (rank_of(node), -node))
        anchor.pop(other, None)
    return [sorted(group) for _, group in sorted(members.items()) if len(group) > 1]


def picture_rank(session: Session, ids: Iterable[int]) -> Callable[[int], Any]:
    """Rank for :func:`components`: which member is a group's original.

    A copy the verifier saw inside a page, frame or caption bar ranks below every
    unframed one (a screenshot is larger than the photo it shows); then the larger
    picture, then the older photo.
    """
    wanted = sorted(set(ids))
    areas: dict[int, int] = {}
    for chunk in chunked(wanted):
        for asset_id, width, height in session.execute(
            select(Asset.id, Asset.width, Asset.height).where(Asset.id.in_(chunk))
        ):
            areas[asset_id] = (width or 0) * (height or 0)
    framed = framed_assets(session, wanted)
    return lambda node: (node not in framed, areas.get(node, 0), -node)


# --- the facts a group needs -------------------------------------------------------------


@dataclass
class Photo:
    """The columns that choose and explain a master (no full row: migrations call this)."""

    id: int
    sha256: str
    width: int
    height: int
    format: str
    #: How many editable fields carry a value (see :func:`richness`).
    filled: int


def _photos(session: Session, ids: Iterable[int]) -> dict[int, Photo]:
    columns = [getattr(Asset, name) for name in EDITABLE_FIELDS]
    found: dict[int, Photo] = {}
    for chunk in chunked(sorted(set(ids))):
        for row in session.execute(
            select(Asset.id, Asset.sha256, Asset.width, Asset.height, Asset.format, *columns).where(
                Asset.id.in_(chunk)
            )
        ):
            filled = sum(1 for value in row[5:] if _filled(value))
            found[row[0]] = Photo(row[0], row[1], row[2], row[3], row[4], filled)
    return found


def paths_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """Known paths per photo, in the order they were found."""
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(set(ids))):
        for asset_id, path in session.execute(
            select(AssetPath.asset_id, AssetPath.path)
            .where(AssetPath.asset_id.in_(chunk))
            .order_by(AssetPath.id)
        ):
            found[asset_id].append(path)
    return found


def _filled(value: Any) -> bool:
    return value not in (None, "", [], False)


def richness(asset: Any) -> int:
    """How many editable fields carry a value: the better-described copy should lead."""
    if isinstance(asset, Photo):
        return asset.filled
    return sum(1 for name in EDITABLE_FIELDS if _filled(getattr(asset, name)))


def suggest_master(assets: Sequence[Any], framed: Iterable[int] = ()) -> Any:
    """The largest, then the best-described, then the best-quality format, then the oldest.

    Sizes within a factor of 1.5 of the largest count as equal, and copies the
    verifier found framed (a caption bar or border added) rank last among
    them, so a copy that only gained a bar does not outrank its original.
    """
    framed_ids = set(framed)
    largest = max(a.width * a.height for a in assets)
    near_largest = [a for a in assets if a.width * a.height * 1.5 >= largest]

    def key(asset: Any) -> tuple[int, int, int, int]:
        return (
            asset.id not in framed_ids,
            richness(asset),
            _LOSSLESS.get(asset.format, 0),
            -asset.id,
        )

    return max(near_largest, key=key)


def framed_assets(session: Session, asset_ids: Iterable[int]) -> set[int]:
    """Photos some verified pair saw with a border or caption bar the other side lacks."""
    ids = sorted(set(asset_ids))
    framed: set[int] = set()
    for chunk in chunked(ids):
        for column in (DuplicatePair.asset_a, DuplicatePair.asset_b):
            rows = session.execute(
                select(DuplicatePair.asset_a, DuplicatePair.asset_b, DuplicatePair.detail).where(
                    column.in_(chunk), DuplicatePair.detail.contains("trimmed")
                )
            )
            for a, b, detail in rows:
                if "A trimmed" in detail:
                    framed.add(a)
                if "B trimmed" in detail:
                    framed.add(b)
    return framed & set(ids)


def _chosen_masters(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """asset → (who chose it, decision id) for the photos someone made a master."""
    found: dict[int, tuple[str, int]] = {}
    for chunk in chunked(sorted(set(ids))):
        rows = session.execute(
            select(DuplicateDecision.asset_id, DuplicateDecision.user, DuplicateDecision.id).where(
                DuplicateDecision.kind == "master", DuplicateDecision.asset_id.in_(chunk)
            )
        )
        for asset_id, user, decision_id in rows:
            if asset_id not in found or decision_id > found[asset_id][1]:
                found[asset_id] = (user, decision_id)
    return found


def _master_why(photo: Photo, chosen_by: str | None) -> str:
    facts = f"{photo.width}×{photo.height} {photo.format}, {richness(photo)} fields filled"
    if chosen_by:
        return f"master chosen by {chosen_by} ({facts})"
    return f"suggested master: largest, best quality, richest metadata ({facts})"


# --- groups ------------------------------------------------------------------------------


def component_groups(
    session: Session, parts: list[list[int]], edges: dict[Pair, Edge]
) -> list[Group]:
    """One group per component, with its master and every member explained."""
    ids = [i for members in parts for i in members]
    if not ids:
        return []
    photos = _photos(session, ids)
    paths = paths_of(session, ids)
    masters = _chosen_masters(session, ids)
    framed = framed_assets(session, ids)
    part_of = {m: i for i, members in enumerate(parts) for m in members}
    links: dict[int, list[tuple[Pair, Edge]]] = defaultdict(list)
    for key, edge in edges.items():
        if part_of.get(key[0], -1) == part_of.get(key[1], -2):  # a link inside one group
            links[key[0]].append((key, edge))
            links[key[1]].append((key, edge))
    groups = []
    for members in parts:
        chosen = [m for m in members if m in masters]
        if chosen:
            master = max(chosen, key=lambda m: masters[m][1])
            chosen_by: str | None = masters[master][0]
        else:
            master = suggest_master([photos[m] for m in members], framed).id
            chosen_by = None
        near = any(edge.kind == "near" for m in members for _, edge in links[m])
        group = Group(f"g{min(members)}", master, chosen_by, "near" if near else "pixels")
        group.members.append(
            Member(master, paths[master], "master", 0, _master_why(photos[master], chosen_by))
        )
        for member in sorted(m for m in members if m != master):
            group.members.append(_explain(member, paths[member], master, edges, links[member]))
        groups.append(group)
    return groups


def _explain(
    asset_id: int,
    paths: list[str],
    master: int,
    edges: dict[Pair, Edge],
    links: list[tuple[Pair, Edge]],
) -> Member:
    direct = edges.get((min(asset_id, master), max(asset_id, master)))
    if direct is not None:
        return Member(asset_id, paths, direct.kind, direct.distance, direct.why, direct.score)
    # Linked through another member: explain with its closest link.
    (a, b), edge = min(links, key=lambda link: (link[1].distance or 0, link[0]))
    other = b if a == asset_id else a
    why = f"via photo {other}: {edge.why}"
    return Member(asset_id, paths, edge.kind, edge.distance, why, edge.score)


def identical_groups(session: Session, ids: Collection[int] | None = None) -> list[Group]:
    """A group for each photo found at several paths (all of them, or among ``ids``)."""
    multi = select(AssetPath.asset_id).group_by(AssetPath.asset_id).having(func.count() > 1)
    found: list[int] = []
    if ids is None:
        found = list(session.scalars(multi))
    else:
        for chunk in chunked(sorted(ids)):
            found += session.scalars(multi.where(AssetPath.asset_id.in_(chunk)))
    photos = _photos(session, found)
    paths = paths_of(session, found)
    groups = []
    for asset_id in sorted(found):
        known = paths[asset_id]
        why = (
            f"identical files: {len(known)} paths hold the same bytes "
            f"(SHA-256 {photos[asset_id].sha256[:12]}…)"
        )
        member = Member(asset_id, known, "identical", 0, why, 1.0)
        groups.append(Group(f"f{asset_id}", asset_id, None, "identical", [member]))
    return groups


def build_groups(session: Session) -> list[Group]:
    """Every duplicate group of the library, computed from scratch."""
    edges = all_edges(session)
    nodes = {n for pair in edges for n in pair}
    parts = components(edges, refused_pairs(session), picture_rank(session, nodes))
    grouped = {i for members in parts for i in members}
    singles = [g for g in identical_groups(session) if g.master not in grouped]
    return order_groups(component_groups(session, parts, edges) + singles)


def build_around(
    session: Session,
    nodes: Collection[int],
    expand: Callable[[set[int]], Iterable[int]] | None = None,
) -> tuple[set[int], list[Group]]:
    """The groups of every photo linked, directly or not, to ``nodes``.

    A breadth-first walk over the links, so only those components are read.
    ``expand(new)`` may name more photos to visit as the walk reaches new ones
    (the stored groups they were in, which the result replaces). Returns the
    photos reached and their groups (components, and identical files among
    the reached photos outside every component).
    """
    reached: set[int] = set()
    edges: dict[Pair, Edge] = {}
    frontier = set(nodes)
    while frontier:
        reached |= frontier
        found = edges_around(session, frontier)
        edges.update(found)
        frontier = {n for pair in found for n in pair} - reached
        if expand is not None and frontier:
            frontier |= set(expand(frontier)) - reached
    nodes = {n for pair in edges for n in pair}
    parts = components(edges, refused_within(session, reached), picture_rank(session, nodes))
    grouped = {i for members in parts for i in members}
    groups = component_groups(session, parts, edges)
    groups += identical_groups(session, reached - grouped)
    return reached, groups
