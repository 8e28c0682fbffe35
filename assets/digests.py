"""Digests of file bytes and of image content that ignore embedded metadata.

Two files with the same content digest show the same picture even when their
captions, credits or EXIF differ, so an edited copy of a photo is recognised
as the same photo without decoding it.
"""

from __future__ import annotations

import hashlib
import struct

from PIL import Image

#: Bumped when the digest definition changes, so stored digests can be recomputed.
CONTENT_DIGEST_VERSION = 1

_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def sha256_hex(data: bytes) -> str:
    """Identity of the exact bytes."""
    return hashlib.sha256(data).hexdigest()


def content_digest(data: bytes, image: Image.Image | None = None) -> str:
    """Digest of what the picture is, whatever metadata travels with it.

    JPEG: every segment but APPn and COM, plus the entropy-coded data.
    PNG: the critical chunks. Anything else: the decoded pixels of the first
    frame, which needs ``image``.
    """
    digest = structural_digest(data)
    if digest is not None:
        return digest
    if image is None:
        raise ValueError("decoded image needed for a pixel digest")
    return "pixels:" + pixel_digest(image)


def structural_digest(data: bytes) -> str | None:
    """The metadata-blind digest of a JPEG or PNG from its structure alone, without decoding."""
    if data[:2] == b"\xff\xd8":
        digest = _jpeg_digest(data)
        if digest is not None:
            return "jpeg:" + digest
    if data[:8] == _PNG_SIGNATURE:
        digest = _png_digest(data)
        if digest is not None:
            return "png:" + digest
    return None


def pixel_digest(image: Image.Image) -> str:
    """Digest of the decoded first frame, its mode and its size."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    image.load()
    h = hashlib.sha256()
    h.update(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def _jpeg_digest(data: bytes) -> str | None:
    """Hash the non-metadata segments; None when the marker structure is broken."""
    h = hashlib.sha256()
    pos = 2
    end = len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            h.update(bytes((0xFF, marker)))
            continue
        if marker == 0xD9:  # EOI before any scan
            h.update(b"\xff\xd9")
            return h.hexdigest()
        if pos + 2 > end:
            return None
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > end:
            return None
        segment = data[pos : pos + length]
        pos += length
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            continue
        h.update(bytes((0xFF, marker)))
        h.update(segment)
        if marker == 0xDA:
            # Scan data and any later tables up to the last EOI; trailers that
            # some tools append after EOI are metadata too.
            last_eoi = data.rfind(b"\xff\xd9", pos)
            h.update(data[pos : last_eoi + 2] if last_eoi >= 0 else data[pos:])
            return h.hexdigest()
    return None


def _png_digest(data: bytes) -> str | None:
    """Hash type and payload of the critical chunks; None on a broken chunk list."""
    h = hashlib.sha256()
    pos = 8
    end = len(data)
    seen_end = False
    while pos + 8 <= end:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if pos + 12 + length > end:
            return None
        if kind in _PNG_CRITICAL:
            h.update(kind)
            h.update(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
        if kind == b"IEND":
            seen_end = True
            break
    return h.hexdigest() if seen_end else None
