"""CatalogLookup: the catalog's substring indexes give exactly the loaded index's candidates."""

from __future__ import annotations

import random
from itertools import permutations

from sqlalchemy import insert, text

from assets import similarity
from library.db.engine import Database
from library.db.migrations.versions import __name__ as versions_package
from library.db.models import AssetHash
from library.duplicates.lookup import KEY_PARTS, CatalogLookup, key_expression
from library.duplicates.pairs import SignalIndex, stored_signals
from tests.webui.webutil import create_asset

SIGNED = 1 << 63


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= SIGNED else value


def _flip(value: int, rng: random.Random, spread: tuple[int, ...]) -> int:
    """`value` with spread[i] random bits flipped inside KEY_PARTS[i]."""
    for part, count in zip(KEY_PARTS, spread, strict=True):
        for bit in rng.sample(range(part.bits), count):
            value ^= 1 << (part.shift + bit)
    return value


def _spreads() -> list[tuple[int, int, int]]:
    """Distances 0-10 split over the three substrings, including 3/3/2 (only one part is
    within its radius of 2) and all bits in one part (the other two equal)."""
    found = {(0, 0, 0), (8, 0, 0), (0, 0, 8), (9, 0, 0), (2, 3, 4), (4, 4, 1), (5, 5, 0)}
    found |= set(permutations((3, 3, 2))) | set(permutations((3, 3, 3)))
    found |= {(1, 0, 0), (0, 2, 1), (3, 2, 2), (0, 4, 3)}
    return sorted(found)


def _add_photos(database: Database, rng: random.Random, centres: list[int], count: int) -> None:
    names = stored_signals()
    rows = []
    for position in range(count):
        asset_id = create_asset(database)
        for name in names:
            if rng.random() < 0.2:
                continue  # not every photo has every signal
            centre = centres[position % len(centres)]
            spread = rng.choice(_spreads())
            value = _flip(centre, rng, spread) if position % 4 else rng.getrandbits(64)
            rows.append(
                {
                    "asset_id": asset_id,
                    "algorithm": name,
                    "value": _signed(value),
                    "library_version": "test",
                }
            )
    with database.session_scope() as session:
        session.execute(insert(AssetHash), rows)


def _queries(rng: random.Random, centres: list[int]) -> list[dict[str, int]]:
    names = sorted({name for rule in similarity.CANDIDATE_RULES for name in rule[:2]})
    queries = []
    for centre in [*centres, rng.getrandbits(64)]:
        for spread in ((0, 0, 0), (2, 3, 1), (0, 0, 4)):
            queries.append(
                {
                    name: _signed(_flip(centre, rng, spread))
                    if i % 2
                    else _flip(centre, rng, spread)
                    for i, name in enumerate(names)
                    if rng.random() < 0.8
                }
            )
    return queries


def _as_rows(found: list) -> list[tuple[int, str, int]]:  # type: ignore[type-arg]
    return [(c.asset_id, c.rule, c.distance) for c in found]


def test_catalog_lookup_equals_the_loaded_index_also_after_new_photos(database: Database) -> None:
    rng = random.Random(11)
    # Extremes in the high bits: the sign bit set, every bit set, none.
    centres = [rng.getrandbits(64) for _ in range(3)] + [1 << 63, (1 << 64) - 1, 0]
    _add_photos(database, rng, centres, 90)
    queries = _queries(rng, centres)

    with database.session_scope(write=False) as session:
        lookup, index = CatalogLookup(session), SignalIndex(session)
        before = [_as_rows(lookup.candidates(q)) for q in queries]
        assert before == [_as_rows(index.candidates(q)) for q in queries]
        some_id = before[0][0][0]
        assert _as_rows(lookup.candidates(queries[0], exclude=some_id)) == _as_rows(
            index.candidates(queries[0], exclude=some_id)
        )
    assert sum(map(len, before)) > 200  # the test has many matches to compare

    # Photos committed after a check are found by the next one, with nothing refreshed.
    _add_photos(database, rng, centres, 30)
    with database.session_scope(write=False) as session:
        after = [_as_rows(CatalogLookup(session).candidates(q)) for q in queries]
        assert after == [_as_rows(SignalIndex(session).candidates(q)) for q in queries]
    assert sum(map(len, after)) > sum(map(len, before))


def test_lookup_uses_the_migration_expressions(database: Database) -> None:
    """The planner uses an expression index only when the query spells it the same way."""
    import importlib

    migration = importlib.import_module(f"{versions_package}.0016_hash_substring_keys")
    assert [e for _, e in migration.KEYS] == [key_expression(p) for p in KEY_PARTS]
    if database.config.is_sqlite:
        return
    with database.session_scope(write=False) as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            session.scalars(
                text(
                    f"EXPLAIN SELECT asset_id FROM asset_hashes WHERE algorithm = 'phash' "
                    f"AND {key_expression(KEY_PARTS[2])} = ANY(:keys)"
                ),
                {"keys": [1, 2, 3]},
            )
        )
    assert "ix_asset_hashes_key2" in plan
