"""One cross-signal rule both ways on random hashes, in CPU seconds of one process.

Before: one HammingIndex over both sides, ids tagged by side, all pairs found and the
pairs within a side dropped. Now: the stored side's index queried with the query side
(`HammingIndex.cross_pairs`). `pairs.full_pass_candidates` takes the second only when
the query side is at most `CROSS_QUERY_SHARE` of the stored side.

Usage: .venv/bin/python benchmarks/hamming_cross.py STORED [QUERIES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from library.duplicates.hamming import HammingIndex  # noqa: E402


def main() -> None:
    stored = int(sys.argv[1])
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else stored
    rng = np.random.default_rng(1)
    s_values = rng.integers(-(2**63), 2**63 - 1, size=stored, dtype=np.int64)
    q_values = rng.integers(-(2**63), 2**63 - 1, size=queries, dtype=np.int64)
    s_ids, q_ids = np.arange(stored, dtype=np.int64), np.arange(queries, dtype=np.int64)
    began = time.process_time()
    both = HammingIndex(
        np.concatenate([s_ids * 2, q_ids * 2 + 1]),
        np.concatenate([s_values, q_values]),
        max_radius=8,
    ).pairs(8, workers=1)
    across = int((((both[:, 0] ^ both[:, 1]) & 1) == 1).sum())
    tagged = time.process_time() - began
    began = time.process_time()
    crossed = HammingIndex(s_ids, s_values, max_radius=8).cross_pairs(q_ids, q_values, 8, workers=1)
    cross = time.process_time() - began
    print(
        f"stored {stored:,}, queries {queries:,}, radius 8: one index over both sides "
        f"{tagged:.2f} s CPU ({across:,} pairs across), cross_pairs {cross:.2f} s CPU "
        f"({len(crossed):,} pairs)"
    )


if __name__ == "__main__":
    main()
