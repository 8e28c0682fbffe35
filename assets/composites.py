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
  other, while just inside each side they still do.

Each leaf is a picture when it is large enough, not too long and thin, and mostly
not the page colour (a text block or headline is). Two or more pictures make a
composite; one picture on a page is the plain case :func:`assets.similarity`
already handles (the picture's own frame), so it is not reported here. A plain
photo is never cut: it has no gutter across its whole frame, and its seams are
checked against the detail on both sides.
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

#: Seam test: grey levels that count as a clear difference between two lines; the
#: share of positions that must differ across a seam, and the most that may differ
#: between neighbouring lines a few pixels either side of it.
_SEAM_STEP = 24
_SEAM_SHARE = 0.5
_SEAM_QUIET = 0.2
_SEAM_QUARTER = 0.2

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
    _cut(grey, (0, 0, width, height), None, leaves, depth=0)
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
        small = fit(crop, _SIGNAL_SIDE)
        regions.append(
            Region(box, similarity.compute_signals(small), similarity.fingerprint(small))
        )
    return regions


def _cut_copy(image: Image.Image) -> Grey:
    grey = image if image.mode == "L" else to_rgb(image).convert("L")
    return np.asarray(fit(grey, _CUT_SIDE), dtype=np.float32)


def _cut(
    grey: Grey, box: Box, page: float | None, leaves: list[tuple[Box, float | None]], depth: int
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
                _cut(grey, piece, colour, leaves, depth + 1)
            return
    for axis in (0, 1):
        seam = _seam(grey, box, axis)
        if seam is not None:
            for piece in seam:
                _cut(grey, piece, page, leaves, depth + 1)
            return
    leaves.append((box, page))


def _lines(grey: Grey, box: Box, axis: int) -> Grey:
    """The cell as lines across ``axis``: rows (axis 0) or columns (axis 1), first index."""
    left, top, right, bottom = box
    cell = grey[top:bottom, left:right]
    return cell if axis == 0 else cell.T


def _flat_lines(lines: Grey) -> tuple[NDArray[np.bool_], NDArray[np.float32]]:
    """Which lines are one colour across, and that colour."""
    # The mean stands in for the median: a line that is one colour has them equal,
    # and any other line fails the share test either way.
    colour = lines.mean(axis=1)
    close = np.abs(lines - colour[:, None]) <= _FLAT
    return close.mean(axis=1) >= _FLAT_SHARE, colour.astype(np.float32)


def _trim(grey: Grey, box: Box, page: float | None) -> tuple[Box, float | None]:
    """Drop the margins of one colour around a cell (a page's background, a border)."""
    left, top, right, bottom = box
    for _ in range(2):
        for axis in (0, 1):
            lines = _lines(grey, (left, top, right, bottom), axis)
            if len(lines) < 4 or lines.shape[1] < 4:
                return (left, top, right, bottom), page
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


def _seam(grey: Grey, box: Box, axis: int) -> list[Box] | None:
    """Split a cell in two where two photos meet edge to edge, or None.

    Inside a photo, neighbouring lines differ little at most positions; two photos
    put side by side differ a lot at most positions of the one line where they meet,
    and only there. A straight object across the whole frame (a lamp post, a door
    frame) can do that too, but the picture on its far side continues the near side:
    a line a few pixels beyond it resembles one before it, which never happens
    across a seam. Each side must hold a picture with real detail.
    """
    lines = _lines(grey, box, axis)
    extent, length = lines.shape
    if extent < 2 * _MIN_SIDE or length < _MIN_SIDE:
        return None
    steps = np.abs(lines[1:] - lines[:-1])
    # share[i]: positions where lines i and i + 1 differ clearly.
    share = np.mean(steps > _SEAM_STEP, axis=1)
    low = max(8, int(_MIN_PIECE * extent))
    best: tuple[float, int] | None = None
    for index in np.nonzero(share >= _SEAM_SHARE)[0].tolist():
        seam = index + 1
        if seam < low or seam > extent - low:
            continue
        around = np.concatenate([share[index - 6 : index - 1], share[index + 2 : index + 7]])
        if float(np.max(around)) > _SEAM_QUIET:
            continue
        if _continues(lines, seam) or not _all_along(steps[index]):
            continue
        if best is None or share[index] > best[0]:
            best = (float(share[index]), seam)
    if best is None:
        return None
    seam = best[1]
    pieces = [_piece(box, axis, 0, seam), _piece(box, axis, seam, extent)]
    if not all(_detailed(grey, piece) for piece in pieces):
        return None
    return pieces


def _all_along(step: Grey) -> bool:
    """Whether a step runs the whole length of the line, as where two photos meet.

    An edge inside a photo (a counter top, a horizon) fades or stops somewhere along
    it; a seam divides unrelated pictures, which differ in every quarter of it.
    """
    quarters = np.array_split(step > _SEAM_STEP, 4)
    return min(float(np.mean(quarter)) for quarter in quarters) >= _SEAM_QUARTER


def _continues(lines: Grey, seam: int) -> bool:
    """Whether the picture goes on past a line: a line beyond it resembles one before it."""
    before = lines[seam - 2]
    across = float(np.mean(np.abs(lines[seam] - lines[seam - 1]) > _SEAM_STEP))
    for offset in range(1, 16):
        if seam + offset >= len(lines):
            break
        beyond = float(np.mean(np.abs(lines[seam + offset] - before) > _SEAM_STEP))
        if beyond < 0.5 * across:
            return True
    after = lines[seam + 1] if seam + 1 < len(lines) else lines[seam]
    for offset in range(2, 17):
        if seam - offset < 0:
            break
        beyond = float(np.mean(np.abs(lines[seam - offset] - after) > _SEAM_STEP))
        if beyond < 0.5 * across:
            return True
    return False


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
