"""Web-size renditions: the thumbnail for grids and the preview for pages and downloads."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image

from assets import imaging

#: Long side in pixels and JPEG quality of each rendition kind. The thumbnail is
#: 480 px so a grid card (about 240 CSS px wide) stays sharp on a 2x screen.
RENDITIONS: dict[str, tuple[int, int]] = {
    "thumb": (480, 80),
    "web": (1280, 85),
}

#: Long side of the image duplicate signals are computed on. It stayed at the old
#: thumbnail size when the thumbnail grew, so hashes stored by earlier versions
#: still compare bit for bit with new ones.
SIGNAL_SIDE = 320

#: A JPEG no larger than this on its long side, upright as stored and at most
#: ``OWN_PREVIEW_MAX_BYTES`` without its metadata, is already a web-size photo: it
#: is its own web preview (its image data untouched, its metadata segments dropped)
#: instead of being decoded at full size and re-encoded at 1280 px. 2048 px is what
#: news sites publish at (0.3-2 MP); a bigger JPEG is a camera original.
OWN_PREVIEW_MAX_SIDE = 2048
#: About what a 2 MP photo weighs at quality 90; a heavier file would make a slow preview.
OWN_PREVIEW_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Rendition:
    """An encoded JPEG rendition and its size."""

    kind: str
    data: bytes
    width: int
    height: int


def make_rendition(image: Image.Image, kind: str, icc_profile: bytes | None = None) -> Rendition:
    """Scale an upright RGB/L image to the rendition's long side (never up) and encode it."""
    return encode(fit(image, RENDITIONS[kind][0]), kind, icc_profile)


def encode(scaled: Image.Image, kind: str, icc_profile: bytes | None = None) -> Rendition:
    """Encode an image already scaled for the rendition kind.

    ``icc_profile`` is the source's colour profile (see ``colour_profile``): the
    pixels are the source's, so they mean what they meant there only with it.
    """
    quality = RENDITIONS[kind][1]
    buffer = io.BytesIO()
    if icc_profile:
        scaled.save(buffer, "JPEG", quality=quality, icc_profile=icc_profile)
    else:
        scaled.save(buffer, "JPEG", quality=quality)
    return Rendition(kind, buffer.getvalue(), scaled.size[0], scaled.size[1])


#: A larger profile would outweigh a thumbnail; RGB display profiles are a few KB.
MAX_PROFILE_BYTES = 128 * 1024


def colour_profile(image: Image.Image) -> bytes | None:
    """The image's ICC profile when renditions can carry it, else None.

    Renditions carry it so a browser shows an Adobe RGB or Display P3 photo in its
    colours. It must be whole (header size and signature agree) and describe the
    renditions' pixels: an RGB profile for an RGB photo, a grey one for a greyscale
    photo. A CMYK photo's profile does not fit its RGB renditions, and a broken one
    (reported by the metadata reader) says nothing; without one, the pixels are
    taken as sRGB, as browsers take them.
    """
    profile = image.info.get("icc_profile")
    if not isinstance(profile, bytes) or not 128 <= len(profile) <= MAX_PROFILE_BYTES:
        return None
    if profile[36:40] != b"acsp" or int.from_bytes(profile[:4], "big") != len(profile):
        return None
    space = profile[16:20]
    if image.mode in ("RGB", "RGBA", "RGBX", "YCbCr") and space == b"RGB ":
        return profile
    if image.mode in ("L", "LA") and space == b"GRAY":
        return profile
    return None


#: JPEG frames every browser decodes: baseline, extended and progressive Huffman.
_WEB_FRAMES = frozenset({0xC0, 0xC1, 0xC2})
#: Segments a preview keeps: JFIF (APP0), the ICC profile (APP2) and Adobe's colour
#: transform flag (APP14), which says whether three components are YCbCr or RGB.
_KEPT_APPS = frozenset({0xE0, 0xE2, 0xEE})


#: In entropy-coded data 0xFF is followed by 0x00 (stuffing) or a restart marker; a
#: marker with a length (tables and scan headers between progressive scans) or EOI is
#: 0xFF then one of these (after fill bytes, the last 0xFF of the run matches).
_MARKER = re.compile(rb"\xff[\xc0-\xcf\xd9-\xfe]")


