"""The pictures inside a composite: a collage, a page screenshot or a front page.

A composite *contains* photos; it is not a copy of any one of them, so matching its
whole frame finds nothing. :func:`find_regions` cuts it into its pictures and
:func:`region_signals` gives each one the signals and fingerprint a photo gets
(:mod:`assets.similarity`), so each region is looked up like a photo.

The cut is a recursive XY-cut on a greyscale copy about 640 px on the long side:

* a *gutter* is a run of lines (rows or columns) across the whole cell that are all
  one colour, at most 8 % of the cell thick, with a clear step to something else on
  both sides (a sky fades out instead, a pillar rarely spans the whole frame);
* a *seam* is where two photos were put edge to edge without a gutter: a straight
  line across the whole cell where the pixels on either side stop resembling each
  other, while just inside each side they still do. A clear step (most positions
  change a lot) is one kind; two photos of like tones meet with a weak step, found
  by comparing the step across the line with the steps inside each side. Either is
  confirmed by what lies on both sides: no structure crossing it, different
  colours, detail on each side, no second edge a few pixels on (a door frame), and
  a picture on each side once cut.

Each leaf is a picture when it is large enough, not too long and thin, and mostly
not the page colour (a text block or headline is). Two or more pictures make a
composite; one picture on a page is the plain case :func:`assets.similarity`
already handles (the picture's own frame), so it is not reported here. A plain
photo is almost never cut: it has no gutter across its whole frame, and a line that
looks like a seam must pass every check above. What still passes is a straight edge
from side to side between two unlike textures with nothing crossing it (a
building's edge against the sky, in a small copy); benchmarks/README.md counts them
on the corpora.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from assets import similarity
from assets.imaging import to_rgb
from assets.renditions import fit

#: Long side of the grey copy the cut works on: gutters of 8 px in a collage 2,500 px
#: wide are still 2 px thick there.
_CUT_SIDE = 640

#: Long side of the image regions are cropped from, as ingest's web preview.
_SOURCE_SIDE = 1280

#: Long side each region is reduced to before hashing, as ingest's signal image.
_SIGNAL_SIDE = 320

#: Grey levels a gutter line may vary by (JPEG noise), and the share that must.
_FLAT = 10
_FLAT_SHARE = 0.97

#: Thickest gutter, as a share of the cell's extent across it.
_MAX_GUTTER = 0.08

#: A piece left by a cut must be at least this share of the cell's extent.
_MIN_PIECE = 0.12

#: A picture region: smallest share of the composite's area and shortest side (cut
#: pixels), most elongated aspect, and most of its pixels that may be page colour.
_MIN_AREA = 0.04
_MIN_SIDE = 40
_MAX_ASPECT = 3.2
_MAX_PAGE_SHARE = 0.5

#: Most regions kept: beyond that the composite is a contact sheet or a grid of
#: thumbnails, whose pictures are too small to match.
_MAX_REGIONS = 8

#: Sharp seam: grey levels that count as a clear difference between two lines; the
#: share of positions that must differ across the seam (and in each quarter of it),
#: and the most that may differ between neighbouring lines a few pixels either side.
_SHARP_STEP = 24
_SHARP_SHARE = 0.5
_SHARP_QUARTER = 0.2
_SHARP_QUIET = 0.2

#: Seam test: the grey levels by which the step across a line must beat the steps
#: inside each side, the share of positions where it must (and in each quarter of
#: the line), and how much of the seam's lead over the picture's usual lines those
#: 3-8 lines away may have (a seam is one line, where a post or a band is two).
_SEAM_MARGIN = 4.0
_SEAM_SHARE = 0.65
_SEAM_QUARTER = 0.4
_SEAM_RING = 0.7

#: A line as seam-like as this share of a seam's score, further off but within a
#: gutter's width, makes the two a band (a door frame, a pillar), not a seam.
_SEAM_TWIN = 0.7

#: A line beyond that differs from one before by under this share of the step across
#: means the picture goes on past it; edges along the two sides that correlate above
#: this mean structure crosses it; bands whose colour histograms (quarter by quarter
#: along the line) overlap by all but this share on average are the same tones.
_CONTINUES = 0.6
_SEAM_CORRELATION = 0.25
_SEAM_TONES = 0.42

Box = tuple[int, int, int, int]
Fractions = tuple[float, float, float, float]
Grey = NDArray[np.float32]


@dataclass(frozen=True)
class Region:
    """One picture of a composite: where it is (fractions of the frame) and its signals."""

    box: Fractions
    signals: dict[str, int]
    fingerprint: bytes

    @property
    def share(self) -> float:
        """The share of the composite's area the picture covers."""
        left, top, right, bottom = self.box
        return (right - left) * (bottom - top)


