"""CatalogLookup: the catalog's substring indexes give exactly the loaded index's candidates."""

from __future__ import annotations

import random

from sqlalchemy import text

from library.db.engine import Database
from library.db.migrations.versions import __name__ as versions_package
from library.duplicates.lookup import KEY_PARTS, CatalogLookup, key_expression
from library.duplicates.pairs import SignalIndex
from tests.duplicates.hashdata import add_photos, as_rows, queries_near


def test_catalog_lookup_equals_the_loaded_index_also_after_new_photos(database: Database) -> None:
    rng = random.Random(11)
    # Extremes in the high bits: the sign bit set, every bit set, none.
    centres = [rng.getrandbits(64) for _ in range(3)] + [1 << 63, (1 << 64) - 1, 0]
    add_photos(database, rng, centres, 90)
    queries = queries_near(rng, centres)

    with database.session_scope(write=False) as session:
        lookup, index = CatalogLookup(session), SignalIndex(session)
        before = [as_rows(lookup.candidates(q)) for q in queries]
        assert before == [as_rows(index.candidates(q)) for q in queries]
        some_id = before[0][0][0]
        assert as_rows(lookup.candidates(queries[0], exclude=some_id)) == as_rows(
            index.candidates(queries[0], exclude=some_id)
        )
    assert sum(map(len, before)) > 200  # the test has many matches to compare

    # Photos committed after a check are found by the next one, with nothing refreshed.
    add_photos(database, rng, centres, 30)
    with database.session_scope(write=False) as session:
        after = [as_rows(CatalogLookup(session).candidates(q)) for q in queries]
        assert after == [as_rows(SignalIndex(session).candidates(q)) for q in queries]
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
