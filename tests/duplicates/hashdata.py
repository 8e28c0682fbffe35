"""Synthetic stored signals around a few centres, for the look-up tests: each substring of
:data:`library.duplicates.lookup.KEY_PARTS` gets its own share of the flipped bits."""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import permutations
from typing import Any

from sqlalchemy import insert

from assets import similarity
from library.db.engine import Database
from library.db.models import AssetHash
from library.duplicates import backlog
from library.duplicates.lookup import KEY_PARTS
from library.duplicates.pairs import stored_signals
from tests.webui.webutil import create_assets

SIGNED = 1 << 63


def signed(value: int) -> int:
    return value - (1 << 64) if value >= SIGNED else value


def flip(
    value: int, rng: random.Random, spread: tuple[int, ...], parts: Sequence[Any] = KEY_PARTS
) -> int:
    """`value` with spread[i] random bits flipped inside parts[i] (each has shift, bits)."""
    for part, count in zip(parts, spread, strict=True):
        for bit in rng.sample(range(part.bits), count):
            value ^= 1 << (part.shift + bit)
    return value


def spreads() -> list[tuple[int, int, int]]:
    """Distances 0-10 split over the three substrings, including 3/3/2 (only one part is
    within its radius of 2) and all bits in one part (the other two equal)."""
    found = {(0, 0, 0), (8, 0, 0), (0, 0, 8), (9, 0, 0), (2, 3, 4), (4, 4, 1), (5, 5, 0)}
    found |= set(permutations((3, 3, 2))) | set(permutations((3, 3, 3)))
    found |= {(1, 0, 0), (0, 2, 1), (3, 2, 2), (0, 4, 3)}
    return sorted(found)


def add_photos(
    database: Database,
    rng: random.Random,
    centres: list[int],
    count: int,
    matched: bool = False,
) -> list[int]:
    """New photos with signals near the centres, in the backlog as ingest leaves them
    (or already ``matched``, as the matcher leaves them)."""
    names = stored_signals()
    rows = []
    ids = create_assets(database, count)
    for position, asset_id in enumerate(ids):
        for name in names:
            if rng.random() < 0.2:
                continue  # not every photo has every signal
            centre = centres[position % len(centres)]
            spread = rng.choice(spreads())
            value = flip(centre, rng, spread) if position % 4 else rng.getrandbits(64)
            rows.append(
                {
                    "asset_id": asset_id,
                    "algorithm": name,
                    "value": signed(value),
                    "library_version": "test",
                }
            )
    with database.session_scope() as session:
        session.execute(insert(AssetHash), rows)
        backlog.add(session, ids)
        if matched:
            backlog.mark_matched(session, ids)
    return ids


def queries_near(rng: random.Random, centres: list[int]) -> list[dict[str, int]]:
    names = sorted({name for rule in similarity.CANDIDATE_RULES for name in rule[:2]})
    queries = []
    for centre in [*centres, rng.getrandbits(64)]:
        for spread in ((0, 0, 0), (2, 3, 1), (0, 0, 4)):
            queries.append(
                {
                    name: signed(flip(centre, rng, spread)) if i % 2 else flip(centre, rng, spread)
                    for i, name in enumerate(names)
                    if rng.random() < 0.8
                }
            )
    return queries


def as_rows(found: list) -> list[tuple[int, str, int]]:  # type: ignore[type-arg]
    return [(c.asset_id, c.rule, c.distance) for c in found]
