"""Composites and the photos they show: finding "contains" links and listing them in groups.

A collage or a page screenshot shows several photos; it is not a copy of any of
them. Ingest stores the pictures found inside it (``asset_regions``, from
:mod:`assets.composites`), each with a photo's signals and fingerprint. Each
region is looked up in the photo index and verified like a photo, and each new
photo is looked up among the stored regions, so the link is found whichever
arrived first. A verified region makes a ``contained_photos`` row.

Those links never join groups: a group is still built from copies only
(:mod:`library.duplicates.builder`), and the composite is then listed, at level
``contains``, in the group of each photo it shows (a photo shown in no group gets
a group of its own with the composite). Usages are not shared across that level
(:data:`library.catalog.groupusages.NOT_SHARED`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assets import similarity, verification
from library.db.engine import chunked
from library.db.models import AssetRegion, ContainedPhoto
from library.duplicates.builder import Group, Member, _master_why, _photos, paths_of
from library.duplicates.hamming import HammingIndex
from library.duplicates.hashbits import hash_array
from library.duplicates.stored import fingerprints, signals_of

#: The member level of a composite in the group of a photo it shows.
CONTAINS = "contains"

#: A composite whose pictures cover less than this share of it is a page, not a collage.
_COLLAGE_COVER = 0.6


@dataclass(frozen=True)
class Link:
    """A composite showing a photo: where, and how well the region matched."""

    composite: int
    photo: int
    share: float
    regions: int
    covered: float
    score: float
    method: str
    detail: str

    def why(self) -> str:
        kind = "collage" if self.covered >= _COLLAGE_COVER else "page"
        return (
            f"shown inside a {kind} of {self.regions} pictures, at {round(100 * self.share)} %"
            f" of its size; verified by {self.method} (score {self.score:.3f}): {self.detail}"
        )


class RegionIndex:
    """One Hamming index per stored signal over every stored region (ids are region ids).

    Kept by an ingest run or the matcher across batches and brought up to the catalog
    (`refresh`) before each: reading every region's signals again for each batch cost
    a batch as much in a library of many composites as all its photos' own work.
    """

    def __init__(self, session: Session | None = None):
        self.owner: dict[int, int] = {}
        self.indexes: dict[str, HammingIndex] = {}
        #: The highest region id read: regions are only ever added with higher ones.
        self.newest = 0
        if session is not None:
            self.refresh(session)

    def refresh(self, session: Session) -> None:
        """Add the regions stored since the last refresh; after any region was deleted
        (a photo deleted, its signals made again), read them all again."""
        count, newest = session.execute(
            select(func.count(AssetRegion.id), func.max(AssetRegion.id))
        ).one()
        if count == len(self.owner) and (newest or 0) == self.newest:
            return
        columns = (AssetRegion.id, AssetRegion.asset_id, AssetRegion.signals)
        rows = session.execute(select(*columns).where(AssetRegion.id > self.newest)).all()
        if count != len(self.owner) + len(rows):
            self.owner, self.indexes, self.newest = {}, {}, 0
            rows = session.execute(select(*columns)).all()
        self._add(rows)

    def _add(self, rows: Sequence[Any]) -> None:
        names = sorted({stored for _, stored, _ in similarity.CANDIDATE_RULES})
        values: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for region_id, asset_id, signals in rows:
            self.owner[region_id] = asset_id
            self.newest = max(self.newest, region_id)
            for name in names:
                if name in signals:
                    values[name].append((region_id, int(signals[name])))
        radius = max(r for _, _, r in similarity.CANDIDATE_RULES)
        for name, have in values.items():
            ids = np.array([i for i, _ in have], dtype=np.int64)
            hashes = np.array([v for _, v in have], dtype=np.int64)
            if name in self.indexes:
                self.indexes[name].add(ids, hashes)
            else:
                self.indexes[name] = HammingIndex(ids, hashes, max_radius=radius)

    def candidates(self, signals: dict[str, int]) -> set[int]:
        """Regions some rule brings within its radius of a photo's signals."""
        return self.candidates_many({0: signals})[0]

    def candidates_many(self, signals: dict[int, dict[str, int]]) -> dict[int, set[int]]:
        """`candidates` of each photo: one index call per rule for a whole batch."""
        photos = list(signals)
        found: dict[int, set[int]] = {photo: set() for photo in photos}
        for query, stored, radius in similarity.CANDIDATE_RULES:
            index = self.indexes.get(stored)
            asking = [photo for photo in photos if query in signals[photo]]
            if index is None or not asking:
                continue
            values = hash_array([signals[photo][query] for photo in asking])
            for row, region_id, _ in index.query_many(values, radius).tolist():
                found[asking[row]].add(region_id)
        return found


