"""Opening images safely, applying EXIF orientation and decoding at reduced scale."""

from __future__ import annotations

import io
import math
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from assets.errors import (
    AssetError,
    CorruptImageError,
    DecodeTimeoutError,
    ImageTooLargeError,
    TruncatedImageError,
    UnsupportedFormatError,
)
from assets.formats import IMAGE_SUFFIXES, PILLOW_FORMATS

pillow_heif.register_heif_opener()

# Truncated files must fail loudly instead of being padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# We enforce our own limit (max_pixels below) before decoding, so Pillow's
# warning-then-error pair would only add noise.
Image.MAX_IMAGE_PIXELS = None

#: A truncated JPEG is ingested when the rows that do not decode are at most this share
#: of its height, or at most ``TRUNCATED_MAX_MCU_ROWS`` rows of 16-pixel blocks,
#: whichever is larger (a cut anywhere in the last block row loses that whole row, and
#: libjpeg's smooth upsampling holds back one more).
TRUNCATED_MAX_MISSING = 0.02
TRUNCATED_MAX_MCU_ROWS = 2
#: The grey libjpeg paints where data is missing; browsers show the same kind of band.
_MISSING_FILL = 128

#: ``Image.info`` key holding the warning when a header only opened without its metadata.
STRIPPED_METADATA = "photodesk.stripped_metadata"

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
        image = _open(data)
    except AssetError as exc:
        if data[:2] == b"\xff\xd8":
            _check_jpeg_frame(data, exc)
            # The frame is sound, so a metadata segment broke the header parser: the
            # photo is read without its APPn and COM segments (metadata readers still
            # see the original bytes and report the broken block themselves).
            bare, what = strip_jpeg_metadata(data), "JPEG header: a metadata segment"
        elif data[:8] == _PNG_SIGNATURE:
            bare, what = strip_png_metadata(data), "PNG header: an ancillary chunk"
        else:
            raise
        try:
            image = _open(bare)
        except AssetError:
            raise exc from None
        image.info[STRIPPED_METADATA] = (
            f"{what} is malformed ({exc}); the picture was read without its metadata"
        )
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


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise UnsupportedFormatError("not a recognised image") from None
    except Image.DecompressionBombError as exc:  # pragma: no cover - limit disabled above
        raise ImageTooLargeError(str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        raise CorruptImageError(f"cannot read image header: {exc or type(exc).__name__}") from None
    except struct.error as exc:
        raise CorruptImageError(f"cannot read image header: malformed ({exc})") from None


#: Start-of-frame markers (every SOFn but DHT, JPG and DAC, which share the range).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class JpegSegment:
    """One marker segment of a JPEG header: the marker byte and its payload."""

    marker: int
    start: int  # offset of the 0xFF that opens it
    end: int  # offset just past its payload
    payload: bytes


def jpeg_segments(data: bytes) -> Iterator[JpegSegment]:
    """The marker segments up to and including the first SOS, stopping at broken structure.

    Lenient on purpose: readers of single blocks (IPTC, the frame header) want
    every segment that is intact, not a verdict on the whole file.
    """
    if data[:2] != b"\xff\xd8":
        return
    pos, end = 2, len(data)
    while pos < end and data[pos] == 0xFF:
        start = pos
        while pos < end and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            return
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker == 0xD9 or pos + 2 > end:
            return
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return
        payload = data[pos + 2 : pos + length]
        pos += length
        yield JpegSegment(marker, start, min(pos, end), payload)
        if marker == 0xDA:
            return


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its APPn and COM segments: what is left when metadata is unusable."""
    kept = [data[:2]]
    pos = 2
    for segment in jpeg_segments(data):
        if 0xE0 <= segment.marker <= 0xEF or segment.marker == 0xFE:
            kept.append(data[pos : segment.start])
            pos = segment.end
    kept.append(data[pos:])
    return b"".join(kept)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The PNG chunks a picture needs; every other chunk is metadata or a hint.
_PNG_PICTURE = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})


def strip_png_metadata(data: bytes) -> bytes:
    """The PNG with only the chunks its picture needs (text, EXIF, ICC and the rest dropped)."""
    kept = [data[:8]]
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos : pos + 12 + length]
        if kind in _PNG_PICTURE:
            kept.append(chunk)
        pos += 12 + length
        if kind == b"IEND":
            break
    return b"".join(kept)


def _check_jpeg_frame(data: bytes, error: AssetError) -> None:
    """Raise a reason in words for a JPEG whose frame header is unusable."""
    for segment in jpeg_segments(data):
        if segment.marker not in _SOF_MARKERS:
            continue
        if len(segment.payload) < 6:
            raise CorruptImageError("JPEG frame header is cut short") from None
        height = int.from_bytes(segment.payload[1:3], "big")
        width = int.from_bytes(segment.payload[3:5], "big")
        if height == 0:
            raise CorruptImageError(
                "JPEG frame height is 0 (DNL marker), which this decoder cannot read"
            ) from None
        if width == 0:
            raise CorruptImageError("JPEG frame width is 0") from None
        if segment.marker in (0xC3, 0xC7, 0xCB, 0xCF):
            raise CorruptImageError(
                "lossless JPEG (SOF3), which this decoder cannot read"
            ) from None
        if segment.marker >= 0xC9:
            raise CorruptImageError(
                "arithmetic-coded JPEG, which this decoder cannot read"
            ) from None
        return
    raise CorruptImageError(f"JPEG structure broken before the frame header ({error})") from None


def image_info(image: Image.Image) -> ImageInfo:
    """Header facts in catalog terms."""
    return ImageInfo(
        format=PILLOW_FORMATS[image.format or ""],
        width=image.size[0],
        height=image.size[1],
        mode=image.mode,
        frames=getattr(image, "n_frames", 1),
    )


@dataclass
class Decoded:
    """A decoded picture: what is shown, what the duplicate signals see, and what went wrong.

    For a whole file both images are the same object. For a JPEG that ends early,
    ``shown`` has the missing rows painted grey as browsers show it, and
    ``signal`` holds only the rows that decoded, so a truncated copy is matched
    by what it really shows.
    """

    shown: Image.Image
    signal: Image.Image
    warnings: list[str] = field(default_factory=list)


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
        raise CorruptImageError(f"cannot decode image: {_decoder_message(exc)}") from None
    except struct.error as exc:
        raise CorruptImageError(f"cannot decode image: malformed structure ({exc})") from None


def _decoder_message(exc: BaseException) -> str:
    """Pillow's bare codec status codes, in words."""
    message = str(exc) or type(exc).__name__
    code = message.removeprefix("decoder error ")
    if code != message and code.lstrip("-").isdigit():
        return f"the image data is damaged (decoder error {code})"
    return message


def decode(
    image: Image.Image, long_side: int | None = None, data: bytes | None = None
) -> Image.Image:
    """Decode pixels, upright and in RGB or L, at reduced scale when allowed (see decode_photo)."""
    return decode_photo(image, long_side, data).shown


def decode_photo(
    image: Image.Image, long_side: int | None = None, data: bytes | None = None
) -> Decoded:
    """Decode pixels, upright and in RGB or L, at reduced scale when allowed.

    With ``long_side`` a JPEG is decoded with libjpeg's DCT scaling (draft mode)
    to the smallest power-of-two reduction whose longer side is still at least
    ``long_side``: an 8× smaller decode is many times faster than a full one and
    is all a web preview, a thumbnail or a perceptual hash needs.

    With the file's ``data``, a JPEG that ends early is measured (see
    ``TRUNCATED_MAX_MISSING``): a few missing rows cost a warning, more refuse it.
    """
    warnings_: list[str] = []
    with decoding():
        orientation = exif_orientation(image)
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        is_jpeg = image.format in ("JPEG", "MPO")
        header_height = image.size[1]
        draft_size = _draft(image, long_side) if is_jpeg else None
        signal: Image.Image | None = None
        if is_jpeg and data is not None:
            image.im = _filled(image, 0)
            try:
                image.load()
            except OSError as exc:
                if not str(exc).startswith("image file is truncated"):
                    raise
                shown, signal, note = _decode_truncated(image, data, draft_size, header_height)
                warnings_.append(note)
                image = shown
        else:
            image.load()
        shown = _upright(to_rgb(image), orientation)
        signal = shown if signal is None else _upright(to_rgb(signal), orientation)
    return Decoded(shown, signal, warnings_)


def _draft(image: Image.Image, long_side: int | None) -> tuple[int, int] | None:
    if not long_side:
        return None
    width, height = image.size
    scale = max(long_side / max(width, height), 1 / 8)
    if scale >= 1:
        return None
    size = (int(width * scale) + 1, int(height * scale) + 1)
    image.draft("RGB", size)
    return size


def _filled(image: Image.Image, value: int) -> Any:
    """Image memory preset to one value, so the rows a decoder never wrote can be told apart."""
    bands = len(image.getbands())
    return Image.new(image.mode, image.size, value if bands == 1 else (value,) * bands).im


def _decode_truncated(
    partial: Image.Image, data: bytes, draft_size: tuple[int, int] | None, header_height: int
) -> tuple[Image.Image, Image.Image, str]:
    """Measure how much of a truncated JPEG decodes, and accept it only when little is missing.

    libjpeg writes finished rows into the image memory as it goes; a decode that
    runs out of data stops there. Decoding twice, into memory preset to 0 and to
    255, the rows that come out the same in both are exactly the decoded ones.
    """
    first = partial._new(partial.im)
    again = open_image(data)
    if draft_size is not None:
        again.draft("RGB", draft_size)
    again.im = _filled(again, 255)
    with suppress(OSError):
        again.load()
    second = again._new(again.im)
    width, height = first.size
    stride = len(first.tobytes()) // height if height else 0
    a, b = first.tobytes(), second.tobytes()
    rows = 0
    while (
        rows < height
        and a[rows * stride : (rows + 1) * stride] == b[rows * stride : (rows + 1) * stride]
    ):
        rows += 1
    scale = height / header_height if header_height else 1
    allowed = max(
        math.ceil(height * TRUNCATED_MAX_MISSING),
        math.ceil(TRUNCATED_MAX_MCU_ROWS * 16 * scale),
    )
    missing = height - rows
    if missing > allowed:
        share = round(100 * missing / height) if height else 100
        if rows == 0 and partial.info.get("progressive"):
            raise TruncatedImageError(
                "truncated progressive JPEG: nothing decodes until every scan is read"
            )
        raise TruncatedImageError(
            f"truncated: {share} % of the picture is missing "
            f"(at most {TRUNCATED_MAX_MISSING * 100:g} % of the rows may be)"
        )
    shown = first.copy()
    if missing:
        bands = len(shown.getbands())
        grey = _MISSING_FILL if bands == 1 else (_MISSING_FILL,) * bands
        shown.paste(grey, (0, rows, width, height))
    signal = first.crop((0, 0, width, max(rows, 1)))
    return shown, signal, TRUNCATED_WARNING


#: The warning a JPEG that ends early but decodes almost whole carries.
TRUNCATED_WARNING = "truncated (displayed as browsers do)"


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation 1–8; anything unreadable counts as upright.

    The metadata readers report a broken or odd orientation; here it only must
    not cost the picture.
    """
    try:
        value = image.getexif().get(0x0112, 1)
    except DecodeTimeoutError:
        raise
    except Exception:  # a broken EXIF block must not cost the picture
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """Turn as EXIF says; no copy when no turn is needed."""
    for method in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(method)
    return image


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
    if exif_orientation(image) in (5, 6, 7, 8):
        return height, width
    return width, height
