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
  - crops up to a quarter of the area, 16:9 bands, caption bars, borders:
    ``lowfreq`` and its windows. ``lowfreq`` is a coarse, shift-tolerant hash of the
    image after trimming uniform borders and caption bars; ``lowfreq_<window>``
    is the same hash of a window inside it (see :data:`LOWFREQ_WINDOWS`). A crop's
    whole frame looks like one of the original's windows, so query ``lowfreq`` is
    compared with every stored window and, for the other arrival order, every query
    window with stored ``lowfreq``. Trimming makes caption bars and borders an
    exact ``lowfreq``/``lowfreq`` match; when it does not recognise one, the
    derivative's ``b12``/``b22``/``c7`` window still covers the original.

* :func:`fingerprint` keeps a 64×64 greyscale thumbnail of the trimmed image and a
  few numbers (≈4 KiB), and :func:`verify` aligns two of them (full frame, mirror,
  rotations, crop search in both directions) and decides with a robust normalised
  cross-correlation plus a correlation of fine detail, so candidates are confirmed
  without decoding originals again.

Low-detail images (flat, almost black, tiny, test cards, noisy night shots) carry
too little structure for any of this; :func:`verify` only accepts them when they are
nearly pixel-identical after normalisation.
"""

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
SIGNALS_VERSION: str = "sim-1"

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
}

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
)

#: Most of a side that trimming may remove.
_MAX_TRIM = 0.22
#: Long side of the reduced greyscale copy that trimming, windows and fingerprints use.
_WORK_SIDE = 256
#: Side of the stored thumbnail and of the grid compared by :func:`verify`.
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

#: Acceptance thresholds on the robust correlation, per kind of alignment. Crops get a
#: stricter one because the search over scales and offsets also lifts unrelated pairs.
_ACCEPT_FULL = 0.90
_ACCEPT_CROP = 0.93
#: Coarse crop alignments below this correlation are not refined: refinement gains a
#: few hundredths, never enough to reach the acceptance threshold.
_PROMISING = 0.75
#: A coarse alignment this good settles which image is the crop.
_CLEAR_COARSE = 0.95
#: Whole-frame matches at least this good skip the crop search.
_CONVINCING = 0.97
#: Minimum correlation of fine detail: different shots of similar scenes (horizons,
#: façades) share large shapes but not texture, true copies keep both.
_ACCEPT_FINE = 0.45
#: Plain correlation a low-detail pair needs: nearly pixel-identical.
_ACCEPT_LOW_DETAIL = 0.985
#: Share of the worst residuals ignored, so a corner watermark or caption remnant
#: does not sink a true copy.
_ROBUST_DROP = 0.05

_FP_MAGIC = b"PDS1"
_FP_HEADER = struct.Struct("<4sfff4H")
_FP_SIZE = _FP_HEADER.size + _THUMB * _THUMB

FloatArray = NDArray[np.float64]
ByteArray = NDArray[np.uint8]


@dataclass(frozen=True)
class Verification:
    """Outcome of comparing two fingerprints, with a sentence a picture editor can read."""

    score: float
    same: bool
    method: str
    detail: str


# --------------------------------------------------------------------------- signals


def compute_signals(image: Image.Image) -> dict[str, int]:
    """All named hashes of an upright image, as signed int64 values for the index."""
    grey = _grey(image)
    signals = {"dhash": _bits_to_int64(np.asarray(imagehash.dhash(grey).hash, dtype=bool))}
    # imagehash resizes to 32×32 with LANCZOS first; doing that once here and handing
    # imagehash the 32×32 copy gives its exact pHash and the pixels for the variants.
    small = grey.resize((32, 32), Image.Resampling.LANCZOS)
    signals["phash"] = _bits_to_int64(np.asarray(imagehash.phash(small).hash, dtype=bool))
    pixels = np.asarray(small, dtype=np.float64)
    for name, variant in zip(_PHASH_VARIANTS, _dihedral_pixels(pixels), strict=True):
        signals[name] = _phash_of_pixels(variant)
    work = _work_image(grey)
    box = _trim_box(np.asarray(work))
    signals["lowfreq"] = _lowfreq(work, box, (0.0, 0.0, 0.0, 0.0))
    for name, cuts in LOWFREQ_WINDOWS.items():
        signals[name] = _lowfreq(work, box, cuts)
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


def _lowfreq(work: Image.Image, box: tuple[int, int, int, int], cuts: tuple[float, ...]) -> int:
    """Coarse hash of a window: 24 lowest DCT terms of a 16×16 reduction, three levels each.

    Only frequencies up to 4 half-cycles per window are used, so moving a window edge
    by a few percent changes few bits, which is what makes crops reachable. Terms are
    divided by their RMS, so brightness and contrast do not matter, and coded as a
    thermometer (above −0.6, above 0, above 0.6) so the Hamming distance grows with
    the size of a change rather than flipping at random.
    """
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    cut_l, cut_t, cut_r, cut_b = cuts
    window = (
        left + cut_l * width,
        top + cut_t * height,
        right - cut_r * width,
        bottom - cut_b * height,
    )
    pixels = np.asarray(work.resize((16, 16), Image.Resampling.BOX, box=window), dtype=np.float64)
    matrix = _dct_matrix(16)
    coeffs = matrix @ pixels @ matrix.T
    terms = np.array([coeffs[v, u] for v, u in _zigzag(5)])
    terms /= float(np.sqrt(np.mean(terms**2))) + 1e-9
    bits = np.concatenate([terms > -0.6, terms > 0.0, terms[:16] > 0.6])
    return _bits_to_int64(bits)


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


# --------------------------------------------------------------------------- trimming


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


# --------------------------------------------------------------------------- detail


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
    left, top, right, bottom = _trim_box(pixels)
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


# --------------------------------------------------------------------------- fingerprint


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
    """Compact descriptor (about 4 KiB) that :func:`verify` compares without the original.

    Holds the trimmed frame as a 64×64 greyscale thumbnail (aspect ratio stored apart,
    so crops and rotations can be aligned), its detail level, how colourful the
    image is (to explain greyscale copies) and what trimming removed.
    """
    grey = _grey(image)
    work = _work_image(grey)
    pixels = np.asarray(work)
    left, top, right, bottom = _trim_box(pixels)
    height, width = pixels.shape
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


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class _Match:
    """Best alignment found for one hypothesis."""

    score: float
    ncc: float
    method: str
    fine: float = 0.0
    area: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    inner: str = ""
    #: Found by the crop search, whose freedom calls for the stricter threshold.
    searched: bool = False


def verify(fp_a: bytes, fp_b: bytes) -> Verification:
    """Decide whether two fingerprints show the same photo, and say how they line up."""
    a, b = _parse(fp_a), _parse(fp_b)
    if min(a.detail, b.detail) < LOW_DETAIL_THRESHOLD:
        return _verify_low_detail(a, b)
    best = _best_full_frame(a, b)
    if best.score < _CONVINCING or best.fine < _ACCEPT_FINE:
        # A middling whole-frame match may be a crop seen slightly wrong; let the crop
        # search find the true alignment before judging.
        crop = _best_crop(a, b)
        if crop is not None and crop.score > best.score:
            best = crop
    if best.score < 0:
        return Verification(
            0.0, False, "none", "no whole-frame, turned or cropped alignment correlates"
        )
    threshold = _ACCEPT_CROP if best.searched else _ACCEPT_FULL
    same = best.score >= threshold and best.fine >= _ACCEPT_FINE
    return Verification(round(best.score, 4), same, best.method, _explain(best, a, b, same))


def _verify_low_detail(a: _Print, b: _Print) -> Verification:
    """Accept low-detail pairs only when nearly pixel-identical after normalisation."""
    levels = f"detail {a.detail:.2f} and {b.detail:.2f}"
    flat = min(float(a.thumb.std()), float(b.thumb.std())) < 2.0
    if flat:
        return Verification(
            0.0, False, "low-detail", f"low-detail pair ({levels}): almost flat, nothing to compare"
        )
    if abs(np.log(a.aspect / b.aspect)) > 0.03:
        return Verification(
            0.0,
            False,
            "low-detail",
            f"low-detail pair ({levels}): frames differ in shape, only exact copies are accepted",
        )
    ncc = _ncc(_normalise(a.grid), _normalise(b.grid))
    same = ncc >= _ACCEPT_LOW_DETAIL
    verdict = "nearly pixel-identical" if same else "not pixel-identical"
    return Verification(
        round(ncc, 4),
        same,
        "low-detail",
        f"low-detail pair ({levels}): {verdict} after normalisation; NCC {ncc:.3f}"
        f" (needs {_ACCEPT_LOW_DETAIL})",
    )


def _undo_turn(turns: int) -> Callable[[FloatArray], FloatArray]:
    # np.rot90 turns counter-clockwise; undo B's turn to line it up with A.
    return lambda grid: np.rot90(grid, -turns)


#: Whole-frame hypotheses: name, how to bring B's grid into A's frame, whether the
#: transformation swaps width and height.
_DIHEDRAL: tuple[tuple[str, Callable[[FloatArray], FloatArray], bool], ...] = (
    ("full", lambda grid: grid, False),
    ("mirror", lambda grid: grid[:, ::-1], False),
    ("rotate180", _undo_turn(2), False),
    ("flip", lambda grid: grid[::-1, :], False),
    ("rotate90", _undo_turn(1), True),
    ("rotate270", _undo_turn(3), True),
    ("transpose", lambda grid: grid.T, True),
    ("transverse", lambda grid: grid[::-1, ::-1].T, True),
)


def _best_full_frame(a: _Print, b: _Print) -> _Match:
    """Whole frame against whole frame: plain, stretched, flipped or turned.

    Thumbnails are stored squashed to a square, so a copy resized to another aspect
    ratio (a forced square thumbnail) lines up as it is; it is reported as "stretch".
    Flips and turns are only tried when the shapes agree.
    """
    target = _normalise(a.grid)
    best = _Match(-1.0, -1.0, "full")
    best_grid = a.grid
    # -1 marks "no hypothesis had a matching shape"; correlations are never below it.
    for name, transform, swapped in _DIHEDRAL:
        aspect_b = 1 / b.aspect if swapped else b.aspect
        same_shape = abs(np.log(a.aspect / aspect_b)) <= 0.06
        if not same_shape and name != "full":
            continue
        candidate = np.ascontiguousarray(transform(b.grid))
        # Rank by the plain correlation (one dot product); the wrong orientations are
        # far behind the right one, watermark or not.
        ncc = _ncc(target, _normalise(candidate))
        if ncc > best.ncc:
            best = _Match(ncc, ncc, name if same_shape else "stretch")
            best_grid = candidate
    if best.ncc < -0.5:
        return best
    score, ncc = _robust_ncc(target, _normalise(best_grid))
    return _Match(score, ncc, best.method, _fine_ncc(a.grid, best_grid))


_FULL = (0.0, 0.0, 1.0, 1.0)
#: Areas tried by the coarse crop search, as fractions of the largest crop of the
#: inner frame's shape; parabola fitting and the refinement adjust the scale further.
_CROP_AREAS = (1.0, 0.9, 0.8, 0.7, 0.6)
#: Smaller crops than this share of the outer frame are not looked for.
_SMALLEST_CROP = 0.6


def _best_crop(a: _Print, b: _Print) -> _Match | None:
    """Try B inside A and A inside B coarsely, then refine the more promising one."""
    first = _coarse_crop(a, b, "B")
    hits = [first]
    if first is None or first[0] < _CLEAR_COARSE:
        # Only when B inside A is not already clearly right is A inside B worth a look.
        hits.append(_coarse_crop(b, a, "A"))
    found = [hit for hit in hits if hit is not None and hit[0] >= _PROMISING]
    if not found:
        return None
    found.sort(key=lambda hit: hit[0], reverse=True)
    _, w, h, x0, y0, label = found[0]
    outer, inner = (a, b) if label == "B" else (b, a)
    return _refine(outer, inner, w, h, x0, y0, label)


def _coarse_crop(
    outer: _Print, inner: _Print, inner_label: str
) -> tuple[float, float, float, float, float, str] | None:
    """Where ``inner`` sits inside ``outer`` on a 32×32 grid: (ncc, w, h, x0, y0, label).

    The aspect ratios fix the crop's shape for a given area, so only the area and the
    offset are searched: the offset exhaustively by FFT correlation, then both to a
    fraction of a grid step by fitting parabolas through the best scores.
    """
    ratio = inner.aspect / outer.aspect
    # The largest crop of this shape spans the full width or the full height.
    largest = min(ratio, 1 / ratio)
    shapes: list[tuple[int, int]] = []
    for fraction in _CROP_AREAS:
        area = largest * fraction
        if area < _SMALLEST_CROP:
            break
        w = min(1.0, float(np.sqrt(area * ratio)))
        h = min(1.0, float(np.sqrt(area / ratio)))
        shapes.append((max(6, round(_COARSE * h)), max(6, round(_COARSE * w))))
    if not shapes:
        return None
    all_scores = _sliding_ncc(
        outer.coarse, [_sample(inner.coarse, _FULL, tw, th) for th, tw in shapes]
    )
    peaks: list[tuple[float, float, float, float, float]] = []  # ncc, w, h, cx, cy
    for (th, tw), scores in zip(shapes, all_scores, strict=True):
        iy, ix = (int(v) for v in np.unravel_index(int(np.argmax(scores)), scores.shape))
        fx = ix + _parabola_peak(scores[iy, max(ix - 1, 0) : ix + 2], ix)
        fy = iy + _parabola_peak(scores[max(iy - 1, 0) : iy + 2, ix], iy)
        # Keep the centre: the refined scale below is applied around it.
        cx = (fx + tw / 2) / _COARSE
        cy = (fy + th / 2) / _COARSE
        peaks.append((float(scores[iy, ix]), tw / _COARSE, th / _COARSE, cx, cy))
    if not peaks:
        return None
    best_index = max(range(len(peaks)), key=lambda i: peaks[i][0])
    value, w, h, cx, cy = peaks[best_index]
    if 0 < best_index < len(peaks) - 1:
        trio = np.array([peaks[best_index + d][0] for d in (-1, 0, 1)])
        shift = _parabola_peak(trio, 1)
        neighbour = peaks[best_index + (1 if shift > 0 else -1)]
        weight = abs(shift)
        w = w + weight * (neighbour[1] - w)
        h = h + weight * (neighbour[2] - h)
    return value, w, h, cx - w / 2, cy - h / 2, inner_label


def _parabola_peak(values: FloatArray, index: int) -> float:
    """Sub-step offset of a maximum from three samples around it (0 at an edge)."""
    if len(values) != 3 or index == 0:
        return 0.0
    left, middle, right = (float(v) for v in values)
    curvature = left - 2 * middle + right
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _refine(
    outer: _Print, inner: _Print, w: float, h: float, x0: float, y0: float, inner_label: str
) -> _Match:
    """A short local search on the 32×32 grid, then the score on the 48×48 grid."""
    target = _normalise(inner.coarse)

    def clamp(x: float, y: float, scale: float) -> tuple[float, float, float, float]:
        ww, hh = min(1.0, w * scale), min(1.0, h * scale)
        return min(max(x, 0.0), 1.0 - ww), min(max(y, 0.0), 1.0 - hh), ww, hh

    def score_at(x: float, y: float, scale: float) -> float:
        region = _sample(outer.coarse, clamp(x, y, scale), _COARSE, _COARSE)
        return _ncc(target, _normalise(region))

    state = (x0, y0, 1.0)
    current = score_at(*state)
    step = 0.25 / _COARSE
    for _round in range(2):
        x, y, s = state
        improved = False
        for candidate in (
            (x + step, y, s),
            (x - step, y, s),
            (x, y + step, s),
            (x, y - step, s),
            (x - step * w / 2, y - step * h / 2, s * (1 + step)),
            (x + step * w / 2, y + step * h / 2, s * (1 - step)),
        ):
            value = score_at(*candidate)
            if value > current + 1e-6:
                state, current, improved = candidate, value, True
        if not improved:
            break
    box = clamp(*state)
    region = _sample(outer.pixels, box, _COMPARE, _COMPARE)
    robust, plain = _robust_ncc(_normalise(inner.grid), _normalise(region))
    fine = _fine_ncc(inner.grid, region)
    x, y, ww, hh = box
    area = ww * hh
    method = "crop" if area < 0.97 else "full"
    return _Match(robust, plain, method, fine, area, (x, y), inner_label, searched=True)


def _sliding_ncc(image: FloatArray, templates: list[FloatArray]) -> list[FloatArray]:
    """Normalised cross-correlation of each template at every offset inside ``image``.

    One batched FFT serves all templates. Offsets where a template fits need no
    wrap-around, so an FFT of the image's own size gives the correlation exactly;
    the window statistics come from summed-area tables.
    """
    rows, cols = image.shape
    sums = _integral(image)
    squares = _integral(image * image)
    padded = np.zeros((len(templates), rows, cols))
    norms: list[float] = []
    for index, template in enumerate(templates):
        th, tw = template.shape
        centred = template - template.sum() / template.size
        norms.append(float(np.sqrt(np.dot(centred.ravel(), centred.ravel()))))
        padded[index, :th, :tw] = centred
    spectra = np.fft.rfft2(image)[None] * np.conj(np.fft.rfft2(padded))
    correlations = np.fft.irfft2(spectra, s=(rows, cols))
    results: list[FloatArray] = []
    for template, norm, correlation in zip(templates, norms, correlations, strict=True):
        th, tw = template.shape
        if norm < 1e-9:
            results.append(np.zeros((rows - th + 1, cols - tw + 1)))
            continue
        dots = correlation[: rows - th + 1, : cols - tw + 1]
        window_sums = _box_sums(sums, th, tw)
        variance = np.maximum(_box_sums(squares, th, tw) - window_sums**2 / (th * tw), 1e-9)
        results.append(np.asarray(dots / (np.sqrt(variance) * norm)))
    return results


def _integral(image: FloatArray) -> FloatArray:
    """Summed-area table with a zero first row and column."""
    integral = np.zeros((image.shape[0] + 1, image.shape[1] + 1))
    integral[1:, 1:] = image.cumsum(axis=0).cumsum(axis=1)
    return integral


def _box_sums(integral: FloatArray, th: int, tw: int) -> FloatArray:
    """Sum over every th×tw window, from a summed-area table."""
    return np.asarray(
        integral[th:, tw:] - integral[:-th, tw:] - integral[th:, :-tw] + integral[:-th, :-tw]
    )


@lru_cache(maxsize=4096)
def _filter_matrix(start: float, length: float, source: int, size: int) -> FloatArray:
    """Rows of triangle-filter weights that resample ``length`` source pixels to ``size``.

    The triangle widens when shrinking, like Pillow's bilinear filter, so thumbnails
    compared at 48 px are not aliased; as a matrix it makes resampling two small
    matrix products, which is what keeps :func:`verify` within a few milliseconds.
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


