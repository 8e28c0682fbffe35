"""Near-duplicate signals for the candidate index and a fingerprint check that confirms them.

Two stages, both pure functions over upright pixels:

* :func:`compute_signals` gives named signed 64-bit hashes. The catalog keeps one
  Hamming-radius index per name and looks a new photo up with :data:`CANDIDATE_RULES`
  (query signal, stored signal, radius). Each derivative kind the desk meets lands
  within the radius of at least one rule:

  - resize, recompression, PNG/WebP, brightness/contrast, greyscale, small
    watermark: ``phash``/``phash`` and ``dhash``/``dhash`` (plain imagehash);
  - mirrored: query ``phash_mirror`` against stored ``phash``;
  - pixels rotated by 90/180/270: query ``phash_rot90``/``phash_rot180``/
    ``phash_rot270`` against stored ``phash`` (and, completing the eight flips and
    turns, ``phash_flip``, ``phash_transpose``, ``phash_transverse``); all come from
    the one 32×32 reduction pHash makes anyway;
  - crops that keep two thirds of the area or more, 16:9 bands, caption bars,
    borders, and the picture shown inside a web page, a branded frame or full-width
    meme boxes: ``lowfreq`` and its windows. ``lowfreq`` is a coarse, shift-tolerant
    hash of the picture's own frame (:func:`_content_box`: uniform borders and
    caption bars trimmed, or the one picture found on a page); ``lowfreq_<window>``
    is the same hash of a window inside it (see :data:`LOWFREQ_WINDOWS`). A crop's
    whole frame looks like one of the original's windows, so query ``lowfreq`` is
    compared with every stored window and, for the other arrival order, every query
    window with stored ``lowfreq``. Trimming makes caption bars and borders an
    exact ``lowfreq``/``lowfreq`` match; when it does not recognise one, the
    derivative's ``b12``/``b22``/``c7`` window still covers the original.

* :func:`fingerprint` keeps a 64×64 greyscale thumbnail of the same frame and a
  few numbers (≈4 KiB), and :func:`assets.verification.verify` aligns two of them (full frame, mirror,
  rotations, crop search in both directions, small turns) and decides with a robust
  normalised cross-correlation plus a correlation of fine detail, so candidates are
  confirmed without decoding originals again.

Low-detail images (flat, almost black, tiny, test cards, noisy night shots) carry
too little structure for any of this; :func:`assets.verification.verify` only accepts them when they are
nearly pixel-identical after normalisation."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import imagehash
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from assets.imaging import to_rgb

#: Bumped whenever a signal, the fingerprint layout or the verification rules change,
#: so the catalog knows which stored values must be recomputed.
SIGNALS_VERSION: str = "sim-4"


#: Names of the pHash variants computed from the same 32×32 reduction.
_PHASH_VARIANTS: tuple[str, ...] = (
    "phash_mirror",
    "phash_rot90",
    "phash_rot180",
    "phash_rot270",
    "phash_flip",
    "phash_transpose",
    "phash_transverse",
)


#: Windows of the trimmed frame hashed with the low-frequency hash, as fractions cut
#: from (left, top, right, bottom). One-side cuts of 12 % and 22 %, a 7 % inset and
#: 12.5 % off both ends of one axis (a 16:9 band or a square out of 4:3) cover the
#: crops that keep at least 75 % of the area: the low-frequency hash tolerates about
#: 6 % of edge movement, so each crop edge is near some window edge.
LOWFREQ_WINDOWS: dict[str, tuple[float, float, float, float]] = {
    "lowfreq_c7": (0.07, 0.07, 0.07, 0.07),
    "lowfreq_l12": (0.12, 0.0, 0.0, 0.0),
    "lowfreq_t12": (0.0, 0.12, 0.0, 0.0),
    "lowfreq_r12": (0.0, 0.0, 0.12, 0.0),
    "lowfreq_b12": (0.0, 0.0, 0.0, 0.12),
    "lowfreq_l22": (0.22, 0.0, 0.0, 0.0),
    "lowfreq_t22": (0.0, 0.22, 0.0, 0.0),
    "lowfreq_r22": (0.0, 0.0, 0.22, 0.0),
    "lowfreq_b22": (0.0, 0.0, 0.0, 0.22),
    "lowfreq_v12": (0.0, 0.125, 0.0, 0.125),
    "lowfreq_h12": (0.125, 0.0, 0.125, 0.0),
    # 84 % of each side (70 % of the area) at the corners and edge middles: crops that
    # keep 66-75 % of the picture, anywhere in it.
    "lowfreq_tl16": (0.0, 0.0, 0.16, 0.16),
    "lowfreq_tr16": (0.16, 0.0, 0.0, 0.16),
    "lowfreq_bl16": (0.0, 0.16, 0.16, 0.0),
    "lowfreq_br16": (0.16, 0.16, 0.0, 0.0),
    "lowfreq_tc16": (0.08, 0.0, 0.08, 0.16),
    "lowfreq_bc16": (0.08, 0.16, 0.08, 0.0),
    "lowfreq_lc16": (0.0, 0.08, 0.16, 0.08),
    "lowfreq_rc16": (0.16, 0.08, 0.0, 0.08),
    # 75 % of each side (56 % of the area) on a 4×4 grid of positions: crops that keep
    # about half of the picture, anywhere (issue 16). Local features verify them.
    **{
        f"lowfreq_g{column}{row}": (
            0.25 * column / 3,
            0.25 * row / 3,
            0.25 - 0.25 * column / 3,
            0.25 - 0.25 * row / 3,
        )
        for column in range(4)
        for row in range(4)
    },
}


#: Turns (degrees, counter-clockwise) of the trimmed frame whose largest upright inner
#: frame is hashed too: a copy turned by 3-10° and trimmed lands near one of them
#: (issue 16; the low-frequency hash itself tolerates about 3°).
LOWFREQ_TURNS: dict[str, float] = {"lowfreq_angle_p6": 6.0, "lowfreq_angle_m6": -6.0}


#: Radius used for every rule; the index supports up to 8.
_RADIUS = 8


#: (query signal, stored signal, max Hamming distance). A pair of photos is a
#: candidate when any rule matches, whichever of the two arrived first: flips and the
#: half turn undo themselves, the quarter turns undo each other, and every window
#: rule is listed in both directions.
CANDIDATE_RULES: tuple[tuple[str, str, int], ...] = (
    ("phash", "phash", _RADIUS),
    ("dhash", "dhash", _RADIUS),
    ("phash_mirror", "phash", _RADIUS),
    ("phash_rot90", "phash", _RADIUS),
    ("phash_rot180", "phash", _RADIUS),
    ("phash_rot270", "phash", _RADIUS),
    ("phash_flip", "phash", _RADIUS),
    ("phash_transpose", "phash", _RADIUS),
    ("phash_transverse", "phash", _RADIUS),
    ("lowfreq", "lowfreq", _RADIUS),
    *(("lowfreq", name, _RADIUS) for name in LOWFREQ_WINDOWS),
    *((name, "lowfreq", _RADIUS) for name in LOWFREQ_WINDOWS),
    *(("lowfreq", name, _RADIUS) for name in LOWFREQ_TURNS),
    *((name, "lowfreq", _RADIUS) for name in LOWFREQ_TURNS),
)


#: Most of a side that trimming may remove.
_MAX_TRIM = 0.22


#: Long side of the reduced greyscale copy that trimming, windows and fingerprints use.
_WORK_SIDE = 256


#: Side of the stored thumbnail and of the grid compared by :func:`assets.verification.verify`.
_THUMB = 64


_COMPARE = 48


_COARSE = 32


#: Below this :func:`detail_level` an image is treated as low-detail.
LOW_DETAIL_THRESHOLD = 0.08


#: Structure left after the strongest few separable patterns, in grey levels on the
#: 32×32 grid, that counts as full detail; and how many patterns are discounted.
_DETAIL_SCALE = 16.0


_DETAIL_RANK = 4


#: Images whose shorter side is below this many pixels are too small to compare.
_TINY_SIDE = 24


_FP_MAGIC = b"PDS1"


_FP_HEADER = struct.Struct("<4sfff4H")


_FP_SIZE = _FP_HEADER.size + _THUMB * _THUMB


FloatArray = NDArray[np.float64]


ByteArray = NDArray[np.uint8]


@dataclass(frozen=True)
class Frame:
    """The reduced greyscale copy and the picture's own frame in it, which both the
    signals and the fingerprint start from, so a photo's frame is found once."""

    grey: Image.Image
    work: Image.Image
    box: tuple[int, int, int, int]


