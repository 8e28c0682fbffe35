"""Map an image URL or file name found in an article to the name of the original upload.

WordPress serves one upload under several names, and articles quote whichever one the
editor picked. The variants it generates are stripped from the end of the stem, repeatedly
and in any order:

* ``-1024x683``      a resized copy (``add_image_size`` / srcset sizes);
* ``-scaled``        the copy made when an upload exceeds the big-image threshold (WP 5.3+);
* ``-rotated``       the copy made when EXIF orientation was applied;
* ``-e1568230000``   an edit made in the media editor (10-digit time, or 13 digits when WP
  appends three random digits), with or without a size after it.

A plain ``-1``/``-2`` suffix is NOT stripped: WordPress adds it when a second file of the
same name is uploaded, so ``photo-1.jpg`` is a different upload from ``photo.jpg`` (possibly
another photo). For the same reason ``photo-1024x683-1.jpg`` is kept whole: its stem ends in
the collision suffix, so it is an upload that happened to be named like a size variant.

Names are compared case-folded and NFC-normalised (macOS stores decomposed accents), with
URL-encoding (``%20``, ``S%C3%A3o``) decoded and query strings and fragments dropped.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

_VARIANT_SUFFIX = re.compile(r"-(?:\d{1,5}x\d{1,5}|scaled|rotated|e\d{10}(?:\d{3})?)$")


def _file_name(ref: str) -> str:
    """The last path segment, decoded; a reference may be a URL, a path or a bare name."""
    name = ref.strip().split("?", 1)[0].split("#", 1)[0]
    name = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return unicodedata.normalize("NFC", unquote(name)).casefold()


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + extension


def media_name_candidates(ref: str) -> list[str]:
    """Names to look up, most likely original first, ending with the name as referenced.

    The stripping is a guess (an editor may upload a file really called
    ``map-300x200.png``), so the less-stripped names stay available as fall-backs.
    """
    name = _file_name(ref)
    stem, extension = _split_extension(name)
    stems = [stem]
    while True:
        shorter = _VARIANT_SUFFIX.sub("", stems[-1])
        if shorter == stems[-1] or not shorter:
            break
        stems.append(shorter)
    return [s + extension for s in reversed(stems)] if name else []


def canonical_media_name(ref: str) -> str:
    """The file name of the original upload, case-folded; "" when `ref` names no file."""
    candidates = media_name_candidates(ref)
    return candidates[0] if candidates else ""
