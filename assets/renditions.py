"""Web-size renditions: the thumbnail for grids and the preview for pages and downloads."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

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


@dataclass(frozen=True)
class Rendition:
    """An encoded JPEG rendition and its size."""

    kind: str
    data: bytes
    width: int
    height: int


def make_rendition(image: Image.Image, kind: str) -> Rendition:
    """Scale an upright RGB/L image to the rendition's long side (never up) and encode it."""
    return encode(fit(image, RENDITIONS[kind][0]), kind)


def encode(scaled: Image.Image, kind: str) -> Rendition:
    """Encode an image already scaled for the rendition kind."""
    quality = RENDITIONS[kind][1]
    buffer = io.BytesIO()
    scaled.save(buffer, "JPEG", quality=quality)
    return Rendition(kind, buffer.getvalue(), scaled.size[0], scaled.size[1])


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