def frame_of(image: Image.Image) -> Frame:
    """Found once per photo: the signals, the fingerprint and the local features
    (:mod:`assets.features`) all start from it."""
    grey = _grey(image)
    work = _work_image(grey)
    return Frame(grey, work, _content_box(np.asarray(work), _chroma_of(image, work.size)))


def describe(image: Image.Image, frame: Frame | None = None) -> tuple[dict[str, int], bytes]:
    """The signals and the fingerprint of an upright image, as ingest stores them."""
    frame = frame or frame_of(image)
    return _signals(frame), _fingerprint(image, frame)


def compute_signals(image: Image.Image) -> dict[str, int]:
    """All named hashes of an upright image, as signed int64 values for the index."""
    return _signals(frame_of(image))


def _signals(frame: Frame) -> dict[str, int]:
    grey = frame.grey
    signals = {"dhash": _bits_to_int64(np.asarray(imagehash.dhash(grey).hash, dtype=bool))}
    # imagehash resizes to 32×32 with LANCZOS first; doing that once here and handing
    # imagehash the 32×32 copy gives its exact pHash and the pixels for the variants.
    small = grey.resize((32, 32), Image.Resampling.LANCZOS)
    signals["phash"] = _bits_to_int64(np.asarray(imagehash.phash(small).hash, dtype=bool))
    pixels = np.asarray(small, dtype=np.float64)
    for name, variant in zip(_PHASH_VARIANTS, _dihedral_pixels(pixels), strict=True):
        signals[name] = _phash_of_pixels(variant)
    left, top, right, bottom = frame.box
    width, height = right - left, bottom - top
    windows = [
        (left + cut_l * width, top + cut_t * height, right - cut_r * width, bottom - cut_b * height)
        for cut_l, cut_t, cut_r, cut_b in ((0.0, 0.0, 0.0, 0.0), *LOWFREQ_WINDOWS.values())
    ]
    names = ("lowfreq", *LOWFREQ_WINDOWS)
    signals.update(zip(names, _lowfreq_hashes(frame.work, windows), strict=True))
    for name, angle in LOWFREQ_TURNS.items():
        turned, window = _turned_frame(frame.work, frame.box, angle)
        signals[name] = _lowfreq_hashes(turned, [window])[0]
    return signals