def find_regions(image: Image.Image) -> list[Fractions]:
    """The picture regions of a composite as (left, top, right, bottom) fractions.

    Empty for a plain photo and for a page that shows only one picture.
    """
    grey = _cut_copy(image)
    height, width = grey.shape
    if min(height, width) < 2 * _MIN_SIDE:
        return []
    leaves: list[tuple[Box, float | None]] = []
    _cut(grey, _Colour(image, (width, height)), (0, 0, width, height), None, leaves, depth=0)
    if len(leaves) < 2:  # a plain photo, most of the time: nothing to judge
        return []
    boxes = [box for box, page in leaves if _is_picture(grey, box, page)]
    if len(boxes) < 2 or len(boxes) > _MAX_REGIONS:
        return []
    return [(x0 / width, y0 / height, x1 / width, y1 / height) for x0, y0, x1, y1 in boxes]


def region_signals(image: Image.Image) -> list[Region]:
    """Each region of a composite with its signals and fingerprint (empty when plain).

    ``image`` is the upright picture at any size; regions are cropped from a copy of
    web-preview size and hashed at the size ingest hashes photos, so a region's
    signals compare with stored photos' signals.
    """
    boxes = find_regions(image)
    if not boxes:
        return []
    source = fit(image, _SOURCE_SIDE)
    width, height = source.size
    regions = []
    for box in boxes:
        left, top, right, bottom = box
        crop = source.crop(
            (round(left * width), round(top * height), round(right * width), round(bottom * height))
        )
        signals, fingerprint = similarity.describe(fit(crop, _SIGNAL_SIDE))
        regions.append(Region(box, signals, fingerprint))
    return regions


def _cut_copy(image: Image.Image) -> Grey:
    grey = image if image.mode == "L" else to_rgb(image).convert("L")
    return np.asarray(fit(grey, _CUT_SIDE), dtype=np.float32)


class _Colour:
    """The colour copy beside the grey one, made only when a seam is to be confirmed.

    Two photos side by side can share their grey levels and still differ in colour;
    a plain photo rarely gets this far, so it does not pay for the copy.
    """

    def __init__(self, image: Image.Image, size: tuple[int, int]):
        self._image = image
        self._size = size
        self._pixels: NDArray[np.uint8] | None = None

    def lines(self, box: Box, axis: int) -> NDArray[np.uint8]:
        """The cell as lines across ``axis`` (as :func:`_lines`), one RGB triple a pixel."""
        if self._pixels is None:
            rgb = fit(to_rgb(self._image).convert("RGB"), _CUT_SIDE)
            if rgb.size != self._size:
                rgb = rgb.resize(self._size, Image.Resampling.BILINEAR)
            self._pixels = np.asarray(rgb, dtype=np.uint8)
        left, top, right, bottom = box
        cell = self._pixels[top:bottom, left:right]
        return cell if axis == 0 else cell.transpose(1, 0, 2)


