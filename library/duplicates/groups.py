"""Duplicate detection: identical files, same pixels, and verified near-duplicates.

Three levels, each explained:

* identical: the same SHA-256 (one asset, several known paths);
* pixels: the same content digest (the picture is the same, metadata differs);
* near: perceptual candidates from an exact Hamming-radius index over the
  signals in :data:`assets.similarity.CANDIDATE_RULES`, each confirmed by
  :func:`assets.similarity.verify` on the stored fingerprints.

Near pairs are found when photos are ingested (only the new photos are
looked up) or by a full pass (:func:`rescan`), and stored with their
evidence, so listing groups is a cheap read. People's decisions ("not a
duplicate", "master") are stored apart and respected on every read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from assets import similarity
from assets.analysis import Analysis
from assets.hashes import int64_to_hex
from library.db.engine import chunked
from library.db.models import (
    EDITABLE_FIELDS,
    Asset,
    AssetFingerprint,
    AssetHash,
    AssetPath,
    DuplicateDecision,
    DuplicatePair,
)
from library.duplicates.hamming import HammingIndex
from library.errors import InvalidValueError

LEVELS = ("identical", "pixels", "near")
#: A bulk ingest larger than this share of the library is checked with a full pass.
FULL_PASS_SHARE = 0.2
_LOSSLESS = {"tiff": 3, "png": 3, "heic": 2, "jpeg": 2, "webp": 2, "gif": 1}


def stored_signals() -> list[str]:
    return sorted({stored for _, stored, _ in similarity.CANDIDATE_RULES})


@dataclass
class Candidate:
    asset_id: int
    rule: str
    distance: int


class SignalIndex:
    """One exact Hamming index per stored signal, loaded from the catalog."""

    def __init__(self, session: Session, exclude: Iterable[int] = ()):
        excluded = set(exclude)
        self.indexes: dict[str, HammingIndex] = {}
        for name in stored_signals():
            rows = session.execute(
                select(AssetHash.asset_id, AssetHash.value).where(AssetHash.algorithm == name)
            ).all()
            ids = np.array([r[0] for r in rows if r[0] not in excluded], dtype=np.int64)
            values = np.array([r[1] for r in rows if r[0] not in excluded], dtype=np.int64)
            self.indexes[name] = HammingIndex(ids, values, max_radius=_max_radius())

    def add_assets(self, session: Session, asset_ids: Sequence[int]) -> None:
        """Bring newly committed photos into the index without reloading it."""
        for asset_id, signals in _signals_of(session, list(asset_ids)).items():
            self.add(asset_id, signals)

    def add(self, asset_id: int, signals: dict[str, int]) -> None:
        for name, index in self.indexes.items():
            if name in signals:
                index.add(
                    np.array([asset_id], dtype=np.int64), np.array([signals[name]], dtype=np.int64)
                )

    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        """Every stored photo some rule brings within its radius, with the closest rule."""
        best: dict[int, Candidate] = {}
        for query, stored, radius in similarity.CANDIDATE_RULES:
            if query not in signals or stored not in self.indexes:
                continue
            for asset_id, distance in self.indexes[stored].query(signals[query], radius):
                if asset_id == exclude:
                    continue
                current = best.get(asset_id)
                if current is None or distance < current.distance:
                    best[asset_id] = Candidate(asset_id, f"{query}→{stored}", distance)
        return sorted(best.values(), key=lambda c: (c.distance, c.asset_id))


def _max_radius() -> int:
    return max(radius for _, _, radius in similarity.CANDIDATE_RULES)


# --- finding pairs ----------------------------------------------------------------------


def _signals_of(session: Session, asset_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for chunk in chunked(asset_ids):
        rows = session.execute(
            select(AssetHash.asset_id, AssetHash.algorithm, AssetHash.value).where(
                AssetHash.asset_id.in_(chunk)
            )
        )
        for asset_id, name, value in rows:
            found[asset_id][name] = value
    return found


def _fingerprints(session: Session, asset_ids: Iterable[int]) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for chunk in chunked(set(asset_ids)):
        rows = session.execute(
            select(AssetFingerprint.asset_id, AssetFingerprint.data).where(
                AssetFingerprint.asset_id.in_(chunk)
            )
        )
        found.update({asset_id: data for asset_id, data in rows})
    return found


def wants_full_pass(session: Session, new: int) -> bool:
    """A bulk ingest that is a large share of the library is checked by one full pass,
    which is faster than that many single look-ups."""
    total = session.scalar(select(func.count(Asset.id))) or 0
    return new > max(1000, FULL_PASS_SHARE * total)


def update_pairs(
    session: Session, asset_ids: Sequence[int], index: SignalIndex | None = None
) -> int:
    """Look newly ingested photos up in the index and store the verified pairs.

    Only the new photos are queried. ``index`` must already hold them (ingest
    keeps one index for a whole run and adds each batch to it).
    """
    if not asset_ids:
        return 0
    if index is None:
        if wants_full_pass(session, len(asset_ids)):
            return rescan(session)
        index = SignalIndex(session)
    signals = _signals_of(session, list(asset_ids))
    proposals: dict[tuple[int, int], Candidate] = {}
    for asset_id in asset_ids:
        for candidate in index.candidates(signals.get(asset_id, {}), exclude=asset_id):
            key = (min(asset_id, candidate.asset_id), max(asset_id, candidate.asset_id))
            if key not in proposals or candidate.distance < proposals[key].distance:
                proposals[key] = candidate
    return _verify_and_store(session, proposals)


def rescan(session: Session, workers: int | None = None) -> int:
    """A full pass: all pairs of all photos, through the index's all-pairs search."""
    proposals: dict[tuple[int, int], Candidate] = {}
    tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in {n for rule in similarity.CANDIDATE_RULES for n in rule[:2]}:
        rows = session.execute(
            select(AssetHash.asset_id, AssetHash.value).where(AssetHash.algorithm == name)
        ).all()
        tables[name] = (
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
        )
    for query, stored, radius in similarity.CANDIDATE_RULES:
        q_ids, q_values = tables.get(query, (np.empty(0, np.int64), np.empty(0, np.int64)))
        s_ids, s_values = tables.get(stored, (np.empty(0, np.int64), np.empty(0, np.int64)))
        if query == stored:
            found = HammingIndex(s_ids, s_values, max_radius=radius).pairs(radius, workers=workers)
            pairs = [(int(a), int(b), int(d)) for a, b, d in found]
        else:
            # Cross-signal rules: one index over both sides, ids tagged by side.
            ids = np.concatenate([s_ids * 2, q_ids * 2 + 1])
            values = np.concatenate([s_values, q_values])
            found = HammingIndex(ids, values, max_radius=radius).pairs(radius, workers=workers)
            pairs = [
                (int(a) // 2, int(b) // 2, int(d))
                for a, b, d in found
                if (int(a) ^ int(b)) & 1 and int(a) // 2 != int(b) // 2
            ]
        for a, b, distance in pairs:
            key = (min(a, b), max(a, b))
            if key not in proposals or distance < proposals[key].distance:
                proposals[key] = Candidate(b, f"{query}→{stored}", distance)
    session.execute(delete(DuplicatePair))
    return _verify_and_store(session, proposals)


def _verify_and_store(session: Session, proposals: dict[tuple[int, int], Candidate]) -> int:
    if not proposals:
        return 0
    existing = {
        (a, b) for a, b in session.execute(select(DuplicatePair.asset_a, DuplicatePair.asset_b))
    }
    involved = sorted({i for pair in proposals for i in pair})
    digests: dict[int, str] = {}
    for chunk in chunked(involved):
        rows = session.execute(select(Asset.id, Asset.content_digest).where(Asset.id.in_(chunk)))
        digests.update({asset_id: digest for asset_id, digest in rows})
    prints = _fingerprints(session, [i for pair in proposals for i in pair])
    stored = 0
    for (a, b), candidate in sorted(proposals.items()):
        if (a, b) in existing or digests.get(a) == digests.get(b):
            continue  # same pixels is its own, stronger level
        if a not in prints or b not in prints:
            continue
        result = similarity.verify(prints[a], prints[b])
        if not result.same:
            continue
        session.add(
            DuplicatePair(
                asset_a=a,
                asset_b=b,
                signal=candidate.rule,
                distance=candidate.distance,
                score=round(float(result.score), 4),
                method=result.method,
                detail=result.detail,
                signals_version=similarity.SIGNALS_VERSION,
            )
        )
        stored += 1
    session.flush()
    return stored


# --- groups ------------------------------------------------------------------------------


@dataclass
class Member:
    asset_id: int
    paths: list[str]
    level: str  # "master", "identical", "pixels" or "near"
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


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def not_duplicate_pairs(session: Session) -> set[tuple[int, int]]:
    rows = session.execute(
        select(DuplicateDecision.asset_id, DuplicateDecision.other_id).where(
            DuplicateDecision.kind == "not_duplicate"
        )
    )
    return {(min(a, b), max(a, b)) for a, b in rows if b is not None}


def duplicate_groups(session: Session, level: str | None = None) -> list[Group]:
    """Groups of duplicates with a master, each member explained relative to the master."""
    if level is not None and level not in LEVELS:
        raise InvalidValueError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    refused = not_duplicate_pairs(session)
    edges: dict[tuple[int, int], tuple[str, int | None, str, float | None]] = {}
    if level in (None, "pixels", "near"):
        shared = (
            select(Asset.content_digest)
            .group_by(Asset.content_digest)
            .having(func.count(Asset.id) > 1)
        )
        by_digest: dict[str, list[int]] = defaultdict(list)
        for asset_id, digest in session.execute(
            select(Asset.id, Asset.content_digest).where(Asset.content_digest.in_(shared))
        ):
            by_digest[digest].append(asset_id)
        for digest, ids in by_digest.items():
            ids.sort()
            for other in ids[1:]:
                edges[(ids[0], other)] = (
                    "pixels",
                    0,
                    f"same pixels: content digest {digest[:18]}… matches, metadata differs",
                    1.0,
                )
    if level in (None, "near"):
        for pair in session.scalars(select(DuplicatePair)):
            key = (pair.asset_a, pair.asset_b)
            edges.setdefault(key, ("near", pair.distance, _near_why(pair), pair.score))
    edges = {k: v for k, v in edges.items() if k not in refused}
    groups: list[Group] = []
    if edges:
        groups.extend(_component_groups(session, edges, level))
    if level in (None, "identical"):
        grouped = {m.asset_id for g in groups for m in g.members}
        groups.extend(_identical_groups(session, skip=grouped if level is None else set()))
    groups.sort(key=lambda g: (-len(g.members), g.master))
    return groups


def _near_why(pair: DuplicatePair) -> str:
    return (
        f"near-duplicate: {pair.signal} at Hamming distance {pair.distance}; "
        f"verified by {pair.method} (score {pair.score:.3f}): {pair.detail}"
    )


def _component_groups(
    session: Session,
    edges: dict[tuple[int, int], tuple[str, int | None, str, float | None]],
    level: str | None,
) -> list[Group]:
    union = _UnionFind()
    for a, b in edges:
        union.union(a, b)
    components: dict[int, list[int]] = defaultdict(list)
    for node in union.parent:
        components[union.find(node)].append(node)
    ids = [i for members in components.values() for i in members]
    assets = {
        a.id: a
        for a in session.scalars(
            select(Asset).where(Asset.id.in_(ids)).options(selectinload(Asset.paths))
        )
    }
    masters = _chosen_masters(session, ids)
    framed = framed_assets(session, ids)
    groups = []
    for members in components.values():
        if level == "near" and not any(
            edges.get((min(a, b), max(a, b)), ("",))[0] == "near"
            for a in members
            for b in members
            if a < b
        ):
            continue
        chosen = [m for m in members if m in masters]
        if chosen:
            master = max(chosen, key=lambda m: masters[m][1])
            chosen_by: str | None = masters[master][0]
        else:
            master = suggest_master([assets[m] for m in members], framed).id
            chosen_by = None
        group = Group(
            id=f"g{min(members)}",
            master=master,
            master_chosen_by=chosen_by,
            level="near"
            if any(e[0] == "near" for k, e in edges.items() if k[0] in members)
            else "pixels",
        )
        group.members.append(
            Member(
                master, _paths(assets[master]), "master", 0, _master_why(assets[master], chosen_by)
            )
        )
        for member in sorted(m for m in members if m != master):
            group.members.append(_explain(assets[member], master, edges))
        groups.append(group)
    return groups


def _explain(
    asset: Asset,
    master: int,
    edges: dict[tuple[int, int], tuple[str, int | None, str, float | None]],
) -> Member:
    direct = edges.get((min(asset.id, master), max(asset.id, master)))
    if direct is not None:
        kind, distance, why, score = direct
        return Member(asset.id, _paths(asset), kind, distance, why, score)
    # Linked through another member: explain with its closest link.
    links = [(k, v) for k, v in edges.items() if asset.id in k]
    (a, b), (kind, distance, why, score) = min(links, key=lambda kv: kv[1][1] or 0)
    other = b if a == asset.id else a
    return Member(asset.id, _paths(asset), kind, distance, f"via photo {other}: {why}", score)


def _paths(asset: Asset) -> list[str]:
    return [p.path for p in asset.paths]


def _identical_groups(session: Session, skip: set[int]) -> list[Group]:
    multi = select(AssetPath.asset_id).group_by(AssetPath.asset_id).having(func.count() > 1)
    groups = []
    for asset in session.scalars(
        select(Asset).where(Asset.id.in_(multi)).options(selectinload(Asset.paths))
    ):
        if asset.id in skip:
            continue
        paths = _paths(asset)
        groups.append(
            Group(
                id=f"f{asset.id}",
                master=asset.id,
                master_chosen_by=None,
                level="identical",
                members=[
                    Member(
                        asset.id,
                        paths,
                        "identical",
                        0,
                        f"identical files: {len(paths)} paths hold the same bytes "
                        f"(SHA-256 {asset.sha256[:12]}…)",
                        1.0,
                    )
                ],
            )
        )
    return groups


def richness(asset: Asset) -> int:
    """How many editable fields carry a value: the better-described copy should lead."""
    return sum(1 for name in EDITABLE_FIELDS if getattr(asset, name) not in (None, "", [], False))


def suggest_master(assets: Sequence[Asset], framed: Iterable[int] = ()) -> Asset:
    """The largest, then the best-described, then the best-quality format, then the oldest.

    Sizes within a factor of 1.5 of the largest count as equal, and copies the
    verifier found framed (a caption bar or border added) rank last among
    them, so a copy that only gained a bar does not outrank its original.
    """
    framed_ids = set(framed)
    largest = max(a.width * a.height for a in assets)
    near_largest = [a for a in assets if a.width * a.height * 1.5 >= largest]

    def key(asset: Asset) -> tuple[int, int, int, int]:
        return (
            asset.id not in framed_ids,
            richness(asset),
            _LOSSLESS.get(asset.format, 0),
            -asset.id,
        )

    return max(near_largest, key=key)


def framed_assets(session: Session, asset_ids: Iterable[int]) -> set[int]:
    """Photos the verifier saw with a border or caption bar that the other side lacks."""
    ids = list(asset_ids)
    framed: set[int] = set()
    pairs = session.scalars(
        select(DuplicatePair).where(
            DuplicatePair.asset_a.in_(ids), DuplicatePair.detail.contains("trimmed")
        )
    )
    for pair in pairs:
        if "A trimmed" in pair.detail:
            framed.add(pair.asset_a)
        if "B trimmed" in pair.detail:
            framed.add(pair.asset_b)
    return framed


def _master_why(asset: Asset, chosen_by: str | None) -> str:
    facts = f"{asset.width}×{asset.height} {asset.format}, {richness(asset)} fields filled"
    if chosen_by:
        return f"master chosen by {chosen_by} ({facts})"
    return f"suggested master: largest, best quality, richest metadata ({facts})"


def _chosen_masters(session: Session, ids: list[int]) -> dict[int, tuple[str, int]]:
    rows = session.execute(
        select(DuplicateDecision.asset_id, DuplicateDecision.user, DuplicateDecision.id).where(
            DuplicateDecision.kind == "master", DuplicateDecision.asset_id.in_(ids)
        )
    )
    return {asset_id: (user, decision_id) for asset_id, user, decision_id in rows}


# --- decisions ---------------------------------------------------------------------------


def decide_not_duplicate(session: Session, asset_id: int, other_id: int, user: str) -> None:
    """Record that two photos are different; groups never join them again."""
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
        session.flush()


def decide_master(session: Session, asset_id: int, user: str) -> None:
    """Make a photo the master of its group, replacing an earlier choice in that group."""
    _require(session, [asset_id])
    group = next(
        (g for g in duplicate_groups(session) if any(m.asset_id == asset_id for m in g.members)),
        None,
    )
    members = [m.asset_id for m in group.members] if group else [asset_id]
    session.execute(
        delete(DuplicateDecision).where(
            DuplicateDecision.kind == "master", DuplicateDecision.asset_id.in_(members)
        )
    )
    session.add(DuplicateDecision(kind="master", asset_id=asset_id, user=user))
    session.flush()


def undo_not_duplicate(session: Session, asset_id: int, other_id: int) -> None:
    a, b = min(asset_id, other_id), max(asset_id, other_id)
    session.execute(
        delete(DuplicateDecision).where(
            DuplicateDecision.kind == "not_duplicate",
            DuplicateDecision.asset_id == a,
            DuplicateDecision.other_id == b,
        )
    )


def _require(session: Session, ids: list[int]) -> None:
    from library.errors import AssetNotFoundError

    found = set(session.scalars(select(Asset.id).where(Asset.id.in_(ids))))
    for asset_id in ids:
        if asset_id not in found:
            raise AssetNotFoundError(f"no photo with id {asset_id}")


def group_of(session: Session, asset_id: int) -> Group | None:
    for group in duplicate_groups(session):
        if any(m.asset_id == asset_id for m in group.members):
            return group
    return None


# --- checking files that are not in the library ------------------------------------------


@dataclass
class CheckMatch:
    asset_id: int
    level: str
    distance: int | None
    why: str
    score: float | None


def matches_for(
    session: Session, analysis: Analysis, index: SignalIndex | None = None
) -> list[CheckMatch]:
    """Every catalog photo the analysed file duplicates, at its strongest level."""
    matches: dict[int, CheckMatch] = {}
    same = session.scalar(select(Asset.id).where(Asset.sha256 == analysis.sha256))
    if same is not None:
        matches[same] = CheckMatch(same, "identical", 0, "identical file: same SHA-256", 1.0)
    for asset_id in session.scalars(
        select(Asset.id).where(Asset.content_digest == analysis.content_digest)
    ):
        matches.setdefault(
            asset_id,
            CheckMatch(
                asset_id, "pixels", 0, "same pixels: content digest matches, metadata differs", 1.0
            ),
        )
    if analysis.fingerprint:
        index = index or SignalIndex(session)
        candidates = [c for c in index.candidates(analysis.hashes) if c.asset_id not in matches]
        prints = _fingerprints(session, [c.asset_id for c in candidates])
        for candidate in candidates:
            stored = prints.get(candidate.asset_id)
            if stored is None:
                continue
            result = similarity.verify(analysis.fingerprint, stored)
            if result.same:
                why = (
                    f"near-duplicate: {candidate.rule} at Hamming distance {candidate.distance}; "
                    f"verified by {result.method} (score {result.score:.3f}): {result.detail}"
                )
                matches[candidate.asset_id] = CheckMatch(
                    candidate.asset_id,
                    "near",
                    candidate.distance,
                    why,
                    round(float(result.score), 4),
                )
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(matches.values(), key=lambda m: (order[m.level], m.distance or 0, m.asset_id))


def hash_hex(value: int) -> str:
    return int64_to_hex(value)


def pairs_involving(session: Session, asset_id: int) -> list[DuplicatePair]:
    return list(
        session.scalars(
            select(DuplicatePair).where(
                or_(DuplicatePair.asset_a == asset_id, DuplicatePair.asset_b == asset_id)
            )
        )
    )
