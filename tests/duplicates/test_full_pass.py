"""full_pass_candidates: the all-pairs pass proposes exactly what every rule finds by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from assets import similarity
from library.duplicates import pairs
from library.duplicates.hashbits import brute_force_query
from library.duplicates.pairs import full_pass_candidates

NAMES = sorted({name for rule in similarity.CANDIDATE_RULES for name in rule[:2]})


def _signals(seed: int, photos: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every signal of most photos; a third of the photos copy another photo's signals
    into other names (a turn of its pHash, its crop window as a frame) with a few bits
    changed, so cross-signal rules have true pairs, some beyond the radius."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, photos + 1, dtype=np.int64) * 3
    values = {
        name: rng.integers(-(2**63), 2**63 - 1, size=photos, dtype=np.int64, endpoint=True)
        for name in NAMES
    }
    for row in range(0, photos, 3):
        source = int(rng.integers(photos))
        for query, stored, _ in similarity.CANDIDATE_RULES:
            if rng.random() < 0.3:
                flips = rng.permutation(64)[: rng.integers(0, 11)]
                mask = int(sum(1 << int(b) for b in flips))
                pattern = (int(values[stored][source]) & (2**64 - 1)) ^ mask
                values[query][row] = pattern - 2**64 if pattern >= 2**63 else pattern
    tables = {}
    for name in NAMES:
        keep = rng.random(photos) < 0.9  # not every photo has every signal
        tables[name] = (ids[keep], values[name][keep])
    return tables


def _reference(tables: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:  # type: ignore[type-arg]
    found: dict[tuple[int, int], tuple[str, int]] = {}
    for query, stored, radius in similarity.CANDIDATE_RULES:
        s_ids, s_values = tables[stored]
        for q_id, q_value in zip(*(a.tolist() for a in tables[query]), strict=True):
            for s_id, distance in brute_force_query(s_ids, s_values, q_value, radius):
                if s_id == q_id:
                    continue
                key = (min(q_id, s_id), max(q_id, s_id))
                if key not in found or distance < found[key][1]:
                    found[key] = (f"{query}→{stored}", distance)
    return found


@pytest.mark.parametrize("share", [0.0, 10.0])  # both sides indexed together; queried
def test_full_pass_candidates_equal_brute_force_per_rule(
    share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pairs, "CROSS_QUERY_SHARE", share)
    tables = _signals(seed=5, photos=240)
    expected = _reference(tables)
    got = {key: (c.rule, c.distance) for key, c in full_pass_candidates(tables).items()}
    assert got == expected
    cross = {rule for rule, _ in expected.values() if rule.split("→")[0] != rule.split("→")[1]}
    assert len(cross) > 10  # cross-signal rules took part


@pytest.mark.parametrize(("share", "windows"), [(0.0, 180), (10.0, 180), (0.25, 20)])
def test_full_pass_hits_are_each_rules_own_in_their_direction(
    share: float, windows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule's (query photo, stored photo, distance) rows, as brute force finds them:
    a rule that takes its reverse rule's rows must swap them (the common-value discount
    counts which photo's value found which). With windows kept for a few photos only,
    those few query the whole frames' index and their rows are turned round."""
    monkeypatch.setattr(pairs, "CROSS_QUERY_SHARE", share)
    tables = _signals(seed=6, photos=180)
    for name, (ids, values) in tables.items():
        if name.startswith("lowfreq_"):
            tables[name] = (ids[:windows], values[:windows])
    hits = pairs.full_pass_hits(tables)
    for position, (query, stored, radius) in enumerate(similarity.CANDIDATE_RULES):
        s_ids, s_values = tables[stored]
        expected = {
            (q_id, s_id, distance)
            for q_id, q_value in zip(*(a.tolist() for a in tables[query]), strict=True)
            for s_id, distance in brute_force_query(s_ids, s_values, q_value, radius)
            if s_id != q_id
        }
        got = {tuple(row[:3]) for row in hits[hits[:, 3] == position].tolist()}
        if query == stored:  # each pair once, either way round
            got |= {(b, a, d) for a, b, d in got}
        assert got == expected, f"{query}→{stored}"
