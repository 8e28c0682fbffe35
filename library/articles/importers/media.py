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
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")

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


# -- upload paths --------------------------------------------------------------------------

_SIZE = re.compile(r"-(\d{1,5})x(\d{1,5})$")
_DATED = re.compile(r"(?:^|/)(\d{4}/\d{2}/[^/]+)$")
_MULTISITE = re.compile(r"^sites/\d+/")
#: Segments of an upload path that take part in matching: ``YYYY/MM/name`` and a little more.
_TAIL = 4


def upload_path(ref: str) -> str:
    """Where a reference sits in the uploads folder: ``2013/09/x.jpg``, or just ``x.jpg``.

    The folder matters: WordPress files uploads by month, and two months may each hold a
    different photo under the same name. The part below ``/uploads/`` is used (multisite
    ``sites/N/`` dropped), else a trailing ``YYYY/MM/name`` (``*.files.wordpress.com``,
    CDN copies), else the bare name. Case-folded and NFC like `canonical_media_name`.
    """
    raw = ref.strip().split("?", 1)[0].split("#", 1)[0].replace("\\", "/")
    if "://" in raw:
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    path = unicodedata.normalize("NFC", unquote(raw)).casefold()
    if "/uploads/" in path:
        return _MULTISITE.sub("", path.rsplit("/uploads/", 1)[1]).strip("/")
    dated = _DATED.search(path)
    if dated:
        return dated.group(1)
    return _file_name(ref)


def _tail(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-_TAIL:])


def stripped_upload_paths(ref: str) -> list[tuple[str, tuple[int, int] | None]]:
    """The originals a size variant may come from, nearest first, in the same folder.

    Each comes with the ``WxH`` that was stripped on the way to it (None when only
    ``-scaled``/``-rotated``/``-e…`` were), so the caller can check the pixels agree.
    """
    path = upload_path(ref)
    folder, _, name = path.rpartition("/")
    stem, extension = _split_extension(name)
    found: list[tuple[str, tuple[int, int] | None]] = []
    size: tuple[int, int] | None = None
    while True:
        match = _VARIANT_SUFFIX.search(stem)
        if match is None or match.start() == 0:
            return found
        dimensions = _SIZE.search(stem)
        if dimensions and dimensions.start() == match.start():
            size = size or (int(dimensions.group(1)), int(dimensions.group(2)))
        stem = stem[: match.start()]
        found.append((f"{folder}/{stem}{extension}" if folder else stem + extension, size))


def size_fits(size: tuple[int, int], original: tuple[int, int]) -> bool:
    """Whether ``WxH`` is a WordPress downscale of a picture of the original's size.

    WordPress scales proportionally and rounds one side, so a true variant is no larger
    than the original and its aspect agrees within a pixel. Hard-cropped sizes (the
    150x150 thumbnail) cannot be told from another photo this way and do not fit.
    """
    width, height = size
    original_width, original_height = original
    if not (0 < width <= original_width and 0 < height <= original_height):
        return False
    if width == original_width and height == original_height:
        return True
    return (
        abs(round(width * original_height / original_width) - height) <= 1
        or abs(round(height * original_width / original_height) - width) <= 1
    )


class UploadIndex(Generic[T]):
    """Places (files, catalog paths) found by the upload path a reference names.

    A reference ``…/uploads/2013/09/x.jpg`` finds ``/any/root/2013/09/x.jpg`` but never
    ``/any/root/2012/06/x.jpg``; a bare ``x.jpg`` finds every ``x.jpg``.
    """

    def __init__(self) -> None:
        self._by_tail: dict[str, list[T]] = {}

    def add(self, path: str, value: T) -> None:
        """Index a file path (not URL-encoded); ``upload:USER:NAME`` labels count by NAME."""
        text = unicodedata.normalize("NFC", path.replace("\\", "/")).casefold()
        parts = [p for p in text.split("/") if p]
        if parts and ":" in parts[-1]:
            parts[-1] = parts[-1].rsplit(":", 1)[1]
        for length in range(1, min(_TAIL, len(parts)) + 1):
            found = self._by_tail.setdefault("/".join(parts[-length:]), [])
            if value not in found:
                found.append(value)

    def find(self, path: str) -> list[T]:
        """Every place whose path ends with this upload path (segment-wise)."""
        return list(self._by_tail.get(_tail(path), []))
