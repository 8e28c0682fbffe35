"""Confirming a near-duplicate candidate from two stored fingerprints.

The fingerprints (`assets.similarity.fingerprint`) are aligned full frame, mirrored,
turned and by a crop search in both directions, and judged by a robust normalised
cross-correlation plus a correlation of fine detail, so candidates from the Hamming
index are confirmed without decoding the originals again. Pairs those alignments
reject get two more chances: a search for a copy turned by a few degrees and
trimmed, and, when the fine detail already agrees, a correlation with smooth shading
(a vignette, a local grade) taken out. A searched alignment whose fine detail agrees
only weakly must be confirmed by the turn search or the local features, because two
frames of one scene line up that well too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assets.similarity import (
    _COARSE,
    _COMPARE,
    _FULL,
    LOW_DETAIL_THRESHOLD,
    FloatArray,
    _parse,
    _Print,
    _sample,
)

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


@dataclass(frozen=True)
class Verification:
    """Outcome of comparing two fingerprints, with a sentence a picture editor can read."""

    score: float
    same: bool
    method: str
    detail: str


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
    #: Robust correlation with smooth shading (vignette, local grade) taken out.
    shaded: float = 0.0
    #: Degrees the inner picture is turned by within the outer one (counter-clockwise).
    angle: float = 0.0


def verify(
    fp_a: bytes, fp_b: bytes, features_a: bytes | None = None, features_b: bytes | None = None
) -> Verification:
    """Decide whether two fingerprints show the same photo, and say how they line up.

    ``features_a``/``features_b`` are the photos' local features
    (:func:`assets.features.local_features`); when both are given, a pair the
    fingerprints reject gets one more chance as a heavy crop or a turned crop, and a
    weak searched alignment must be confirmed (see :data:`_CONFIRM_FINE`).
    """
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
        local = _local_check(a, b, features_a, features_b)
        if local is not None:
            return local
        return Verification(
            0.0, False, "none", "no whole-frame, turned or cropped alignment correlates"
        )
    threshold = _ACCEPT_CROP if best.searched else _ACCEPT_FULL
    same = best.score >= threshold and best.fine >= _ACCEPT_FINE
    if not same and best.fine >= _ACCEPT_FINE_SHADED and best.shaded >= _ACCEPT_SHADED:
        # A vignette or a local grade bends the whole-picture correlation while every
        # detail still lines up: judged on the picture with its shading taken out.
        same = True
    if not same and best.score >= _TURN_WORTH:
        # A copy turned by a few degrees and trimmed lines up with no upright crop.
        turned = _best_turn(a, b)
        if turned is not None and turned.score >= _ACCEPT_TURN and turned.fine >= _ACCEPT_FINE_TURN:
            best, same = turned, True
    if same and features_a and features_b and _weak(best):
        return _confirm(best, a, b, features_a, features_b)
    if not same:
        local = _local_check(a, b, features_a, features_b)
        if local is not None:
            return local
    return Verification(round(best.score, 4), same, best.method, _explain(best, a, b, same))


#: A searched alignment (a crop or a turn) whose fine detail agrees less than this is
#: weak evidence: two frames of one scene shot a few degrees apart (the pdq desk) line
#: up by a crop of the other at robust 0.95-0.97 and fine detail 0.51-0.62, as many
#: true copies do when an upright crop only approximates a turn or a smaller crop;
#: those have a better explanation (the turn search, or the local features at fine
#: detail 0.8 or more). Copies that only an upright crop explains (blurred, graded)
#: were seen down to 0.65 (benchmarks/README.md, issue 16, "crop to 50 % and no two
#: photos in one group").
_CONFIRM_FINE = 0.65


def _weak(match: _Match) -> bool:
    return match.searched and match.fine < _CONFIRM_FINE


def _confirm(
    best: _Match, a: _Print, b: _Print, features_a: bytes, features_b: bytes
) -> Verification:
    """A weak searched alignment stands only if a turn or the local features explain it better.

    Only asked when both photos have local features; photos stored without them keep
    the fingerprint's verdict.
    """
    if best.method != "turn" and best.score >= _TURN_WORTH:
        turned = _best_turn(a, b)
        if (
            turned is not None
            and turned.score >= _ACCEPT_TURN
            and turned.fine >= _ACCEPT_FINE_TURN
            and not _weak(turned)
        ):
            return Verification(round(turned.score, 4), True, "turn", _explain(turned, a, b, True))
    local = _local_check(a, b, features_a, features_b)
    if local is not None:
        return local
    detail = _explain(best, a, b, False)
    return Verification(
        round(best.score, 4),
        False,
        best.method,
        f"{detail}: fine detail under {_CONFIRM_FINE} after a searched alignment, and neither"
        " a turn nor the local features confirm it",
    )


def _local_check(
    a: _Print, b: _Print, features_a: bytes | None, features_b: bytes | None
) -> Verification | None:
    """The local-feature check of a pair the fingerprints rejected; None unless it accepts."""
    if not features_a or not features_b:
        return None
    # OpenCV takes a tenth of a second to import; commands that never verify skip it.
    from assets import features

    local = features.check_features(a, b, features_a, features_b)
    if local is None or not local.same:
        return None
    return Verification(local.score, True, "features", local.detail)


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
    fine = _fine_ncc(a.grid, best_grid)
    return _Match(score, ncc, best.method, fine, shaded=_shaded_ncc(a.grid, best_grid, fine))


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
    shaded = _shaded_ncc(inner.grid, region, fine)
    return _Match(
        robust, plain, method, fine, area, (x, y), inner_label, searched=True, shaded=shaded
    )


#: Pairs whose best upright alignment scores below this are not tried turned.
_TURN_WORTH = 0.4


#: A turned alignment has one more degree of freedom than a crop, and different frames
#: of one scene (the same desk shot twice) come close with it: it must be nearly exact.
_ACCEPT_TURN = 0.95


_ACCEPT_FINE_TURN = 0.6


#: A centred first guess below this correlation is not refined.
_TURN_PROMISING = 0.8


#: A turn search whose whole-degree refinement ends below this is given up.
_TURN_HOPEFUL = 0.88


#: Turns tried first (degrees either way), then refined by a degree around the best.
_TURN_STEPS = (2.0, 4.0, 6.0, 8.0, 10.0)


def _best_turn(a: _Print, b: _Print) -> _Match | None:
    """B as a part of A turned by up to about 10°, or A as a part of B; None if neither fits.

    The shape of a turned copy's trimmed frame is known for each angle (the largest
    upright frame of the original's shape inside the turned picture), so for each
    angle only the centre and the scale are searched, starting from the middle.
    """
    found: _Match | None = None
    for outer, inner, label in ((a, b, "B"), (b, a, "A")):
        match = _turn_search(outer, inner, label)
        if match is not None and (found is None or match.score > found.score):
            found = match
        if found is not None and found.score >= _ACCEPT_TURN and found.fine >= _ACCEPT_FINE_TURN:
            break
    return found


def _turn_search(outer: _Print, inner: _Print, label: str) -> _Match | None:
    target = _normalise(inner.coarse)

    def score(angle: float, cx: float, cy: float, size: float) -> float:
        grid = _turned_region(outer, inner.aspect, angle, cx, cy, size, _COARSE)
        return -1.0 if grid is None else _ncc(target, _normalise(grid))

    def fitted(angle: float) -> float:
        # Height (in outer heights) of the largest frame of the inner's shape that
        # fits inside the outer frame turned by ``angle``.
        theta = np.radians(abs(angle))
        cos, sin = float(np.cos(theta)), float(np.sin(theta))
        width, height = inner.aspect, 1.0
        return float(
            min(
                outer.aspect / (width * cos + height * sin),
                1.0 / (width * sin + height * cos),
            )
        )

    # All first guesses at once (one batched sample), centred, at the fitted size.
    angles = np.array([sign * step for step in _TURN_STEPS for sign in (1.0, -1.0)])
    sizes = np.array([fitted(float(angle)) for angle in angles])
    grids = _turned_regions(outer, inner.aspect, angles, 0.5, 0.5, sizes, _COARSE)
    flat = grids.reshape(len(angles), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    spread = np.sqrt((flat * flat).mean(axis=1, keepdims=True))
    values = (flat / np.maximum(spread, 1e-6)) @ target.ravel() / target.size
    first = int(np.argmax(values))
    if values[first] < _TURN_PROMISING:
        return None
    value, angle, cx, cy, size = float(values[first]), float(angles[first]), 0.5, 0.5, sizes[first]
    for move in (1.0, 0.5):
        if move < 1.0 and value < _TURN_HOPEFUL:
            return None  # the last half-steps add a hundredth or two, not more
        improved = True
        rounds = 0
        while improved and rounds < 3:
            improved = False
            rounds += 1
            for d_angle, dx, dy, d_size in (
                (move, 0, 0, 0),
                (-move, 0, 0, 0),
                (0, 0.02 * move, 0, 0),
                (0, -0.02 * move, 0, 0),
                (0, 0, 0.02 * move, 0),
                (0, 0, -0.02 * move, 0),
                (0, 0, 0, 0.03 * move),
                (0, 0, 0, -0.03 * move),
            ):
                candidate = (angle + d_angle, cx + dx, cy + dy, size * (1 + d_size))
                trial = score(*candidate)
                if trial > value + 1e-6:
                    value, (angle, cx, cy, size) = trial, candidate
                    improved = True
    region = _turned_region(outer, inner.aspect, angle, cx, cy, size, _COMPARE)
    if region is None:
        return None
    robust, plain = _robust_ncc(_normalise(inner.grid), _normalise(region))
    fine = _fine_ncc(inner.grid, region)
    area = size * size * inner.aspect / outer.aspect
    return _Match(
        robust,
        plain,
        "turn",
        fine,
        area,
        (cx, cy),
        label,
        searched=True,
        angle=angle,
    )


def _turned_regions(
    outer: _Print,
    inner_aspect: float,
    angles: FloatArray,
    cx: float,
    cy: float,
    sizes: FloatArray,
    side: int,
) -> FloatArray:
    """:func:`_turned_region` for several angles and sizes at once, clamped to the frame."""
    theta = np.radians(angles)[:, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    steps = (np.arange(side) + 0.5) / side - 0.5
    local_x = steps[None, None, :] * sizes[:, None, None] * inner_aspect
    local_y = steps[None, :, None] * sizes[:, None, None]
    x = cos * local_x - sin * local_y + cx * outer.aspect
    y = sin * local_x + cos * local_y + cy
    return sample_thumb(outer, x, y)


def sample_thumb(outer: _Print, x: FloatArray, y: FloatArray) -> FloatArray:
    """The thumbnail, bilinearly, at frame positions (x in heights, y in 0..1), clamped."""
    thumb = outer.pixels
    rows, cols = thumb.shape
    px = np.clip(x / outer.aspect * cols - 0.5, 0, cols - 1.001)
    py = np.clip(y * rows - 0.5, 0, rows - 1.001)
    x0, y0 = px.astype(np.int64), py.astype(np.int64)
    fx, fy = px - x0, py - y0
    # One flat index for the four neighbours: the turn search samples ten grids for
    # every pair it is asked about, and two-dimensional gathers cost a third more.
    flat = thumb.ravel()
    at = y0 * cols + x0
    top = flat[at] * (1 - fx) + flat[at + 1] * fx
    at += cols
    bottom = flat[at] * (1 - fx) + flat[at + 1] * fx
    return np.asarray(top * (1 - fy) + bottom * fy)


def _turned_region(
    outer: _Print, inner_aspect: float, angle: float, cx: float, cy: float, size: float, side: int
) -> FloatArray | None:
    """Sample a turned rectangle of the outer thumbnail onto a side×side grid.

    The rectangle has the inner frame's shape, height ``size`` (in outer heights),
    its centre at (cx, cy) (fractions of the outer frame) and is turned by ``angle``
    degrees; coordinates are true proportions, not the squashed thumbnail's. None
    when the rectangle leaves the frame.
    """
    theta = np.radians(angle)
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    steps = (np.arange(side) + 0.5) / side - 0.5
    local_x = steps[None, :] * size * inner_aspect
    local_y = steps[:, None] * size
    x = cos * local_x - sin * local_y + cx * outer.aspect
    y = sin * local_x + cos * local_y + cy
    thumb = outer.pixels
    rows, cols = thumb.shape
    px = x / outer.aspect * cols - 0.5
    py = y * rows - 0.5
    if px.min() < -0.5 or py.min() < -0.5 or px.max() > cols - 0.5 or py.max() > rows - 0.5:
        return None
    return sample_thumb(outer, x, y)


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


#: Shading-free correlation, and fine-detail correlation, that accept a pair whose
#: plain correlation a vignette or local grade pulled below the threshold.
_ACCEPT_SHADED = 0.93


_ACCEPT_FINE_SHADED = 0.75


#: Side of the box blur whose log-domain removal takes out smooth shading.
_SHADING_BLUR = 11


def _shaded_ncc(p: FloatArray, q: FloatArray, fine: float) -> float:
    """Robust correlation of two aligned grids after taking out smooth shading.

    A vignette or a graded sky multiplies the picture by a smooth field; in the log
    domain that field is additive and a wide box blur holds it, so subtracting the
    blur leaves the picture's own structure. Only worth computing when the fine
    detail already agrees.
    """
    if fine < _ACCEPT_FINE_SHADED:
        return 0.0
    score, _ = _robust_ncc(_normalise(_unshaded(p)), _normalise(_unshaded(q)))
    return score


def _unshaded(pixels: FloatArray) -> FloatArray:
    logs = np.log(pixels + 8.0)
    side = _SHADING_BLUR
    table = _integral(logs)
    blurred = _box_sums(table, side, side) / (side * side)
    half = side // 2
    return np.asarray(
        logs[half : half + blurred.shape[0], half : half + blurred.shape[1]] - blurred
    )


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
    if match.method == "turn":
        outer = "A" if match.inner == "B" else "B"
        parts.append(
            f"turned about {abs(match.angle):.0f}°: {match.inner} is {outer} turned"
            f" {'anticlockwise' if match.angle > 0 else 'clockwise'} and trimmed to"
            f" {match.area:.0%} of its area"
        )
    elif match.method == "crop":
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
    threshold = _ACCEPT_CROP if match.searched else _ACCEPT_FULL
    if same and match.score < threshold:
        parts.append(f"uneven light taken out (vignette or local grade): {match.shaded:.3f}")
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


#: Trimming alone takes at most this much from a side; more means a page or frame.
_MAX_BAR = 0.221


def _describe_trim(trims: tuple[float, float, float, float]) -> str:
    names = ("left", "top", "right", "bottom")
    found = [f"{name} {value:.0%}" for name, value in zip(names, trims, strict=True) if value]
    if not found:
        return ""
    left, top, right, bottom = trims
    if max(trims) > _MAX_BAR:
        # Found by the picture search, not by trimming bars: say what a desk sees.
        share = (1 - left - right) * (1 - top - bottom)
        return f"the page or frame around the picture (shown at {share:.0%} of its area: " + (
            ", ".join(found) + ")"
        )
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