def _image_end(data: bytes, pos: int) -> int | None:
    """Offset just past the EOI that ends the first image, from its first scan's data on.

    What follows (a phone's motion-photo video, an MPO's second frame, a trailer)
    is no part of the picture; a file without EOI is truncated.
    """
    while True:
        found = _MARKER.search(data, pos)
        if found is None:
            return None
        if data[found.end() - 1] == 0xD9:
            return found.end()
        if found.end() + 2 > len(data):
            return None
        pos = found.end() + int.from_bytes(data[found.end() : found.end() + 2], "big")


def own_preview(data: bytes, image: Image.Image) -> Rendition | None:
    """The JPEG itself as its web preview, metadata dropped, when it is web-size already.

    That is: a single-frame baseline or progressive 8-bit YCbCr or greyscale JPEG,
    upright as stored (EXIF orientation 1 or none), at most ``OWN_PREVIEW_MAX_SIDE``
    on its long side and ``OWN_PREVIEW_MAX_BYTES`` without metadata. Its entropy-coded
    data and tables are kept byte for byte, so it shows exactly what the file shows;
    EXIF, XMP, IPTC, comments and trailers (GPS, captions, a camera's thumbnail) are
    dropped, as from every rendition, while the colour profile stays. None otherwise:
    the caller decodes and encodes the preview as for any photo.
    """
    if image.format != "JPEG" or image.mode not in ("RGB", "L"):
        return None
    width, height = image.size
    if max(width, height) > OWN_PREVIEW_MAX_SIDE or imaging.exif_orientation(image) != 1:
        return None
    kept: list[bytes] = [b"\xff\xd8"]
    pos = 2
    scan = None
    has_profile = False
    for segment in imaging.jpeg_segments(data):
        marker = segment.marker
        is_frame = 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)
        if is_frame and (marker not in _WEB_FRAMES or segment.payload[:1] != b"\x08"):
            return None  # lossless, arithmetic-coded or 12-bit: not for every browser
        is_profile = marker == 0xE2 and segment.payload.startswith(b"ICC_PROFILE\x00")
        has_profile = has_profile or is_profile
        if (
            (0xE0 <= marker <= 0xEF and marker not in _KEPT_APPS)
            or marker == 0xFE
            or (
                marker == 0xE2 and not is_profile  # APP2 that is no profile: FlashPix, MPF
            )
        ):
            kept.append(data[pos : segment.start])
            pos = segment.end
        if marker == 0xDA:
            scan = segment.end
    end = _image_end(data, scan) if scan is not None else None
    if end is None:
        return None
    if has_profile and colour_profile(image) is None:
        return None  # a broken profile: a browser would guess; a re-encoded preview says sRGB
    kept.append(data[pos:end])
    preview = b"".join(kept)
    if len(preview) > OWN_PREVIEW_MAX_BYTES:
        return None
    return Rendition("web", preview, width, height)


def web_long_side(width: int, height: int, fmt: str | None, orientation: int | None) -> int:
    """The long side of a photo's web preview, from its catalog facts, for ``srcset``.

    A JPEG upright as stored and at most ``OWN_PREVIEW_MAX_SIDE`` is its own preview;
    the rarer exceptions ``own_preview`` knows from the file (CMYK, heavier than
    ``OWN_PREVIEW_MAX_BYTES``, a broken profile, cut short) get 1280 px instead, which
    a browser choosing from ``srcset`` tells apart from this only by the bytes it saves.
    """
    side = max(width, height)
    if fmt == "jpeg" and (orientation or 1) == 1 and side <= OWN_PREVIEW_MAX_SIDE:
        return side
    return min(side, RENDITIONS["web"][0])


def fit(image: Image.Image, long_side: int) -> Image.Image:
    """A copy no larger than ``long_side`` on its longer side, aspect kept."""
    width, height = image.size
    scale = long_side / max(width, height)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Shrinking, an area average (box) keeps all the detail a preview shows, at
    # a fraction of a windowed filter's cost; the reducing gap box-averages large
    # factors first.
    return image.resize(size, Image.Resampling.BOX, reducing_gap=1.0)
