"""Word-level differences between two texts, for the publication panel and field history."""

from __future__ import annotations

import difflib


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """Word-level diff of b against a: ("equal"|"insert"|"delete", text) runs for highlighting."""
    left, right = a.split(), b.split()
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("equal", " ".join(left[i1:i2])))
        else:
            if i2 > i1:
                ops.append(("delete", " ".join(left[i1:i2])))
            if j2 > j1:
                ops.append(("insert", " ".join(right[j1:j2])))
    return ops


def items_diff(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    """The same runs for lists (keywords): each item kept, removed or added, in b's order."""
    ops: list[tuple[str, str]] = [("delete", item) for item in a if item not in b]
    ops += [("equal" if item in a else "insert", item) for item in b]
    return ops
