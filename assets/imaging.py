"""Opening images safely, applying EXIF orientation and decoding at reduced scale."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from assets.errors import CorruptImageError, ImageTooLargeError, UnsupportedFormatError
from assets.formats import IMAGE_SUFFIXES, PILLOW_FORMATS

pillow_heif.register_heif_opener()

# Truncated files must fail loudly instead of being padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# We enforce our own limit (max_pixels below) before decoding, so Pillow's
# warning-then-error pair would only add noise.
Image.MAX_IMAGE_PIXELS = None

#: Default ceiling on width × height, well above any camera (a 100 MP medium format
#: frame is 1e8) and far below the 30,000 × 30,000 PNGs used as decompression bombs.
DEFAULT_MAX_PIXELS = 250_000_000


@dataclass(frozen=True)
class ImageInfo:
    """What the header says, before any pixel is decoded."""

    format: str
    width: int
    height: int
    mode: str
    frames: int


def looks_like_image(path: Path) -> bool:
    """Cheap check used by discovery: decide by name so skipped files are never read."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open image bytes lazily, refusing unknown formats and oversized headers.

    Only the header is parsed here; pixels are decoded on first access, so a
    decompression bomb is refused before it can allocate memory.
    """
    if not data:
        raise CorruptImageError("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise UnsupportedFormatError("not a recognised image") from None
    except Image.DecompressionBombError as exc:  # pragma: no cover - limit disabled above
        raise ImageTooLargeError(str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        raise CorruptImageError(f"cannot read image header: {exc or type(exc).__name__}") from None
    except struct.error as exc:
        raise CorruptImageError(f"cannot read image header: malformed ({exc})") from None
    if image.format not in PILLOW_FORMATS:
        raise UnsupportedFormatError(f"unsupported format {image.format}")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImageError(f"invalid dimensions {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{width}x{height} pixels exceeds the limit of {max_pixels:,} (decompression bomb?)"
        )
    return image


def image_info(image: Image.Image) -> ImageInfo:
    """Header facts in catalog terms."""
    return ImageInfo(
        format=PILLOW_FORMATS[image.format or ""],
        width=image.size[0],
        height=image.size[1],
        mode=image.mode,
        frames=getattr(image, "n_frames", 1),
    )


@contextmanager
def decoding() -> Iterator[None]:
    """Turn the many ways a decoder fails on a broken file into CorruptImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except Image.DecompressionBombError as exc:  # pragma: no cover - limit disabled above
        raise ImageTooLargeError(str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        message = str(exc) or type(exc).__name__
        raise CorruptImageError(f"cannot decode image: {message}") from None
    except struct.error as exc:
        raise CorruptImageError(f"cannot decode image: malformed structure ({exc})") from None


def decode(image: Image.Image, long_side: int | None = None) -> Image.Image:
    """Decode pixels, upright and in RGB or L, at reduced scale when allowed.

    With ``long_side`` a JPEG is decoded with libjpeg's DCT scaling (draft mode)
    to the smallest power-of-two reduction whose longer side is still at least
    ``long_side``: an 8× smaller decode is many times faster than a full one and
    is all a web preview, a thumbnail or a perceptual hash needs.
    """
    with decoding():
        if long_side and image.format in ("JPEG", "MPO"):
            width, height = image.size
            scale = max(long_side / max(width, height), 1 / 8)
            if scale < 1:
                image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        image.load()
        # In place: no copy of the decoded pixels when no turn is needed.
        ImageOps.exif_transpose(image, in_place=True)
        return to_rgb(image)


def to_rgb(image: Image.Image) -> Image.Image:
    """Flatten palette, alpha and high-bit modes onto RGB (or L for greyscale)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as displayed, after the EXIF orientation is applied."""
    width, height = image.size
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # broken EXIF must not hide the image
        orientation = 1
    if orientation in (5, 6, 7, 8):
        return height, width
    return width, height