def hamming(a: int, b: int) -> int:
    """Bits that differ between two stored signals."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def _grey(image: Image.Image) -> Image.Image:
    """Luminance as imagehash sees it, with alpha flattened the way the catalog does."""
    if image.mode == "L":
        return image
    return to_rgb(image).convert("L")


def _bits_to_int64(bits: NDArray[np.bool_]) -> int:
    """Pack 64 bits (first bit highest) into the signed form the catalog stores."""
    flat = np.asarray(bits, dtype=bool).ravel()
    unsigned = int.from_bytes(np.packbits(flat).tobytes(), "big")
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


@cache
def _dct_matrix(size: int) -> FloatArray:
    """Unnormalised DCT-II basis; scale does not matter to sign and median tests."""
    k = np.arange(size)
    return np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * size))


def _dihedral_pixels(pixels: FloatArray) -> tuple[FloatArray, ...]:
    """The 32×32 reduction as each flipped or turned image would reduce to it.

    Resizing to a square grid commutes with flips and quarter turns, so these are what
    imagehash would see for the transformed image, without touching the full pixels.
    Order and meaning follow :data:`_PHASH_VARIANTS` and Pillow's ``Image.Transpose``
    (rotations counter-clockwise, flip = top to bottom, transpose across the main
    diagonal, transverse across the other one).
    """
    return (
        pixels[:, ::-1],
        np.rot90(pixels, 1),
        np.rot90(pixels, 2),
        np.rot90(pixels, 3),
        pixels[::-1, :],
        pixels.T,
        pixels[::-1, ::-1].T,
    )


def _phash_of_pixels(pixels: FloatArray) -> int:
    """imagehash's pHash rule (8×8 lowest DCT terms above their median) on given pixels."""
    matrix = _dct_matrix(pixels.shape[0])
    block = (matrix @ pixels @ matrix.T)[:8, :8]
    return _bits_to_int64(block > np.median(block))


