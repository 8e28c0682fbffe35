"""CPU cost of the common-value discount in the full pass, on rule hits the size a large
catalog produces.

The full pass (`pairs.match_all`) finds each rule's pairs with the Hamming index, then
verifies the pairs `common_values.CommonValues` supports, in rounds. This times that step alone on
synthetic rows, so that its cost at 10^6 photos is known without building the catalog:

* copies: families of 2-6 versions of one photo, each pair hit by a rule with some
  probability (most rules of all three signal families);
* templates: 300 cliques of 30 different photos in one page template, each rule of one
  family hitting whole cliques (what the discount is for);
* noise: random pairs within the radius.

Printed: rows and pairs, and CPU seconds of each whole-array step of the full pass
after the Hamming searches (`pairs._verify_in_rounds` without the verifying itself,
which costs about 1.4 ms per pair): setting up the counts, picking each pair's closest
rule, each round's counting (copies verify, template pages and noise do not) and
joining; then the per-row Python loop that built the proposals before, for scale.

    .venv/bin/python benchmarks/common_values_cost.py --photos 1000000 --per-rule 80000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets import similarity  # noqa: E402
from library.duplicates import common_values  # noqa: E402
from library.duplicates.pairs import (  # noqa: E402
    DISCOUNT_ROUNDS,
    RULE_NAMES,
    Candidate,
    first_hits,
)

RULES = len(similarity.CANDIDATE_RULES)


def clique_pairs(groups: np.ndarray) -> np.ndarray:
    """Every pair (low, high) within each row of ``groups`` (photos × size)."""
    size = groups.shape[1]
    first, second = np.triu_indices(size, 1)
    return np.stack([groups[:, first].ravel(), groups[:, second].ravel()], axis=1)


def synthetic_hits(photos: int, per_rule: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(query id, stored id, distance, rule position) rows, as `full_pass_hits` gives,
    and each photo id's picture (copies share one)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(photos).astype(np.int64) + 1
    family = np.arange(photos + 1, dtype=np.int64)
    # Copy families of 2-6 photos, taken from the front of a shuffled id list.
    sizes = rng.integers(2, 7, size=photos // 20)
    start = 0
    copies = []
    for size in range(2, 7):
        count = int((sizes == size).sum())
        members = order[start : start + count * size].reshape(count, size)
        family[members] = members[:, :1]
        start += count * size
        copies.append(clique_pairs(members))
    copy_pairs = np.concatenate(copies)
    templates = order[start : start + 300 * 30].reshape(300, 30)
    families = common_values.rule_families()
    template_family = common_values.FAMILIES.index("lowfreq")
    rows = []
    for position, (query, stored, _) in enumerate(similarity.CANDIDATE_RULES):
        share_templates = 0.3 if families[position] == template_family else 0.0
        parts = [
            copy_pairs[rng.integers(0, len(copy_pairs), int(per_rule * (0.85 - share_templates)))],
            # A template's pages are all within the radius of each other: whole cliques.
            clique_pairs(templates[rng.permutation(300)[: int(per_rule * share_templates) // 435]]),
            rng.integers(1, photos + 1, size=(int(per_rule * 0.15), 2)),
        ]
        found = np.concatenate(parts)
        found = found[found[:, 0] != found[:, 1]]
        if query == stored:
            found = np.unique(np.sort(found, axis=1), axis=0)
        else:
            found = np.unique(found, axis=0)
        distance = rng.integers(0, 9, size=len(found))
        rows.append(
            np.column_stack([found, distance, np.full(len(found), position, dtype=np.int64)])
        )
    return np.concatenate(rows).astype(np.int64), family


def per_row_loop(hits: np.ndarray) -> dict[tuple[int, int], Candidate]:
    """The full pass's proposals as it built them before: one dict update per row."""
    proposals: dict[tuple[int, int], Candidate] = {}
    for position in range(RULES):
        found = hits[hits[:, 3] == position, :3]
        for a, b, distance in found.tolist():
            key = (min(a, b), max(a, b))
            if key not in proposals or distance < proposals[key].distance:
                proposals[key] = Candidate(b, RULE_NAMES[position], distance)
    return proposals


def cpu(function):  # type: ignore[no-untyped-def]
    began = time.process_time()
    result = function()
    return result, time.process_time() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--per-rule", type=int, default=80_000, help="rows per rule, about")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-loop", action="store_true", help="do not time the old loop")
    args = parser.parse_args(argv)
    (hits, family), made = cpu(lambda: synthetic_hits(args.photos, args.per_rule, args.seed))
    print(f"{len(hits):,} rows over {RULES} rules, {args.photos:,} photos (made in {made:.1f} s)")
    within = np.array([q == s for q, s, _ in similarity.CANDIDATE_RULES])[hits[:, 3]]
    directed = np.concatenate([hits, hits[within][:, [1, 0, 2, 3]]])
    values, built = cpu(
        lambda: common_values.CommonValues(
            directed[:, 0], directed[:, 1], directed[:, 3], directed[:, 2], args.photos
        )
    )
    first, picked = cpu(lambda: first_hits(directed, values))
    print(
        f"{len(directed):,} directed hits, {len(values.pairs):,} pairs: counting set up in"
        f" {built:.2f} s, each pair's closest rule picked in {picked:.2f} s"
    )
    low, high = values.pair_ids()
    same = family[low] == family[high]  # copies verify; template pages and noise do not
    decided = np.zeros(len(values.pairs), dtype=np.bool_)
    for round_ in range(1, DISCOUNT_ROUNDS + 1):
        wanted, seconds = cpu(values.supported)
        wanted &= ~decided
        if not wanted.any():
            print(f"round {round_}: nothing new ({seconds:.2f} s)")
            break
        decided |= wanted
        _, joined = cpu(
            lambda w=wanted: values.join(low[w & same].tolist(), high[w & same].tolist())
        )
        print(
            f"round {round_}: {int(wanted.sum()):,} pairs to verify, {int((wanted & same).sum()):,}"
            f" of them copies; counting {seconds:.2f} s, joining {joined:.2f} s"
        )
    print(f"verified in all: {int(decided.sum()):,} of {len(values.pairs):,} pairs")
    if not args.skip_loop:
        old, loop = cpu(lambda: per_row_loop(hits))
        assert len(old) == len(values.pairs)
        print(f"the per-row loop the full pass had before (no discount): {loop:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
