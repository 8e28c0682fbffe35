"""The one table of image formats photodesk catalogs: names, file endings, MIME types, magic.

Ingest, upload, download, export and `ls --format` all read this table, so a
format is added (or an ending accepted) in one place and nowhere disagrees
about what a ``.hif`` file is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageFormat:
    """One catalog format."""

    #: The short name stored in the catalog.
    name: str
    #: What people call it in messages.
    label: str
    #: The ending exiftool and downloads use; the first of ``suffixes``.
    suffix: str
    #: Every file name ending that means this format (lower case, with the dot).
    suffixes: tuple[str, ...]
    mime_type: str
    #: Pillow's names for it (MPO is a JPEG with extra frames).
    pillow_names: tuple[str, ...]
    #: Does a file's first 16 bytes announce this format?
    magic: Callable[[bytes], bool]
    #: Other names a person may type (`ls --format jpg`).
    aliases: tuple[str, ...] = ()


_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1"}
)

FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat(
        "jpeg",
        "JPEG",
        ".jpg",
        (".jpg", ".jpeg", ".jpe"),
        "image/jpeg",
        ("JPEG", "MPO"),
        lambda head: head.startswith(b"\xff\xd8\xff"),
        ("jpg", "jpe"),
    ),
    ImageFormat(
        "png",
        "PNG",
        ".png",
        (".png",),
        "image/png",
        ("PNG",),
        lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    ),
    ImageFormat(
        "webp",
        "WebP",
        ".webp",
        (".webp",),
        "image/webp",
        ("WEBP",),
        lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    ),
    ImageFormat(
        "tiff",
        "TIFF",
        ".tif",
        (".tif", ".tiff"),
        "image/tiff",
        ("TIFF",),
        lambda head: head[:4] in (b"II*\x00", b"MM\x00*"),
        ("tif",),
    ),
    ImageFormat(
        "gif",
        "GIF",
        ".gif",
        (".gif",),
        "image/gif",
        ("GIF",),
        lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    ),
    ImageFormat(
        "heic",
        "HEIC",
        ".heic",
        (".heic", ".heif", ".hif"),
        "image/heic",
        ("HEIF",),
        lambda head: head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS,
        ("heif", "hif"),
    ),
)

NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
#: File name endings worth opening; anything else is skipped without reading.
IMAGE_SUFFIXES: frozenset[str] = frozenset(s for f in FORMATS for s in f.suffixes)
#: Pillow's format name → catalog name.
PILLOW_FORMATS: dict[str, str] = {p: f.name for f in FORMATS for p in f.pillow_names}
#: How many leading bytes `sniff` needs.
MAGIC_BYTES = 16

_BY_NAME = {key: f for f in FORMATS for key in (f.name, *f.aliases)}
_BY_SUFFIX = {s: f for f in FORMATS for s in f.suffixes}


def format_by_name(name: str) -> ImageFormat | None:
    """The format a person means by ``jpg``, ``.JPEG`` or ``heif``; None if unknown."""
    return _BY_NAME.get(name.strip().lower().lstrip("."))


def format_for_suffix(suffix: str) -> ImageFormat | None:
    """The format a file name ending promises (``.JPG`` → JPEG); None if not an image."""
    return _BY_SUFFIX.get(suffix.lower())


def sniff(head: bytes) -> ImageFormat | None:
    """The format a file's first bytes announce, whatever its name says."""
    return next((f for f in FORMATS if f.magic(head)), None)


def mime_type(name: str) -> str:
    """The MIME type for a catalog format; octet-stream for anything unknown."""
    found = _BY_NAME.get(name)
    return found.mime_type if found else "application/octet-stream"


def suffix_for(name: str, default: str = "") -> str:
    """The usual file ending for a catalog format."""
    found = _BY_NAME.get(name)
    return found.suffix if found else default