def update_contains(
    session: Session, asset_ids: Sequence[int], index: object, stored: RegionIndex | None = None
) -> set[int]:
    """Find the links of newly ingested photos, both ways round; returns the photos touched.

    ``index`` is the :class:`library.duplicates.pairs.SignalIndex` the pairs were
    found with (it holds the new photos too); ``stored`` the region index a run keeps
    between batches (read whole when not given). Only the batch's own rows and the rows
    of its candidates are read, so a batch costs the same in a library of many
    composites as in one of few, but for the region index itself.
    """
    if not asset_ids:
        return set()
    new = set(asset_ids)
    found: dict[tuple[int, int], tuple[int, verification.Verification]] = {}
    stored = RegionIndex() if stored is None else stored
    # New composites: each of their regions against the photos.
    regions = [
        row
        for chunk in chunked(sorted(new))
        for row in session.execute(
            select(
                AssetRegion.id, AssetRegion.asset_id, AssetRegion.signals, AssetRegion.fingerprint
            ).where(AssetRegion.asset_id.in_(chunk))
        )
    ]
    for region_id, owner, signals, fingerprint in regions:
        proposed = [
            c.asset_id
            for c in index.candidates(signals, exclude=owner)  # type: ignore[attr-defined]
        ]
        wanted = set(proposed) - _composites_among(session, proposed)
        prints = fingerprints(session, wanted)
        for photo in sorted(wanted):
            if photo in prints:
                _try(found, owner, photo, region_id, fingerprint, prints[photo][0])
    # New photos: against the regions already stored.
    plain = sorted(new - {owner for _, owner, _, _ in regions})
    if plain and _any_composite(session):
        stored.refresh(session)
        signals = signals_of(session, plain)
        prints = fingerprints(session, plain)
        near = stored.candidates_many(
            {photo: signals.get(photo, {}) for photo in plain if photo in prints}
        )
        region_prints = _region_prints(session, set().union(*near.values()))
        for photo, candidates in near.items():
            for region_id in sorted(candidates):
                owner = stored.owner[region_id]
                if owner != photo and region_id in region_prints:
                    _try(found, owner, photo, region_id, region_prints[region_id], prints[photo][0])
    return _store(session, found)


def shown_photos(
    session: Session, regions: Sequence[Any], index: object
) -> dict[int, tuple[str, float, verification.Verification]]:
    """The library photos the regions of a file not in the library show.

    photo → (where it is shown, in words; the region's share; the verdict), for
    ``check`` of a composite.
    """
    covered = sum(region.share for region in regions)
    kind = "collage" if covered >= _COLLAGE_COVER else "page"
    found: dict[int, tuple[str, float, verification.Verification]] = {}
    for region in regions:
        proposed = [
            c.asset_id
            for c in index.candidates(region.signals)  # type: ignore[attr-defined]
        ]
        wanted = set(proposed) - _composites_among(session, proposed)
        prints = fingerprints(session, wanted)
        for photo in sorted(wanted):
            if photo not in prints:
                continue
            result = verification.verify(region.fingerprint, prints[photo][0])
            if result.same and (photo not in found or result.score > found[photo][2].score):
                where = (
                    f"this file shows the photo inside a {kind} of {len(regions)} pictures,"
                    f" at {round(100 * region.share)} % of its size"
                )
                found[photo] = (where, region.share, result)
    return found


def rescan_contains(session: Session, index: Callable[[], object]) -> None:
    """A full pass: every region of every composite against every photo.

    ``index`` makes the photo index; it is only built when there are composites.
    """
    session.execute(delete(ContainedPhoto))
    composites = sorted(_composites(session))
    if composites:
        update_contains(session, composites, index())


def _try(
    found: dict[tuple[int, int], tuple[int, verification.Verification]],
    composite: int,
    photo: int,
    region_id: int,
    region_print: bytes,
    photo_print: bytes,
) -> None:
    result = verification.verify(region_print, photo_print)
    if not result.same:
        return
    key = (composite, photo)
    if key not in found or result.score > found[key][1].score:
        found[key] = (region_id, result)


def _store(
    session: Session, found: dict[tuple[int, int], tuple[int, verification.Verification]]
) -> set[int]:
    touched: set[int] = set()
    existing = {
        (c, p)
        for chunk in chunked(sorted({c for c, _ in found}))
        for c, p in session.execute(
            select(ContainedPhoto.composite_id, ContainedPhoto.photo_id).where(
                ContainedPhoto.composite_id.in_(chunk)
            )
        )
    }
    for (composite, photo), (region_id, result) in sorted(found.items()):
        if (composite, photo) in existing:
            continue
        session.add(
            ContainedPhoto(
                composite_id=composite,
                photo_id=photo,
                region_id=region_id,
                score=round(float(result.score), 4),
                method=result.method,
                detail=result.detail,
            )
        )
        touched |= {composite, photo}
    session.flush()
    return touched