def _cut(
    grey: Grey,
    tones: _Colour,
    box: Box,
    page: float | None,
    leaves: list[tuple[Box, float | None]],
    depth: int,
) -> None:
    """Split a cell along its gutters (or, failing that, a seam) until none is left."""
    box, page = _trim(grey, box, page)
    left, top, right, bottom = box
    if min(right - left, bottom - top) < _MIN_SIDE:
        return  # a rule, a line of text or a sliver: never a picture, nothing inside
    if depth > 4 or len(leaves) > 2 * _MAX_REGIONS:
        leaves.append((box, page))
        return
    for axis in (0, 1):
        found = _gutters(grey, box, axis)
        if found:
            colour, pieces = found
            for piece in pieces:
                _cut(grey, tones, piece, colour, leaves, depth + 1)
            return
    for axis in (0, 1):
        seam = _seam(grey, tones, box, axis)
        if seam is None:
            continue
        # A seam parts two pictures: when one side holds none (the sky over a sharp
        # horizon, a strip too thin to be a photo), the line was an edge inside one.
        kept: list[tuple[Box, float | None]] = []
        for piece in seam:
            inside: list[tuple[Box, float | None]] = []
            _cut(grey, tones, piece, page, inside, depth + 1)
            if not any(_is_picture(grey, leaf, colour) for leaf, colour in inside):
                break
            kept.extend(inside)
        else:
            leaves.extend(kept)
            return
    leaves.append((box, page))


def _lines(grey: Grey, box: Box, axis: int) -> Grey:
    """The cell as lines across ``axis``: rows (axis 0) or columns (axis 1), first index."""
    left, top, right, bottom = box
    cell = grey[top:bottom, left:right]
    return cell if axis == 0 else cell.T


def _flat_lines(lines: Grey) -> tuple[NDArray[np.bool_], NDArray[np.float32]]:
    """Which lines are one colour across, and that colour (zero for the other lines)."""
    # A first look at every fourth position rules out most lines of a photo at a
    # quarter of the cost; only the lines left are measured in full.
    maybe = np.nonzero(_flat_share(lines[:, ::4], _FLAT + 2) >= _FLAT_SHARE - 0.1)[0]
    flat = np.zeros(len(lines), dtype=bool)
    colour = np.zeros(len(lines), dtype=np.float32)
    if len(maybe):
        chosen = lines[maybe]
        # The mean stands in for the median: a line that is one colour has them equal,
        # and any other line fails the share test either way.
        colour[maybe] = chosen.mean(axis=1)
        flat[maybe] = _flat_share(chosen, _FLAT) >= _FLAT_SHARE
    return flat, colour


def _flat_share(lines: Grey, within: float) -> NDArray[np.float64]:
    """The share of each line within ``within`` grey levels of the line's mean."""
    mean = lines.mean(axis=1)
    return np.mean(np.abs(lines - mean[:, None]) <= within, axis=1)


def _trim(grey: Grey, box: Box, page: float | None) -> tuple[Box, float | None]:
    """Drop the margins of one colour around a cell (a page's background, a border)."""
    left, top, right, bottom = box
    for _ in range(2):
        trimmed = False
        for axis in (0, 1):
            lines = _lines(grey, (left, top, right, bottom), axis)
            if len(lines) < 4 or lines.shape[1] < 4:
                return (left, top, right, bottom), page
            # Most cells (every plain photo) have no margin: their first and last
            # lines are not one colour, and the rest need not be looked at.
            if not _flat_lines(lines[[0, -1]])[0].any():
                continue
            trimmed = True
            flat, colour = _flat_lines(lines)
            start = _run(flat)
            end = _run(flat[::-1])
            if start >= len(lines) - end:
                return (left, top, right, bottom), page
            if start:
                page = float(colour[0])
            elif end:
                page = float(colour[-1])
            if axis == 0:
                top, bottom = top + start, bottom - end
            else:
                left, right = left + start, right - end
        if not trimmed:
            break
    return (left, top, right, bottom), page


