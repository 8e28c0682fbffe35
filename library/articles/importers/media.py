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

Stripping is only a fall-back. A reference is first an upload path (`upload_path`:
``2013/09/x.jpg``), looked up exactly (`UploadIndex`): WordPress files uploads by month, so
``2012/06/x.jpg`` is another photo, and an editor may really upload ``map-580x300.jpg``
beside ``map.jpg``. `stripped_upload_paths` gives the originals a variant may come from in
its own month, with the ``WxH`` stripped, for the caller to check (`size_fits`).
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


def _month(path: str) -> str | None:
    """The ``YYYY/MM`` folder a path files its upload in, if it has one."""
    dated = re.search(r"(?:^|/)(\d{4}/\d{2})/[^/]+$", path)
    return dated.group(1) if dated else None


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
    """Whether ``WxH`` can be a WordPress size of a picture of the original's size.

    WordPress never enlarges: each size is a downscale or a crop (thumbnails) of the
    upload, so a ``-1200x4002`` name is not a size of an 800 px wide picture.
    """
    width, height = size
    original_width, original_height = original
    return 0 < width <= original_width and 0 < height <= original_height


def same_shape(size: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether two pictures have one aspect ratio, allowing for rounding to whole pixels.

    A catalog copy is not the upload itself: it may be smaller than a size WordPress
    made from the upload, but then it has that size's shape (1.5 % slack).
    """
    width, height = size
    other_width, other_height = other
    if min(width, height, other_width, other_height) <= 0:
        return False
    return abs(width * other_height - height * other_width) <= 0.015 * height * other_width


class UploadIndex(Generic[T]):
    """Places (files, catalog paths) found by the upload a reference names.

    A reference ``…/uploads/2013/09/x.jpg`` finds ``/any/root/2013/09/x.jpg``, or an
    ``x.jpg`` filed without a month folder (a photo archive), but never
    ``/any/root/2012/06/x.jpg``: that month's x.jpg is another upload. A bare ``x.jpg``
    finds every ``x.jpg``.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, list[tuple[T, str | None]]] = {}

    def add(self, path: str, value: T) -> None:
        """Index a file path (not URL-encoded); ``upload:USER:NAME`` labels count by NAME."""
        text = unicodedata.normalize("NFC", path.replace("\\", "/")).casefold()
        parts = [p for p in text.split("/") if p]
        if not parts:
            return
        if ":" in parts[-1]:
            parts[-1] = parts[-1].rsplit(":", 1)[1]
        entry = (value, _month("/".join(parts)))
        found = self._by_name.setdefault(parts[-1], [])
        if entry not in found:
            found.append(entry)

    def find(self, path: str) -> list[T]:
        """The distinct values filed as this upload path: same month first, else undated."""
        entries = self._by_name.get(path.rpartition("/")[2], [])
        month = _month(path)
        if month is not None:
            same = [value for value, filed in entries if filed == month]
            undated = [value for value, filed in entries if filed is None]
            return _distinct(same or undated)
        return _distinct([value for value, _filed in entries])


def _distinct(values: list[T]) -> list[T]:
    kept: list[T] = []
    for value in values:
        if value not in kept:
            kept.append(value)
    return kept