def _normalise(pixels: FloatArray) -> FloatArray:
    """Zero mean, unit spread: brightness and contrast changes drop out."""
    flat = pixels.ravel()
    centred = flat - flat.sum() / flat.size
    spread = float(np.sqrt(np.dot(centred, centred) / flat.size))
    return centred / spread if spread > 1e-6 else centred


def _ncc(p: FloatArray, q: FloatArray) -> float:
    """Correlation of two normalised (flattened) grids."""
    return float(np.dot(p.ravel(), q.ravel()) / p.size)


def _fine_ncc(p: FloatArray, q: FloatArray) -> float:
    """Correlation of the fine detail alone, after aligning: the tie-breaker for scenes.

    Two different photos of a horizon, a façade or a sports field share their large
    shapes, so the plain correlation is high; their small-scale texture is unrelated.
    A real copy keeps that texture, even resized or recompressed, at this scale.
    """
    return _ncc(_normalise(_high_pass(p)), _normalise(_high_pass(q)))


def _high_pass(pixels: FloatArray) -> FloatArray:
    """The grid minus a 5×5 box blur of itself, on the part where the blur fits."""
    rows = pixels[:-4] + pixels[1:-3] + pixels[2:-2] + pixels[3:-1] + pixels[4:]
    blurred = (rows[:, :-4] + rows[:, 1:-3] + rows[:, 2:-2] + rows[:, 3:-1] + rows[:, 4:]) / 25
    return np.asarray(pixels[2:-2, 2:-2] - blurred)


