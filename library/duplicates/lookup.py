"""Near-duplicate candidates asked of the catalog itself: one-shot look-ups without an index load.

`photodesk check FILE` used to load every stored hash into a `HammingIndex` for
one query: seconds at 10^5 photos, half a minute at 10^6. The catalog can answer
the same question with a few indexed look-ups. Each hash is split into three
substrings (:data:`KEY_PARTS`), each indexed in ``asset_hashes`` by an
expression index (migration 0016), and a hash within the radius of a query is,
by the pigeonhole argument `hamming._substring_radii` states, within the
per-substring radius on at least one of them. So the candidates are the rows
whose substring key is one of the few hundred keys near the query's, and an
exact 64-bit distance keeps the true matches: the same set the in-memory index
gives. The database keeps these indexes current at every insert, so a photo
committed after an earlier check is found without anything to refresh.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import text

from assets import similarity
from library.duplicates.hamming import _flip_masks, _Substring, _substring_radii
from library.duplicates.hashbits import _hash_as_uint64, hamming_distance
from library.duplicates.pairs import Candidate, stored_signals

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The substrings migration 0016 indexes; changing them needs a migration that re-indexes.
KEY_PARTS = (_Substring(0, 22), _Substring(22, 21), _Substring(43, 21))


def key_expression(part: _Substring) -> str:
    """The SQL of a stored value's key on `part`; index and query must spell it alike.

    Both databases shift signed 64-bit integers arithmetically, and the mask keeps only
    the substring's bits, so the key equals the Python key of the unsigned pattern.
    """
    mask = (1 << part.bits) - 1
    if part.shift == 0:
        return f"(value & {mask})"
    return f"((value >> {part.shift}) & {mask})"


def best_candidates(
    rules: list[tuple[str, str, int]],
    signals: dict[str, int],
    found: dict[int, list[tuple[int, int]]],
    exclude: int | None,
) -> list[Candidate]:
    """Each photo once, by its closest rule, from (photo, stored value) rows per rule number.

    Rule order decides ties, as in SignalIndex.candidates, so every way of finding
    candidates names the same rule for a photo.
    """
    best: dict[int, Candidate] = {}
    for number, (query, stored, radius) in enumerate(rules):
        for asset_id, value in sorted(found.get(number, [])):
            distance = hamming_distance(signals[query], value)
            if distance > radius or asset_id == exclude:
                continue
            current = best.get(asset_id)
            if current is None or distance < current.distance:
                best[asset_id] = Candidate(asset_id, f"{query}→{stored}", distance)
    return sorted(best.values(), key=lambda c: (c.distance, c.asset_id))


class CatalogLookup:
    """`SignalIndex.candidates` answered by the catalog's substring indexes, per call.

    Nothing is loaded up front, so it suits one-shot checks; a long run over many
    photos (ingest, the matcher) still keeps a warm `SignalIndex`.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._stored = set(stored_signals())

    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        rules = [
            (query, stored, radius)
            for query, stored, radius in similarity.CANDIDATE_RULES
            if query in signals and stored in self._stored
        ]
        if not rules:
            return []
        statement, params = self._statement(rules, signals)
        found: dict[int, list[tuple[int, int]]] = {}
        for rule, asset_id, value in self._rows(statement, params):
            found.setdefault(rule, []).append((asset_id, value))
        return best_candidates(rules, signals, found, exclude)

    def _rows(self, statement: str, params: dict[str, Any]) -> list[Any]:
        """Run the look-up; on PostgreSQL without JIT compilation for this one statement.

        The planner's estimate for a few hundred keys per rule passes ``jit_above_cost``,
        and compiling the statement took seconds where running it takes milliseconds.
        """
        if not self._postgres:
            return list(self._session.execute(text(statement), params))
        before = self._session.scalar(text("SELECT current_setting('jit')"))
        self._session.execute(text("SELECT set_config('jit', 'off', true)"))
        try:
            return list(self._session.execute(text(statement), params))
        finally:
            self._session.execute(text("SELECT set_config('jit', :on, true)"), {"on": before})

    def _statement(
        self, rules: list[tuple[str, str, int]], signals: dict[str, int]
    ) -> tuple[str, dict[str, Any]]:
        """One round trip: a UNION ALL of one indexed look-up per rule."""
        parts: list[str] = []
        params: dict[str, Any] = {}
        for number, (query, stored, radius) in enumerate(rules):
            target = _hash_as_uint64(signals[query])
            radii = _substring_radii(radius, len(KEY_PARTS))
            tests = []
            for i, (part, part_radius) in enumerate(zip(KEY_PARTS, radii, strict=True)):
                if part_radius < 0:
                    continue
                keys = np.unique(part.key(target) ^ _flip_masks(part.bits, part_radius)).tolist()
                name = f"k{number}_{i}"
                if self._postgres:
                    tests.append(f"{key_expression(part)} = ANY(:{name})")
                    params[name] = keys
                else:
                    tests.append(
                        f"{key_expression(part)} IN (SELECT value FROM json_each(:{name}))"
                    )
                    params[name] = json.dumps(keys)
            params[f"s{number}"] = stored
            where = f"algorithm = :s{number} AND ({' OR '.join(tests)})"
            if self._postgres:
                # Only true matches cross the wire; the caller checks the distance again.
                params[f"q{number}"] = target - (1 << 64) * (target >> 63)
                params[f"r{number}"] = radius
                where += (
                    f" AND bit_count(CAST(value # CAST(:q{number} AS BIGINT) AS bit(64)))"
                    f" <= :r{number}"
                )
            parts.append(
                f"SELECT {number} AS rule, asset_id, value FROM asset_hashes WHERE {where}"
            )
        return "\nUNION ALL\n".join(parts), params
