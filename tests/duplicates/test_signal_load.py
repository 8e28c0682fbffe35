"""load_signals: the stored signals as numpy columns, equal to reading the rows one by one."""

from __future__ import annotations

import random

import numpy as np
from sqlalchemy import insert, select

from library.db.engine import Database
from library.db.models import AssetHash
from library.duplicates.pairs import SignalIndex, load_signals, stored_signals
from tests.webui.webutil import create_asset

EXTREMES = [-(2**63), 2**63 - 1, 0, -1, 1, 2**62, -(2**62) - 12345]


def test_load_signals_equals_the_rows_and_feeds_the_index(database: Database) -> None:
    photos = [create_asset(database) for _ in range(12)]
    rng = random.Random(4)
    rows = []
    for position, asset_id in enumerate(photos):
        for name in ("phash", "dhash", "phash_mirror"):
            if name == "dhash" and position % 3 == 0:
                continue  # not every photo has every signal
            value = EXTREMES[position % len(EXTREMES)] if name == "phash" else None
            rows.append(
                {
                    "asset_id": asset_id,
                    "algorithm": name,
                    "value": rng.getrandbits(64) - 2**63 if value is None else value,
                    "library_version": "test",
                }
            )
    with database.session_scope() as session:
        session.execute(insert(AssetHash), rows)

    with database.session_scope(write=False) as session:
        loaded = load_signals(session, ["phash", "dhash", "phash_mirror", "lowfreq", "phash"])
        expected = {
            name: sorted(
                (asset_id, value)
                for asset_id, value in session.execute(
                    select(AssetHash.asset_id, AssetHash.value).where(AssetHash.algorithm == name)
                )
            )
            for name in ("phash", "dhash", "phash_mirror", "lowfreq")
        }
        index = SignalIndex(session, exclude=[photos[1]])

    assert sorted(loaded) == ["dhash", "lowfreq", "phash", "phash_mirror"]
    for name, pairs in expected.items():
        ids, values = loaded[name]
        assert ids.dtype == np.int64 and values.dtype == np.int64
        assert list(zip(ids.tolist(), values.tolist(), strict=True)) == pairs
    assert len(loaded["lowfreq"][0]) == 0
    assert sorted(loaded["phash"][1].tolist()) == sorted(
        EXTREMES[i % len(EXTREMES)] for i in range(12)
    )
    # The index holds every stored signal, without the excluded photo.
    assert set(index.indexes) == set(stored_signals())
    found = index.candidates({"phash": EXTREMES[0]})
    assert [c.asset_id for c in found if c.distance == 0] == [photos[0], photos[7]]
    found = index.candidates({"phash": EXTREMES[1]})
    assert [c.asset_id for c in found if c.distance == 0] == [photos[8]]  # photos[1] excluded


def test_load_signals_of_an_empty_catalog(database: Database) -> None:
    with database.session_scope(write=False) as session:
        loaded = load_signals(session, ["phash"])
        assert load_signals(session, []) == {}
    assert [len(a) for a in loaded["phash"]] == [0, 0]