def _robust_ncc(p: FloatArray, q: FloatArray) -> tuple[float, float]:
    """Correlation ignoring the worst 5 % of pixels, and the plain correlation.

    For unit-variance inputs NCC = 1 − mean((p−q)²)/2; dropping the largest residuals
    before the mean keeps a watermark or a caption remnant from sinking a real copy,
    while different frames of one shoot differ over far more than 5 % of the picture.
    """
    diff = (p - q).ravel()
    residual = diff * diff
    keep = int(residual.size * (1 - _ROBUST_DROP))
    kept = np.partition(residual, keep - 1)[:keep]
    robust = 1 - float(kept.sum()) / keep / 2
    plain = 1 - float(residual.sum()) / residual.size / 2
    return robust, plain


def _explain(match: _Match, a: _Print, b: _Print, same: bool) -> str:
    """One line on how the two line up and why the verdict."""
    parts: list[str] = []
    if match.method == "crop":
        outer = "A" if match.inner == "B" else "B"
        ox, oy = match.offset
        parts.append(
            f"crop: {match.inner} is {match.area:.0%} of {outer}'s area"
            f" at offset ({ox:.0%}, {oy:.0%})"
        )
    elif match.method == "full":
        parts.append("full frame")
    elif match.method == "stretch":
        parts.append(f"stretched: whole frame, aspect ratio {a.aspect:.2f} → {b.aspect:.2f}")
    elif match.method in _FLIPS:
        parts.append(f"{match.method}: B is A {_FLIPS[match.method]}")
    else:
        parts.append(f"{match.method}: B is A turned by {match.method.removeprefix('rotate')}°")
    for label, fp in (("A", a), ("B", b)):
        trimmed = _describe_trim(fp.trims)
        if trimmed:
            parts.append(f"{label} trimmed of {trimmed}")
    tone = _describe_tone(a, b)
    if tone:
        parts.append(tone)
    verdict = "same photo" if same else "different photos"
    parts.append(
        f"NCC {match.ncc:.3f} (robust {match.score:.3f}, fine detail {match.fine:.2f}) → {verdict}"
    )
    return "; ".join(parts)


_FLIPS = {
    "mirror": "flipped left to right",
    "flip": "flipped upside down",
    "transpose": "mirrored across its main diagonal",
    "transverse": "mirrored across its other diagonal",
}


def _describe_trim(trims: tuple[float, float, float, float]) -> str:
    names = ("left", "top", "right", "bottom")
    found = [f"{name} {value:.0%}" for name, value in zip(names, trims, strict=True) if value]
    if not found:
        return ""
    return "border/caption bar " + ", ".join(found)


def _describe_tone(a: _Print, b: _Print) -> str:
    notes: list[str] = []
    grey_a, grey_b = a.colour < 2.0, b.colour < 2.0
    if grey_a != grey_b:
        notes.append(f"{'A' if grey_a else 'B'} is greyscale")
    mean_a, mean_b = float(a.thumb.mean()), float(b.thumb.mean())
    std_a, std_b = float(a.thumb.std()), float(b.thumb.std())
    if abs(mean_a - mean_b) >= 8:
        notes.append(f"brightness {mean_a:.0f} → {mean_b:.0f}")
    if std_a > 1 and abs(np.log(std_b / std_a)) >= 0.1:
        notes.append(f"contrast ×{std_b / std_a:.2f}")
    return ", ".join(notes)
