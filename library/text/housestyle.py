"""The desk's house style for the one-line caption and credit that editors copy into a story.

The line is ``{caption} ({credit})``:

* The credit always names the photo: ``Jane Roe/Reuters`` is written
  ``(Photo: Jane Roe/Reuters)``; a credit that already says "Photo"
  (``AP Photo/Jane Roe``, ``Photo: Jane Roe``) is kept as written.
* An archive photo starts with ``FILE – `` (an en dash), unless the caption
  already carries an archive note (``FILE``, ``file photo``, ``archive
  picture`` …), so a reader never mistakes an old picture for today's.
* No double periods: ``"Smoke rises.."`` becomes ``"Smoke rises."`` (an
  ellipsis of three or more stays), and whitespace and line breaks collapse
  to single spaces, so the line pastes cleanly into any system.
* Without a credit the line ends ``(credit needed)``, which is easy to spot
  before publication; without a caption the line is the credit alone.
* A caption that already ends with its credit in parentheses is not credited
  twice.
"""

from __future__ import annotations

import re
from typing import Protocol

ARCHIVE_PREFIX = "FILE – "
CREDIT_NEEDED = "(credit needed)"

_ARCHIVE_NOTE = re.compile(
    r"^\s*FILE\b|\((file|archive)( photo| picture| image)?\)|"
    r"\b(file|archive|archival) (photo|picture|image)\b",
    re.IGNORECASE,
)
_DOUBLE_PERIOD = re.compile(r"(?<!\.)\.\s*\.(?!\.)")
_TRAILING_PAREN = re.compile(r"\(([^()]*)\)\s*\.?\s*$")


class Captioned(Protocol):
    """What the line needs from a photo (an Asset, or anything shaped like one)."""

    caption: str | None
    credit: str | None
    archive: bool


def caption_credit_line(asset: Captioned) -> str:
    """The caption and credit on one line, in house style (see the module docstring)."""
    caption = _clean(asset.caption)
    credit = _clean(asset.credit).strip("()").strip()
    if caption and asset.archive and not _ARCHIVE_NOTE.search(caption):
        caption = ARCHIVE_PREFIX + caption
    if not credit:
        return f"{caption} {CREDIT_NEEDED}".strip()
    if _already_credited(caption, credit):
        return caption
    credit_part = f"({credit})" if "photo" in credit.casefold() else f"(Photo: {credit})"
    return f"{caption} {credit_part}".strip()


def _clean(text: str | None) -> str:
    collapsed = " ".join((text or "").split())
    return _DOUBLE_PERIOD.sub(".", collapsed)


def _already_credited(caption: str, credit: str) -> bool:
    match = _TRAILING_PAREN.search(caption)
    return bool(match and credit.casefold() in match.group(1).casefold())
