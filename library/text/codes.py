"""Code replacements: "=rf" typed in a field becomes "Reza Farahzadi", the way agencies keep names one way.

A code is "=" and 1–20 letters or digits, typed after a space, a line
break, punctuation or at the start of a field, and ended by anything that
is not a letter or digit (or the end of the text). Codes are matched in any
case. A code the list does not hold stays as typed, so "x=y" or "=2" in a
caption are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: How a code is written (without its "=").
CODE_SHAPE = re.compile(r"[a-z0-9]{1,20}")
_TYPED = re.compile(r"(?<![\w=])=([^\W_]{1,20})(?![\w])")


def expand_codes(text: str, table: Mapping[str, str]) -> str:
    """``text`` with every known code replaced by its text (one pass: expansions are not re-read)."""
    if "=" not in text or not table:
        return text

    def replace(match: re.Match[str]) -> str:
        return table.get(match.group(1).lower(), match.group(0))

    return _TYPED.sub(replace, text)