@cache
def _zigzag(size: int) -> tuple[tuple[int, int], ...]:
    """Low-frequency DCT terms ordered by total frequency, without the DC term."""
    cells = [(v, u) for v in range(size) for u in range(size) if (v, u) != (0, 0)]
    return tuple(sorted(cells, key=lambda c: (c[0] + c[1], c[0])))


def _lowfreq_hashes(
    work: Image.Image, windows: list[tuple[float, float, float, float]]
) -> list[int]:
    """Coarse hash of each window: 24 lowest DCT terms of a 16×16 reduction, three levels each.

    Only frequencies up to 4 half-cycles per window are used, so moving a window edge
    by a few percent changes few bits, which is what makes crops reachable. Terms are
    divided by their RMS, so brightness and contrast do not matter, and coded as a
    thermometer (above −0.6, above 0, above 0.6) so the Hamming distance grows with
    the size of a change rather than flipping at random. The windows are reduced one
    by one and hashed together: per-window numpy calls were most of the cost.
    """
    reduced = [
        work.resize((16, 16), Image.Resampling.BOX, box=window).tobytes() for window in windows
    ]
    pixels = np.frombuffer(b"".join(reduced), dtype=np.uint8).reshape(-1, 16, 16)
    matrix = _dct_matrix(16)
    coeffs = matrix @ pixels.astype(np.float64) @ matrix.T
    rows, cols = _zigzag_index(5)
    terms = coeffs[:, rows, cols]
    terms /= np.sqrt(np.mean(terms**2, axis=1, keepdims=True)) + 1e-9
    bits = np.concatenate([terms > -0.6, terms > 0.0, terms[:, :16] > 0.6], axis=1)
    unsigned = np.ascontiguousarray(np.packbits(bits, axis=1)).view(">u8").ravel()
    return [int(v) for v in unsigned.astype(np.int64)]