def _run(flags: NDArray[np.bool_]) -> int:
    """How many leading entries are set."""
    unset = np.nonzero(~flags)[0]
    return int(unset[0]) if len(unset) else len(flags)


def _gutters(grey: Grey, box: Box, axis: int) -> tuple[float, list[Box]] | None:
    """Split a cell across ``axis`` at every gutter: (gutter colour, pieces), or None."""
    lines = _lines(grey, box, axis)
    extent = len(lines)
    if extent < 2 * _MIN_SIDE:
        return None
    flat, colour = _flat_lines(lines)
    runs: list[tuple[int, int]] = []
    index = 0
    while index < extent:
        if not flat[index]:
            index += 1
            continue
        start = index
        while index < extent and flat[index] and abs(colour[index] - colour[start]) <= _FLAT:
            index += 1
        runs.append((start, index))
    cuts: list[tuple[int, int]] = []
    colours: list[float] = []
    for start, stop in runs:
        if start == 0 or stop == extent or stop - start > _MAX_GUTTER * extent:
            continue
        gutter = float(np.median(colour[start:stop]))
        # A gutter ends in a step on both sides; a sky or a wall fades into the picture.
        before = lines[max(0, start - 2)]
        after = lines[min(extent - 1, stop + 1)]
        if min(_closeness(before, gutter), _closeness(after, gutter)) > 0.5:
            continue
        cuts.append((start, stop))
        colours.append(gutter)
    if not cuts:
        return None
    edges = [0, *[c for cut in cuts for c in cut], extent]
    spans = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i + 1] > edges[i]]
    return float(np.median(colours)), [_piece(box, axis, s, e) for s, e in spans]


def _closeness(line: Grey, colour: float) -> float:
    return float(np.mean(np.abs(line - colour) <= _FLAT))


def _piece(box: Box, axis: int, start: int, stop: int) -> Box:
    left, top, right, bottom = box
    if axis == 0:
        return left, top + start, right, top + stop
    return left + start, top, left + stop, bottom


def _seam(grey: Grey, tones: _Colour, box: Box, axis: int) -> list[Box] | None:
    """Split a cell in two where two photos meet edge to edge, or None.

    Two photos put side by side differ at the line where they meet by more than each
    differs from itself a few lines further in, at most positions along that line,
    even when their grey levels are close (two smooth areas of one tone with no
    texture still defeat it); inside a photo that happens only along an edge, and an
    edge rarely runs straight across the whole frame. Those that do (a horizon, a
    door frame, a lamp post) are told apart by what lies on either side: the picture
    goes on past a post (a line beyond resembles one before), a door frame's far edge
    follows a few pixels on, an object crossing a horizon continues across it, and the
    two sides of a seam differ in their colours while each holds real detail.
    """
    lines = _lines(grey, box, axis)
    extent, length = lines.shape
    if extent < 2 * _MIN_SIDE or length < _MIN_SIDE:
        return None
    # A seam rarely falls on a whole pixel of the grey copy: the line it crosses is a
    # blend of both photos, so each side is read two lines away from the seam, and
    # the steps inside each side are taken over the same three-line span.
    # Every other position along the line is enough for shares of positions, at half
    # the cost (this runs on every plain photo).
    sample = lines[:, ::2]
    low = max(8, int(_MIN_PIECE * extent))
    sharp = _sharp_seam(sample, low)
    if sharp is not None and _apart(grey, tones, box, axis, lines, sharp):
        return [_piece(box, axis, 0, sharp), _piece(box, axis, sharp, extent)]
    span = np.abs(sample[3:] - sample[:-3])  # span[i]: lines i and i + 3
    seams = np.arange(max(low, 5), min(extent - low, len(span) - 2) + 1)
    if not len(seams):
        return None
    across = span[seams - 2]
    inside = np.maximum(span[seams - 5], span[seams + 1])
    wins = across > inside + _SEAM_MARGIN
    score = wins.mean(axis=1)
    for index in np.argsort(-score)[:3].tolist():
        if score[index] < _SEAM_SHARE:
            break
        seam = int(seams[index])
        distance = np.abs(seams - seam)
        ring = score[(distance >= 3) & (distance <= 8)]
        far = score[(distance >= 9) & (distance <= 30)]
        # What a line of this picture scores anyway (texture scores all lines alike).
        usual = float(np.median(far)) if len(far) else 0.0
        if len(ring) and float(ring.max()) - usual > _SEAM_RING * (score[index] - usual):
            continue  # one edge of a band (a post, a frame), or a pattern of lines
        band = score[(distance > 8) & (distance <= max(12, _MAX_GUTTER * extent))]
        if len(band) and float(band.max()) >= _SEAM_TWIN * score[index]:
            continue  # one edge of a wider band: a door frame, a pillar
        quarters = np.array_split(wins[index], 4)
        if min(float(np.mean(quarter)) for quarter in quarters) < _SEAM_QUARTER:
            continue  # an edge that fades or stops along the line
        if not _continues(lines, seam) and _apart(grey, tones, box, axis, lines, seam):
            return [_piece(box, axis, 0, seam), _piece(box, axis, seam, extent)]
    return None


