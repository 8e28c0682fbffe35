"""Local features (ORB keypoints) of a photo's own frame, and their geometric match.

The fingerprint check (:mod:`assets.verification`) aligns whole thumbnails; it finds
crops down to about 60 % of the area and turns it can search for. A crop that keeps
half of the picture, or one turned and cropped at once, is better found by the
points the two pictures share: :func:`local_features` keeps up to
:data:`MAX_POINTS` ORB keypoints of the same frame the fingerprint shows (borders,
caption bars and the page around a picture trimmed, so points on a layout shared by
many pages are not kept), spread over the frame, in at most :data:`MAX_BYTES`.
:func:`match_features` pairs the descriptors and fits a similarity transform
(turn, scale, shift) with RANSAC; :func:`assets.verification.verify` runs it only on
candidates the fingerprint check rejected (or aligned only weakly), and accepts only a
near-similarity that the two thumbnails then confirm pixel by pixel over the part both
show, more closely when few points support it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from assets import similarity
from assets.verification import _fine_ncc, _normalise, _robust_ncc, sample_thumb

#: Stored bytes per photo may not exceed this (the issue's bound, beside the 4 KiB
#: fingerprint).
MAX_BYTES = 4096


_MAGIC = b"PDF1"


#: Magic, frame aspect ratio (width / height), number of points.
_HEADER = struct.Struct("<4sfH")


#: One point: x and y as fractions of the frame (×65535), then the 32-byte descriptor.
_POINT = np.dtype([("x", "<u2"), ("y", "<u2"), ("descriptor", "u1", (32,))])


#: As many points as fit in :data:`MAX_BYTES`.
MAX_POINTS = (MAX_BYTES - _HEADER.size) // _POINT.itemsize


#: Long side of the frame the keypoints are found on. The signal image ingest hands
#: over is 320 px, so a picture shown small inside a page is brought up to it.
_DETECT_SIDE = 320


#: The frame is cut into this many cells a side, and points are taken from the cells
#: in turn (strongest first), so a crop of any part keeps its share of points.
_SPREAD = 4


UInt8Array = NDArray[np.uint8]


FloatArray = NDArray[np.float64]


class FeatureDataError(ValueError):
    """Stored local-feature data is not in the expected layout."""


@dataclass(frozen=True)
class Features:
    """Parsed local features: frame aspect ratio, point positions and descriptors."""

    aspect: float
    #: (n, 2) positions in true proportions: x in [0, aspect], y in [0, 1].
    points: FloatArray
    descriptors: UInt8Array


def _detector() -> cv2.ORB:
    # A small patch and edge margin: the frame is only ~320 px, and a crop's points
    # near its edges are the ones the original has inside.
    return cv2.ORB.create(
        nfeatures=400,
        scaleFactor=1.2,
        nlevels=6,
        edgeThreshold=12,
        patchSize=23,
        fastThreshold=10,
    )


def local_features(image: Image.Image, frame: similarity.Frame | None = None) -> bytes:
    """ORB keypoints of the picture's own frame, at most :data:`MAX_BYTES` bytes.

    The frame is the one :func:`assets.similarity.fingerprint` keeps (trimmed of
    borders, caption bars and a page around the picture), so positions line up with
    the fingerprint's thumbnail (pass the ``frame`` the fingerprint was made from to
    find it once). An image too small or too flat for keypoints gives a valid record
    with no points.
    """
    found = frame or similarity.frame_of(image)
    grey, work = found.grey, found.work
    left, top, right, bottom = found.box
    # The box is found on the 256 px work copy; take the same part of the full grey.
    fx, fy = grey.width / work.width, grey.height / work.height
    box = (left * fx, top * fy, right * fx, bottom * fy)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    aspect = box_w / max(box_h, 1e-6)
    if min(box_w, box_h) < 16:
        return _HEADER.pack(_MAGIC, aspect, 0)
    scale = _DETECT_SIDE / max(box_w, box_h)
    size = (max(1, round(box_w * scale)), max(1, round(box_h * scale)))
    pixels = np.asarray(grey.resize(size, Image.Resampling.BILINEAR, box=box), dtype=np.uint8)
    keypoints, descriptors = _detector().detectAndCompute(pixels, None)
    if descriptors is None or not keypoints:
        return _HEADER.pack(_MAGIC, aspect, 0)
    chosen = _spread(keypoints, size)
    positions = np.array([keypoints[i].pt for i in chosen], dtype=np.float64).reshape(-1, 2)
    records = np.zeros(len(chosen), dtype=_POINT)
    records["x"] = np.round(np.clip(positions[:, 0] / size[0], 0.0, 1.0) * 65535)
    records["y"] = np.round(np.clip(positions[:, 1] / size[1], 0.0, 1.0) * 65535)
    records["descriptor"] = descriptors[chosen]
    return _HEADER.pack(_MAGIC, aspect, len(records)) + records.tobytes()


def _spread(keypoints: Sequence[cv2.KeyPoint], size: tuple[int, int]) -> NDArray[np.intp]:
    """Indices of up to :data:`MAX_POINTS` keypoints, taken from grid cells in turn.

    Each cell gives its strongest point, then every cell its second strongest, and so
    on, so a crop of any part of the frame keeps its share of the stored points.
    """
    positions = np.array([point.pt for point in keypoints], dtype=np.float64)
    responses = np.array([point.response for point in keypoints], dtype=np.float64)
    cx = np.minimum(_SPREAD - 1, (positions[:, 0] / size[0] * _SPREAD).astype(np.intp))
    cy = np.minimum(_SPREAD - 1, (positions[:, 1] / size[1] * _SPREAD).astype(np.intp))
    cells = cy * _SPREAD + cx
    by_cell = np.lexsort((-responses, cells))
    sorted_cells = cells[by_cell]
    first = np.searchsorted(sorted_cells, sorted_cells, side="left")
    rank = np.empty(len(keypoints), dtype=np.intp)
    rank[by_cell] = np.arange(len(keypoints)) - first
    order = np.lexsort((-responses, rank))
    return order[:MAX_POINTS]


def parse_features(data: bytes) -> Features:
    """Read stored local features; :class:`FeatureDataError` when they are not ours."""
    if len(data) < _HEADER.size or len(data) > MAX_BYTES:
        raise FeatureDataError("not photodesk local features (wrong size)")
    magic, aspect, count = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise FeatureDataError("not photodesk local features (or from another version)")
    if len(data) != _HEADER.size + count * _POINT.itemsize:
        raise FeatureDataError("local features truncated or padded")
    if not (np.isfinite(aspect) and 0.01 < aspect < 100):
        raise FeatureDataError("local features with an impossible frame shape")
    records = np.frombuffer(data, dtype=_POINT, count=count, offset=_HEADER.size)
    points = np.stack([records["x"] / 65535.0 * aspect, records["y"] / 65535.0], axis=1).astype(
        np.float64
    )
    return Features(
        float(aspect), points.reshape(-1, 2), np.ascontiguousarray(records["descriptor"])
    )


@dataclass(frozen=True)
class FeatureMatch:
    """A similarity transform taking B's frame into A's, and the evidence for it.

    ``matrix`` maps B's true-proportion coordinates (x in [0, aspect], y in [0, 1])
    to A's; ``angle`` is in degrees, counter-clockwise as seen in A.
    """

    matrix: FloatArray
    scale: float
    angle: float
    inliers: int
    matches: int
    #: Share of each frame's area that the other one shows.
    share_a: float
    share_b: float
    #: How far the inliers spread over the part both show (smaller side, 0-1).
    spread: float


#: Lowe's ratio test: a match must be clearly better than the second best.
_RATIO = 0.8


#: RANSAC tolerance, in frame heights.
_REPROJECTION = 0.015


#: Fewer matched points than this cannot support a transform worth checking. A crop
#: to half the picture of a small frame shares only a handful of stored points with
#: its original; the thumbnails, not the point count, then carry the verdict.
_MIN_MATCHES = 5


def match_features(a: Features, b: Features) -> FeatureMatch | None:
    """The best similarity transform from B to A by RANSAC, or None when there is none."""
    if len(a.descriptors) < _MIN_MATCHES or len(b.descriptors) < _MIN_MATCHES:
        return None
    found = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(b.descriptors, a.descriptors, k=2)
    pairs = np.array(
        [(m[0].trainIdx, m[0].distance, m[1].distance) for m in found if len(m) == 2],
        dtype=np.float64,
    ).reshape(-1, 3)
    rows = np.array([m[0].queryIdx for m in found if len(m) == 2], dtype=np.intp)
    best = pairs[:, 0].astype(np.intp)
    # Lowe's ratio test: B's point takes its nearest in A only when that is clearly
    # nearer than the second nearest; and one point of A may not take several of B's.
    chosen = pairs[:, 1] < _RATIO * pairs[:, 2]
    counts = np.bincount(best[chosen], minlength=len(a.descriptors))
    chosen &= counts[best] == 1
    query = rows[chosen]
    train = best[chosen]
    if len(query) < _MIN_MATCHES:
        return None
    source = b.points[query].astype(np.float32)
    target = a.points[train].astype(np.float32)
    matrix, mask = cv2.estimateAffinePartial2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=_REPROJECTION,
        maxIters=400,
        confidence=0.995,
        refineIters=10,
    )
    if matrix is None or mask is None:
        return None
    inlier = mask.ravel().astype(bool)
    m = np.asarray(matrix, dtype=np.float64)
    scale = float(np.hypot(m[0, 0], m[1, 0]))
    angle = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
    share_a, share_b = _overlap(m, a.aspect, b.aspect)
    spread = _spread_of(source[inlier], m, a.aspect, b.aspect)
    return FeatureMatch(m, scale, angle, int(inlier.sum()), len(query), share_a, share_b, spread)


def _overlap(matrix: FloatArray, aspect_a: float, aspect_b: float) -> tuple[float, float]:
    """Share of A's area covered by B's mapped frame, and of B's frame inside A.

    Estimated on a grid of B's frame: enough for "about 50 %" and for bounds.
    """
    steps = (np.arange(24) + 0.5) / 24
    xs, ys = np.meshgrid(steps * aspect_b, steps)
    mapped_x = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]
    mapped_y = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]
    inside = (mapped_x >= 0) & (mapped_x <= aspect_a) & (mapped_y >= 0) & (mapped_y <= 1)
    share_b = float(inside.mean())
    scale_sq = matrix[0, 0] ** 2 + matrix[1, 0] ** 2
    area_b_in_a = share_b * aspect_b * scale_sq
    return float(min(1.0, area_b_in_a / aspect_a)), share_b


def _spread_of(
    source: NDArray[np.float32], matrix: FloatArray, aspect_a: float, aspect_b: float
) -> float:
    """How far inlier points spread across the shared part, on its shorter axis (0-1).

    Points bunched in one band (a caption, meme text, a logo) give a transform that
    says nothing about the rest of the picture; real copies share points all over.
    """
    if len(source) < 2:
        return 0.0
    steps = (np.arange(24) + 0.5) / 24
    xs, ys = np.meshgrid(steps * aspect_b, steps)
    mapped_x = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]
    mapped_y = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]
    inside = (mapped_x >= 0) & (mapped_x <= aspect_a) & (mapped_y >= 0) & (mapped_y <= 1)
    if not inside.any():
        return 0.0
    shared_x, shared_y = xs[inside], ys[inside]
    width = float(shared_x.max() - shared_x.min()) or 1e-6
    height = float(shared_y.max() - shared_y.min()) or 1e-6
    # Middle 80 % of the points, so one stray inlier does not make a spread.
    low_x, high_x = np.percentile(source[:, 0], [10, 90])
    low_y, high_y = np.percentile(source[:, 1], [10, 90])
    return float(min((high_x - low_x) / width, (high_y - low_y) / height))


# --- confirming a match on the stored thumbnails -------------------------------------------


#: Geometric rules a feature match must meet before the thumbnails are compared.
_MIN_INLIERS = 8
_MIN_INLIER_SHARE = 0.6
_MAX_ANGLE = 11.0
#: The inner frame must show at least this share of the outer one (a crop to 50 %
#: keeps about 0.48); smaller parts are what collages and pages show.
_MIN_SHARE = 0.4
#: And lie inside it: a crop or a trimmed turn is wholly part of the original.
_MIN_INSIDE = 0.9
_MIN_SPREAD = 0.15
#: A match of the whole frame this upright adds nothing to the fingerprint check.
_WHOLE = 0.93
_UPRIGHT = 1.0


#: The two thumbnails, aligned by the transform, must agree like a verified crop.
_ACCEPT_ALIGNED = 0.9
_ACCEPT_ALIGNED_FINE = 0.8


#: Thin geometric evidence (fewer inliers, or inliers bunched in one part: a half crop
#: of a small frame, a plain sky) still fixes where the inner frame lies when at least
#: this many points agree and they are not a stray minority of the matches; the
#: thumbnails must then agree more closely than after strong geometry.
_FEW_INLIERS = 3
_FEW_INLIER_SHARE = 0.35
_FEW_SPREAD = 0.03
_ACCEPT_FEW = 0.97
_ACCEPT_FEW_FINE = 0.82


@dataclass(frozen=True)
class LocalVerdict:
    """The outcome of the feature check, with what a desk reads about it."""

    same: bool
    score: float
    detail: str
    #: Share of the outer frame's area that the inner one shows, and the turn in degrees.
    area: float
    angle: float


def check_features(
    print_a: similarity._Print, print_b: similarity._Print, data_a: bytes, data_b: bytes
) -> LocalVerdict | None:
    """Whether B is a crop (possibly turned a little) of A or A of B, by local features.

    None when the feature data is missing or unreadable, or no transform is found. The
    transform must be a near-similarity (turn at most ~10°, one frame inside the other,
    showing at least 40 % of it) and the stored thumbnails must then correlate where it
    lines them up, so a shared overlay or layout cannot carry a match. Strong geometry
    (enough inliers, most matches agreeing, spread over the shared part) needs the
    thumbnails to agree like a verified crop; thin geometry (a half crop of a small
    frame keeps a handful of stored points; a subject on a plain sky bunches them) only
    places the frame, and the thumbnails must then agree more closely.
    """
    try:
        a, b = parse_features(data_a), parse_features(data_b)
    except FeatureDataError:
        return None
    found = match_features(a, b)
    if found is None:
        return None
    if found.share_b >= found.share_a:
        # B's frame inside A: sample A where B's grid lands.
        outer, inner, matrix, label = print_a, print_b, found.matrix, "B"
        inside, area = found.share_b, found.share_a
    else:
        outer, inner, label = print_b, print_a, "A"
        matrix = _invert(found.matrix)
        inside, area = found.share_a, found.share_b
    angle = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    if area >= _WHOLE and abs(angle) < _UPRIGHT:
        # The same frame, upright: the fingerprint check has judged exactly this.
        return None
    reasons: list[str] = []
    if found.inliers < _FEW_INLIERS or found.inliers < _FEW_INLIER_SHARE * found.matches:
        reasons.append(f"only {found.inliers} of {found.matches} matched points agree")
    if abs(angle) > _MAX_ANGLE:
        reasons.append(f"turned {abs(angle):.0f}°, more than a small turn")
    if inside < _MIN_INSIDE or area < _MIN_SHARE:
        reasons.append(f"overlap {area:.0%} of the larger frame, {inside:.0%} inside it")
    if found.spread < _FEW_SPREAD:
        reasons.append("matched points bunched in one part of the picture")
    summary = f"{found.inliers} of {found.matches} matched points agree"
    if reasons:
        return LocalVerdict(False, 0.0, "local features: " + "; ".join(reasons), area, angle)
    strong = (
        found.inliers >= _MIN_INLIERS
        and found.inliers >= _MIN_INLIER_SHARE * found.matches
        and found.spread >= _MIN_SPREAD
    )
    accept, accept_fine = (
        (_ACCEPT_ALIGNED, _ACCEPT_ALIGNED_FINE) if strong else (_ACCEPT_FEW, _ACCEPT_FEW_FINE)
    )
    region = _aligned_region(outer, inner.aspect, matrix)
    robust, plain = _robust_ncc(_normalise(inner.grid), _normalise(region))
    fine = _fine_ncc(inner.grid, region)
    same = robust >= accept and fine >= accept_fine
    other = "A" if label == "B" else "B"
    what = [f"{label} is a crop of about {_round5(area * 100)} % of the original ({other})"]
    if abs(angle) >= 0.75:
        what.append(f"turned about {abs(angle):.0f}°")
    detail = (
        f"local features: {', '.join(what)}; crop: {label} is {area * 100:.0f}% of {other}'s"
        f" area; {summary}; aligned NCC {plain:.3f} (robust {robust:.3f}, fine detail"
        f" {fine:.2f})"
    )
    return LocalVerdict(same, round(robust, 4), detail, area, angle)


def _round5(percent: float) -> int:
    return max(5, 5 * round(percent / 5))


def _invert(matrix: FloatArray) -> FloatArray:
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    return np.asarray(np.linalg.inv(full)[:2])


def _aligned_region(
    outer: similarity._Print, inner_aspect: float, matrix: FloatArray
) -> FloatArray:
    """The outer thumbnail sampled where the inner frame's comparison grid lands."""
    side = similarity._COMPARE
    steps = (np.arange(side) + 0.5) / side
    xs, ys = np.meshgrid(steps * inner_aspect, steps)
    x = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]
    y = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]
    return sample_thumb(outer, x, y)