@cache
def _zigzag_index(size: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    cells = _zigzag(size)
    return np.array([v for v, _ in cells]), np.array([u for _, u in cells])


def _turned_frame(
    work: Image.Image, box: tuple[int, int, int, int], angle: float
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The frame turned by ``angle`` degrees, and its largest upright inner window.

    That window has the frame's shape inside the turned picture, which is what a copy
    turned and trimmed to hide the corners shows; its low-frequency hash is stored.
    """
    frame = work.crop(box)
    width, height = frame.size
    theta = np.radians(abs(angle))
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    scale = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    inner_w, inner_h = width * scale, height * scale
    left, top = (width - inner_w) / 2, (height - inner_h) / 2
    turned = frame.rotate(angle, Image.Resampling.BILINEAR)
    return turned, (left, top, left + inner_w, top + inner_h)


def _work_image(grey: Image.Image) -> Image.Image:
    """A greyscale copy about 256 px on the long side, cheap enough for every later step."""
    width, height = grey.size
    scale = _WORK_SIDE / max(width, height)
    if scale >= 1:
        return grey
    factor = int(1 / scale) // 2
    reduced = grey.reduce(factor) if factor > 1 else grey
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return reduced.resize(size, Image.Resampling.BOX)


def _chroma_of(image: Image.Image, size: tuple[int, int]) -> Callable[[], NDArray[np.int16] | None]:
    """The (Cb, Cr) planes of an image at the work size, computed only when asked for."""

    def planes() -> NDArray[np.int16] | None:
        if image.mode in ("L", "1", "I", "I;16", "F", "LA"):
            return None
        rgb = to_rgb(image)
        if rgb.mode != "RGB":
            return None
        ycc = np.asarray(rgb.resize(size, Image.Resampling.BOX).convert("YCbCr"), dtype=np.int16)
        return np.asarray(ycc[..., 1:])

    return planes


def _trim_box(pixels: ByteArray) -> tuple[int, int, int, int]:
    """The frame without uniform borders and caption bars, as (left, top, right, bottom).

    A side is trimmed while its lines are mostly the colour of the outermost line; a
    few lines of caption text in between are allowed. Every side is looked at, and at
    most 22 % is taken from any side (a caption bar of 20 % of the picture's height
    is 17 % of the captioned image), so a picture is never trimmed away.
    """
    height, width = pixels.shape
    if min(height, width) < 8:
        return 0, 0, width, height
    top = _edge_run(pixels, height)
    bottom = _edge_run(pixels[::-1], height)
    left = _edge_run(pixels.T, width)
    right = _edge_run(pixels.T[::-1], width)
    if height - top - bottom < height // 2:
        top = bottom = 0
    if width - left - right < width // 2:
        left = right = 0
    return left, top, width - right, height - bottom


def _content_box(
    pixels: ByteArray, chroma: Callable[[], NDArray[np.int16] | None] | None = None
) -> tuple[int, int, int, int]:
    """The picture's own frame: trimmed borders and bars, or the picture inside a page.

    :func:`_trim_box` handles thin borders and caption bars. A screenshot of a web page,
    a branded frame or full-width meme boxes leave much more around the picture; when
    :func:`_picture_box` finds one solid picture in such a layout, that is the frame.
    Matching then rests on the photo's own pixels, not on a layout shared by many pages.
    """
    trimmed = _trim_box(pixels)
    height, width = pixels.shape
    if trimmed[0] > 0 and trimmed[1] > 0 and trimmed[2] < width and trimmed[3] < height:
        # A border all round is already gone; inside it, light or dark parts of the
        # photo itself could pass for page.
        return trimmed
    found = _picture_box(pixels, chroma)
    if found is None:
        return trimmed
    left, top, right, bottom = found
    if (right - left) * (bottom - top) >= 0.92 * (trimmed[2] - trimmed[0]) * (
        trimmed[3] - trimmed[1]
    ):
        return trimmed
    return found


#: Cells of the coarse grid the picture search works on, on the long side.
_PAGE_GRID = 64


#: A block longer than this many times its width is a bar of the page, not a picture.
_MAX_PICTURE_SHAPE = 4.0


def _picture_box(
    pixels: ByteArray, chroma: Callable[[], NDArray[np.int16] | None] | None = None
) -> tuple[int, int, int, int] | None:
    """One solid rectangular picture on a uniform page, as (left, top, right, bottom), or None.

    A page has one background colour around its edges (the outer ring is mostly that
    colour); text, rules and small icons are thin and broken, so they vanish when the
    non-background mask is eroded by a few pixels, while a picture stays a solid block.
    ``chroma`` gives the (Cb, Cr) planes at the same size, for colour pages and frames.
    The largest such block is the picture when it is mostly solid, covers 10-80 % of the
    frame and the rest of the frame is mostly page. Edges are then placed on the
    exact step from page to picture.
    """
    height, width = pixels.shape
    if min(height, width) < 32:
        return None
    values = pixels.astype(np.int16)
    ring = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    background = int(np.median(ring))
    # A generated page or frame is flat to within JPEG noise; walls and skies are not.
    if np.mean(np.abs(ring - background) <= 6) < 0.5:
        return None
    solid = np.abs(values - background) > 12
    # A red or blue frame can have the grey level of half the picture; its colour tells.
    colours = chroma() if chroma is not None else None
    if colours is not None and colours.shape[:2] == pixels.shape:
        ring_colour = np.concatenate([colours[0], colours[-1], colours[:, 0], colours[:, -1]])
        page_colour = np.median(ring_colour, axis=0)
        solid |= np.abs(colours - page_colour).sum(axis=2) > 16
    # Erode: a pixel stays when its whole (2r+1)² neighbourhood is off the background.
    radius = max(2, round(max(height, width) / 100))
    side = 2 * radius + 1
    table = np.zeros((height + 1, width + 1), dtype=np.int32)
    table[1:, 1:] = solid.cumsum(axis=0).cumsum(axis=1)
    full = table[side:, side:] - table[:-side, side:] - table[side:, :-side] + table[:-side, :-side]
    core = np.zeros_like(solid)
    core[radius : height - radius, radius : width - radius] = full == side * side
    if not core.any():
        return None
    block = _largest_blob(core)
    if block is None:
        return None
    top, bottom, left, right = block
    left, top = max(0, left - radius), max(0, top - radius)
    right, bottom = min(width, right + radius + 1), min(height, bottom + radius + 1)
    area = (right - left) * (bottom - top)
    if not 0.10 * width * height <= area <= 0.80 * width * height:
        return None
    # A site bar or banner of the page (a strip across it) is solid too, and is the
    # same on every page of a template; a photo is not that long and thin.
    if max(right - left, bottom - top) > _MAX_PICTURE_SHAPE * min(right - left, bottom - top):
        return None
    # Mostly picture inside (blown highlights may match a white page), mostly page outside.
    inside = solid[top:bottom, left:right]
    if inside.mean() < 0.8:
        return None
    outside = np.ones_like(solid)
    outside[top:bottom, left:right] = False
    if np.mean(~solid[outside]) < 0.4:
        return None
    left, top, right, bottom = _snap_edges(solid, left, top, right, bottom)
    # A picture placed on a page has page around it: two pixels out (past the
    # resampling blur) its sides are background, except one that a caption or text
    # may touch; a side on the frame's edge is bounded by the edge. A region cut out
    # of a photo's own light or dark parts is not bounded like that.
    page = ~solid
    around = [
        page[top - 2, left:right] if top >= 2 else None,
        page[bottom + 1, left:right] if bottom + 1 < height else None,
        page[top:bottom, left - 2] if left >= 2 else None,
        page[top:bottom, right + 1] if right + 1 < width else None,
    ]
    bounded = sum(1 for line in around if line is None or float(line.mean()) >= 0.9)
    if bounded < 3:
        return None
    return left, top, right, bottom


def _largest_blob(core: NDArray[np.bool_]) -> tuple[int, int, int, int] | None:
    """Bounding rows and columns (top, bottom, left, right) of the largest 4-connected blob.

    Labelled on a coarse grid (a cell is set when most of it is), which is plenty to
    tell a picture from a site bar or a headline and keeps the walk short.
    """
    height, width = core.shape
    step = max(1, -(-max(height, width) // _PAGE_GRID))
    rows, cols = -(-height // step), -(-width // step)
    padded = np.zeros((rows * step, cols * step), dtype=bool)
    padded[:height, :width] = core
    cells = padded.reshape(rows, step, cols, step).mean(axis=(1, 3)) >= 0.5
    seen = np.zeros_like(cells)
    best: list[tuple[int, int]] = []
    for start in zip(*np.nonzero(cells), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack = [(int(start[0]), int(start[1]))]
        blob: list[tuple[int, int]] = []
        while stack:
            y, x = stack.pop()
            blob.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < rows and 0 <= nx < cols and cells[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if len(blob) > len(best):
            best = blob
    if not best:
        return None
    ys = [y for y, _ in best]
    xs = [x for _, x in best]
    top, bottom = min(ys) * step, min(height, (max(ys) + 1) * step) - 1
    left, right = min(xs) * step, min(width, (max(xs) + 1) * step) - 1
    # Back to pixels: the blob's exact extent within its cells.
    sub = core[top : bottom + 1, left : right + 1]
    filled_rows = np.nonzero(sub.any(axis=1))[0]
    filled_cols = np.nonzero(sub.any(axis=0))[0]
    if not len(filled_rows) or not len(filled_cols):
        return None
    return (
        top + int(filled_rows[0]),
        top + int(filled_rows[-1]),
        left + int(filled_cols[0]),
        left + int(filled_cols[-1]),
    )


def _snap_edges(
    solid: NDArray[np.bool_], left: int, top: int, right: int, bottom: int
) -> tuple[int, int, int, int]:
    """Move each edge of a found box to where the picture really starts, within 3 px."""

    def covered(line: NDArray[np.bool_]) -> float:
        return float(line.mean()) if line.size else 0.0

    for _ in range(3):
        if top > 0 and covered(solid[top - 1, left:right]) >= 0.9:
            top -= 1
        if bottom < solid.shape[0] and covered(solid[bottom, left:right]) >= 0.9:
            bottom += 1
        if left > 0 and covered(solid[top:bottom, left - 1]) >= 0.9:
            left -= 1
        if right < solid.shape[1] and covered(solid[top:bottom, right]) >= 0.9:
            right += 1
    for _ in range(3):
        if covered(solid[top, left:right]) < 0.6:
            top += 1
        if covered(solid[bottom - 1, left:right]) < 0.6:
            bottom -= 1
        if covered(solid[top:bottom, left]) < 0.6:
            left += 1
        if covered(solid[top:bottom, right - 1]) < 0.6:
            right -= 1
    return left, top, right, bottom


def _edge_run(lines: ByteArray, length: int) -> int:
    """How many lines from the start of ``lines`` belong to a border or caption bar.

    Caption bars are white or black with text, so lines of those colours may be only
    partly uniform and a few text lines may interrupt them. A border of any other
    colour must be uniform line after line; that keeps walls and skies, which are
    rarely that even, out of the trim.
    """
    limit = int(length * _MAX_TRIM)
    edge = lines[0].astype(np.int16)
    colour = int(np.median(edge))
    if np.mean(np.abs(edge - colour) <= 10) < 0.9:
        return 0
    closeness = np.mean(np.abs(lines[: limit + 1].astype(np.int16) - colour) <= 10, axis=1)
    caption_colour = colour <= 40 or colour >= 215
    uniform = closeness >= (0.55 if caption_colour else 0.9)
    max_gap = max(2, int(length * 0.08)) if caption_colour else 0
    run = 0
    gap = 0
    for index, flag in enumerate(uniform[:limit]):
        if flag:
            run = index + 1
            gap = 0
        else:
            gap += 1
            if gap > max_gap:
                break
    if run and np.mean(uniform[:run]) < 0.5:
        return 0
    # A bar or frame ends in a step: the first picture line is clearly another colour.
    # Skies and fog fade out instead, and are left alone.
    if run < len(closeness) and closeness[run] > 0.35:
        return 0
    # A single uniform line is JPEG edge noise or a hairline, not a border.
    return run if run >= 2 else 0


def detail_level(image: Image.Image) -> float:
    """How much two-dimensional structure an image has, from 0 (none) to 1.

    Measured as second differences of a 32×32 reduction in grey levels, so sensor
    noise averages out (night shots stay low), ramps and skies count as flat, and
    the geometric mean of the two directions keeps one-dimensional patterns such as
    colour bars low. Images too small to compare reliably get 0.
    """
    grey = _grey(image)
    if min(grey.size) < _TINY_SIDE:
        return 0.0
    work = _work_image(grey)
    pixels = np.asarray(work)
    left, top, right, bottom = _content_box(pixels, _chroma_of(image, work.size))
    thumb = np.asarray(
        work.resize((_THUMB, _THUMB), Image.Resampling.BOX, box=(left, top, right, bottom)),
        dtype=np.uint8,
    )
    return _detail_of_thumb(thumb)


def is_low_detail(image: Image.Image) -> bool:
    """Whether an image is too featureless for a similarity verdict to mean anything."""
    return detail_level(image) < LOW_DETAIL_THRESHOLD


def _detail_of_thumb(thumb: ByteArray) -> float:
    coarse = thumb.astype(np.float64).reshape(_COARSE, 2, _COARSE, 2).mean(axis=(1, 3))
    singular = np.linalg.svd(coarse - coarse.mean(), compute_uv=False)
    residual = float(np.sqrt(np.sum(singular[_DETAIL_RANK:] ** 2) / coarse.size))
    return float(min(1.0, residual / _DETAIL_SCALE))


@dataclass(frozen=True)
class _Print:
    """A parsed fingerprint."""

    aspect: float
    detail: float
    colour: float
    trims: tuple[float, float, float, float]
    thumb: ByteArray
    pixels: FloatArray
    #: The whole frame on the 48×48 comparison grid and the 32×32 search grid.
    grid: FloatArray
    coarse: FloatArray


def fingerprint(image: Image.Image) -> bytes:
    """Compact descriptor (about 4 KiB) that :func:`assets.verification.verify` compares without the original.

    Holds the trimmed frame as a 64×64 greyscale thumbnail (aspect ratio stored apart,
    so crops and rotations can be aligned), its detail level, how colourful the
    image is (to explain greyscale copies) and what trimming removed.
    """
    return _fingerprint(image, frame_of(image))


def _fingerprint(image: Image.Image, frame: Frame) -> bytes:
    grey, work = frame.grey, frame.work
    left, top, right, bottom = frame.box
    width, height = work.size
    thumb = np.asarray(
        work.resize((_THUMB, _THUMB), Image.Resampling.BOX, box=(left, top, right, bottom)),
        dtype=np.uint8,
    )
    detail = 0.0 if min(grey.size) < _TINY_SIDE else _detail_of_thumb(thumb)
    aspect = (right - left) / max(1, bottom - top)
    trims = (
        round(10000 * left / width),
        round(10000 * top / height),
        round(10000 * (width - right) / width),
        round(10000 * (height - bottom) / height),
    )
    header = _FP_HEADER.pack(_FP_MAGIC, aspect, detail, _colourfulness(image), *trims)
    return header + thumb.tobytes()


def _colourfulness(image: Image.Image) -> float:
    """Mean chroma distance from grey, in levels; near 0 for greyscale copies."""
    if image.mode in ("L", "1", "I", "I;16", "F", "LA"):
        return 0.0
    rgb = to_rgb(image)
    if rgb.mode != "RGB":
        return 0.0
    factor = max(1, max(rgb.size) // 64)
    small = rgb.reduce(factor) if factor > 1 else rgb
    ycc = np.asarray(small.convert("YCbCr"), dtype=np.float64)
    return float(np.mean(np.abs(ycc[..., 1] - 128) + np.abs(ycc[..., 2] - 128)))


def _parse(data: bytes) -> _Print:
    if len(data) != _FP_SIZE or data[:4] != _FP_MAGIC:
        raise ValueError("not a photodesk similarity fingerprint (or from another version)")
    _magic, aspect, detail, colour, *trims = _FP_HEADER.unpack_from(data)
    thumb = np.frombuffer(data, dtype=np.uint8, offset=_FP_HEADER.size).reshape(_THUMB, _THUMB)
    fractions = tuple(t / 10000 for t in trims)
    pixels = thumb.astype(np.float64)
    return _Print(
        aspect,
        detail,
        colour,
        (fractions[0], fractions[1], fractions[2], fractions[3]),
        thumb,
        pixels,
        _sample(pixels, _FULL, _COMPARE, _COMPARE),
        pixels.reshape(_COARSE, 2, _COARSE, 2).mean(axis=(1, 3)),
    )


_FULL = (0.0, 0.0, 1.0, 1.0)


@lru_cache(maxsize=4096)
def _filter_matrix(start: float, length: float, source: int, size: int) -> FloatArray:
    """Rows of triangle-filter weights that resample ``length`` source pixels to ``size``.

    The triangle widens when shrinking, like Pillow's bilinear filter, so thumbnails
    compared at 48 px are not aliased; as a matrix it makes resampling two small
    matrix products, which is what keeps :func:`assets.verification.verify` within a few milliseconds.
    """
    scale = length / size
    support = max(1.0, scale)
    centres = start + (np.arange(size) + 0.5) * scale - 0.5
    taps = np.arange(source)
    weights = np.maximum(0.0, 1.0 - np.abs(taps[None, :] - centres[:, None]) / support)
    totals = weights.sum(axis=1, keepdims=True)
    weights = np.where(totals > 0, weights / np.maximum(totals, 1e-12), 0.0)
    return weights


def _sample(
    pixels: FloatArray, box: tuple[float, float, float, float], width: int, height: int
) -> FloatArray:
    """Resample a (left, top, width, height) fraction box of a thumbnail to width×height."""
    left, top, box_w, box_h = box
    rows_src, cols_src = pixels.shape
    rows = _filter_matrix(round(top * rows_src, 3), round(box_h * rows_src, 3), rows_src, height)
    cols = _filter_matrix(round(left * cols_src, 3), round(box_w * cols_src, 3), cols_src, width)
    return np.asarray(rows @ pixels @ cols.T)
