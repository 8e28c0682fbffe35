"""Web-size renditions: the thumbnail for grids and the preview for pages and downloads."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

#: Long side in pixels and JPEG quality of each rendition kind.
RENDITIONS: dict[str, tuple[int, int]] = {
    "thumb": (320, 80),
    "web": (1280, 85),
}


@dataclass(frozen=True)
class Rendition:
    """An encoded JPEG rendition and its size."""

    kind: str
    data: bytes
    width: int
    height: int


def make_rendition(image: Image.Image, kind: str) -> Rendition:
    """Scale an upright RGB/L image to the rendition's long side (never up) and encode it."""
    long_side, quality = RENDITIONS[kind]
    scaled = fit(image, long_side)
    buffer = io.BytesIO()
    scaled.save(buffer, "JPEG", quality=quality, optimize=True, progressive=kind == "web")
    return Rendition(kind, buffer.getvalue(), scaled.size[0], scaled.size[1])


def fit(image: Image.Image, long_side: int) -> Image.Image:
    """A copy no larger than ``long_side`` on its longer side, aspect kept."""
    width, height = image.size
    scale = long_side / max(width, height)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