def _apart(grey: Grey, tones: _Colour, box: Box, axis: int, lines: Grey, seam: int) -> bool:
    """Whether the two sides of a seam are two pictures: unrelated, each with detail."""
    if _crossed(lines, seam) or _same_tones(tones.lines(box, axis), seam):
        return False
    pieces = [_piece(box, axis, 0, seam), _piece(box, axis, seam, len(lines))]
    return all(_detailed(grey, piece) for piece in pieces)


def _sharp_seam(lines: Grey, low: int) -> int | None:
    """A seam with a clear step: the one line where most positions change a lot.

    Inside a photo, neighbouring lines differ little at most positions; two photos
    of different tones put side by side differ a lot at most positions of the one
    line where they meet, and only there, in every quarter of it; and no line a few
    pixels beyond resembles one before it (as past a lamp post or a door frame).
    """
    steps = np.abs(lines[1:] - lines[:-1])
    # share[i]: positions where lines i and i + 1 differ clearly.
    share = np.mean(steps > _SHARP_STEP, axis=1)
    extent = len(lines)
    best: tuple[float, int] | None = None
    for index in np.nonzero(share >= _SHARP_SHARE)[0].tolist():
        seam = index + 1
        if seam < max(low, 7) or seam > extent - low:
            continue
        around = np.concatenate([share[index - 6 : index - 1], share[index + 2 : index + 7]])
        if float(np.max(around)) > _SHARP_QUIET:
            continue
        band = share[index + 7 : index + 1 + max(12, int(_MAX_GUTTER * extent))]
        behind = share[max(0, index + 1 - max(12, int(_MAX_GUTTER * extent))) : max(0, index - 6)]
        if max(float(np.max(band, initial=0)), float(np.max(behind, initial=0))) >= _SHARP_SHARE:
            continue  # one edge of a band a few pixels wide: a door frame, a pillar
        quarters = np.array_split(steps[index] > _SHARP_STEP, 4)
        if min(float(np.mean(quarter)) for quarter in quarters) < _SHARP_QUARTER:
            continue  # an edge inside a photo (a counter top) fades or stops somewhere
        if _sharp_continues(lines, seam):
            continue
        if best is None or share[index] > best[0]:
            best = (float(share[index]), seam)
    return None if best is None else best[1]


def _sharp_continues(lines: Grey, seam: int) -> bool:
    """Whether a line beyond a sharp step resembles one before it (the picture goes on)."""
    before = lines[seam - 2]
    across = float(np.mean(np.abs(lines[seam] - lines[seam - 1]) > _SHARP_STEP))
    for offset in range(1, 16):
        if seam + offset >= len(lines):
            break
        beyond = float(np.mean(np.abs(lines[seam + offset] - before) > _SHARP_STEP))
        if beyond < 0.5 * across:
            return True
    after = lines[seam + 1] if seam + 1 < len(lines) else lines[seam]
    for offset in range(2, 17):
        if seam - offset < 0:
            break
        beyond = float(np.mean(np.abs(lines[seam - offset] - after) > _SHARP_STEP))
        if beyond < 0.5 * across:
            return True
    return False