def _composites(session: Session) -> set[int]:
    return set(session.scalars(select(AssetRegion.asset_id).distinct()))


def _composites_among(session: Session, asset_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(set(asset_ids))):
        found.update(
            session.scalars(
                select(AssetRegion.asset_id).where(AssetRegion.asset_id.in_(chunk)).distinct()
            )
        )
    return found


def _any_composite(session: Session) -> bool:
    return session.scalar(select(AssetRegion.id).limit(1)) is not None


def _region_prints(session: Session, region_ids: Iterable[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for chunk in chunked(sorted(region_ids)):
        rows = session.execute(
            select(AssetRegion.id, AssetRegion.fingerprint).where(AssetRegion.id.in_(chunk))
        )
        found.update({region_id: data for region_id, data in rows})
    return found


# --- groups ------------------------------------------------------------------------------


def neighbours(session: Session, asset_ids: Collection[int]) -> set[int]:
    """The photos these composites show and the composites that show these photos."""
    found: set[int] = set()
    for chunk in chunked(sorted(asset_ids)):
        for composite, photo in session.execute(
            select(ContainedPhoto.composite_id, ContainedPhoto.photo_id).where(
                ContainedPhoto.composite_id.in_(chunk) | ContainedPhoto.photo_id.in_(chunk)
            )
        ):
            found |= {composite, photo}
    return found


def links(session: Session, photos: Collection[int] | None = None) -> list[Link]:
    """The "contains" links (of these photos, or all), with what explains them."""
    query = select(
        ContainedPhoto.composite_id,
        ContainedPhoto.photo_id,
        ContainedPhoto.region_id,
        ContainedPhoto.score,
        ContainedPhoto.method,
        ContainedPhoto.detail,
    )
    if photos is None:
        rows = list(session.execute(query))
    else:
        rows = [
            row
            for chunk in chunked(sorted(photos))
            for row in session.execute(query.where(ContainedPhoto.photo_id.in_(chunk)))
        ]
    boxes: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for chunk in chunked(sorted({row[0] for row in rows})):
        for region_id, owner, left, top, right, bottom in session.execute(
            select(
                AssetRegion.id,
                AssetRegion.asset_id,
                AssetRegion.left,
                AssetRegion.top,
                AssetRegion.right,
                AssetRegion.bottom,
            ).where(AssetRegion.asset_id.in_(chunk))
        ):
            boxes[owner].append((region_id, (right - left) * (bottom - top)))
    found = []
    for composite, photo, region_id, score, method, detail in rows:
        shares = dict(boxes[composite])
        found.append(
            Link(
                composite,
                photo,
                shares.get(region_id, 0.0),
                len(shares),
                sum(shares.values()),
                score,
                method,
                detail,
            )
        )
    return found


def attach(session: Session, groups: list[Group], found: list[Link]) -> list[Group]:
    """List each composite in the group of each photo it shows, at level ``contains``.

    A photo in no group gets one, with itself as master. Groups keep their ids: a
    composite never decides a group's key, master or level of copies.
    """
    if not found:
        return groups
    group_of: dict[int, Group] = {}
    for group in groups:
        for member in group.members:
            if member.level != CONTAINS:
                group_of[member.asset_id] = group
    alone = sorted({link.photo for link in found if link.photo not in group_of})
    photos = _photos(session, alone)
    paths = paths_of(session, [*alone, *(link.composite for link in found)])
    for photo in alone:
        if photo not in photos:
            continue
        master = Member(photo, paths[photo], "master", 0, _master_why(photos[photo], None))
        own = Group(f"g{photo}", photo, None, CONTAINS, [master])
        groups.append(own)
        group_of[photo] = own
    best: dict[tuple[str, int], Link] = {}
    for link in found:
        shown_in = group_of.get(link.photo)
        if shown_in is None:
            continue
        key = (shown_in.id, link.composite)
        if key not in best or link.score > best[key].score:
            best[key] = link
    by_id = {group.id: group for group in groups}
    for (group_id, composite), link in sorted(best.items(), key=lambda item: item[0][1]):
        group = by_id[group_id]
        if any(m.asset_id == composite for m in group.members):
            continue  # a copy of the photo already, or listed through another copy
        group.members.append(
            Member(composite, paths[composite], CONTAINS, None, link.why(), link.score)
        )
    return groups