def _continues(lines: Grey, seam: int) -> bool:
    """Whether the picture goes on past a line: a line beyond it resembles one before it."""
    before, after = lines[seam - 2], lines[seam + 1]
    across = float(np.mean(np.abs(after - before)))
    for offset in range(2, 17):
        if seam + offset >= len(lines):
            break
        if float(np.mean(np.abs(lines[seam + offset] - before))) < _CONTINUES * across:
            return True
    for offset in range(3, 18):
        if seam - offset < 0:
            break
        if float(np.mean(np.abs(lines[seam - offset] - after))) < _CONTINUES * across:
            return True
    return False


def _crossed(lines: Grey, seam: int) -> bool:
    """Whether structure crosses the line: edges along it line up on both sides.

    Across an edge inside a photo, the things that stand on it (a mast on a horizon,
    table legs) carry on; two photos put together share no structure, so the changes
    along one side's line do not correlate with those along the other's.
    """
    before = _fine(lines[seam - 2])
    after = _fine(lines[seam + 1])
    if float(before.std()) == 0 or float(after.std()) == 0:
        return False
    return float(np.corrcoef(before, after)[0, 1]) > _SEAM_CORRELATION


def _fine(line: Grey) -> Grey:
    """A line's fine structure: the line less its average over 7 pixels around.

    Broad shading correlates between two unrelated pictures by chance (a line has
    few independent stretches of it); posts, masts and legs are fine structure.
    """
    kernel = np.full(7, 1 / 7, dtype=np.float32)
    padded = np.pad(line, 3, mode="edge")
    return line - np.convolve(padded, kernel, mode="valid")


def _same_tones(lines: NDArray[np.uint8], seam: int) -> bool:
    """Whether the bands on either side of a line hold much the same colours.

    Compared quarter by quarter along the line (two photos side by side in a grid
    each meet a different photo in each part of the seam), on colours reduced to
    four levels a channel.
    """
    bands = (lines[max(0, seam - 26) : seam - 2], lines[seam + 2 : seam + 26])
    distances = []
    for before, after in zip(*(np.array_split(band, 4, axis=1) for band in bands), strict=True):
        counts = [_colour_counts(part) for part in (before, after)]
        distances.append(float(np.abs(counts[0] - counts[1]).sum()) / 2)
    return float(np.mean(distances)) < _SEAM_TONES


def _colour_counts(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The share of pixels in each of 64 colour bins (four levels a channel)."""
    levels = (pixels >> 6).reshape(-1, 3).astype(np.intp)
    bins = levels[:, 0] * 16 + levels[:, 1] * 4 + levels[:, 2]
    return np.bincount(bins, minlength=64) / max(1, len(bins))


def _detailed(grey: Grey, box: Box) -> bool:
    left, top, right, bottom = box
    cell = Image.fromarray(grey[top:bottom, left:right].astype(np.uint8))
    return similarity.detail_level(cell) >= 2 * similarity.LOW_DETAIL_THRESHOLD


def _is_picture(grey: Grey, box: Box, page: float | None) -> bool:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    total_h, total_w = grey.shape
    if min(width, height) < _MIN_SIDE or width * height < _MIN_AREA * total_w * total_h:
        return False
    if max(width, height) > _MAX_ASPECT * min(width, height):
        return False
    cell = grey[top:bottom, left:right]
    if page is not None and float(np.mean(np.abs(cell - page) <= _FLAT)) > _MAX_PAGE_SHARE:
        return False
    return _detailed(grey, box)
