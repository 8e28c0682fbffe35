"""Local features: heavy crops and small turns found and explained, never two photos matched."""

from __future__ import annotations

import itertools
import struct
from functools import cache

import numpy as np
import pytest
from PIL import Image

from assets import features, similarity, verification
from assets.analysis import signal_image
from tests.assets.test_similarity import photo, reencode
from tests.duplicates.test_shared_layouts import frame, meme, page, scene


def crop_to(image: Image.Image, side: float, x: float, y: float) -> Image.Image:
    """``side`` of each side kept (0.71 keeps half the area), its corner at (x, y) of the rest."""
    width, height = image.size
    w, h = round(width * side), round(height * side)
    left, top = round((width - w) * x), round((height - h) * y)
    return reencode(image.crop((left, top, left + w, top + h)), quality=90)


def turn(image: Image.Image, angle: float) -> Image.Image:
    """Turned by ``angle`` degrees and trimmed to the largest upright frame of its shape."""
    width, height = image.size
    turned = image.convert("RGB").rotate(angle, Image.Resampling.BICUBIC)
    theta = np.radians(abs(angle))
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    scale = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    w, h = round(width * scale) - 2, round(height * scale) - 2
    left, top = (width - w) // 2, (height - h) // 2
    return reencode(turned.crop((left, top, left + w, top + h)), quality=90)


def stored(image: Image.Image) -> tuple[dict[str, int], bytes, bytes]:
    """Signals, fingerprint and local features, computed as ingest computes them."""
    small = signal_image(image)
    return (
        similarity.compute_signals(small),
        similarity.fingerprint(small),
        features.local_features(small),
    )


def is_candidate(a: dict[str, int], b: dict[str, int]) -> bool:
    """Whether any candidate rule brings the pair together, in either arrival order."""
    return any(
        similarity.hamming(x[query], y[kept]) <= radius
        for query, kept, radius in similarity.CANDIDATE_RULES
        for x, y in ((a, b), (b, a))
    )


@cache
def original(name: str) -> Image.Image:
    """A shipped test photo at a camera-like size, so crops are still photos."""
    image = photo(name)
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS)


@pytest.mark.parametrize(
    ("name", "x", "y"),
    [("astronaut", 0.0, 0.0), ("coffee", 1.0, 0.5), ("chelsea", 0.4, 1.0)],
)
def test_a_crop_to_half_the_picture_is_found_and_explained(name: str, x: float, y: float) -> None:
    whole = original(name)
    half = crop_to(whole, 0.71, x, y)
    signals_a, print_a, local_a = stored(whole)
    signals_b, print_b, local_b = stored(half)
    assert is_candidate(signals_a, signals_b)
    # Either way round, with the local features the pair is one photo.
    for first, second in (
        ((print_a, local_a), (print_b, local_b)),
        ((print_b, local_b), (print_a, local_a)),
    ):
        result = verification.verify(first[0], second[0], first[1], second[1])
        assert result.same, result.detail
    local = features.check_features(
        similarity._parse(print_a), similarity._parse(print_b), local_a, local_b
    )
    assert local is not None and local.same, local
    assert "B is a crop of about 50 % of the original (A)" in local.detail
    assert abs(local.area - 0.5) < 0.06
    assert "turned" not in local.detail


@pytest.mark.parametrize("angle", [7.0, -7.0])
def test_a_seven_degree_turn_is_found_and_explained(angle: float) -> None:
    whole = original("astronaut")
    turned = turn(whole, angle)
    signals_a, print_a, local_a = stored(whole)
    signals_b, print_b, local_b = stored(turned)
    assert is_candidate(signals_a, signals_b)
    result = verification.verify(print_a, print_b, local_a, local_b)
    assert result.same, result.detail
    local = features.check_features(
        similarity._parse(print_a), similarity._parse(print_b), local_a, local_b
    )
    assert local is not None and local.same, local
    assert "turned about 7°" in local.detail
    assert abs(abs(local.angle) - 7.0) < 1.0
    assert "B is a crop of about" in local.detail


@pytest.mark.parametrize("layout", ["page", "meme", "frame"])
def test_different_photos_in_one_template_overlay_or_border_never_match(layout: str) -> None:
    """Twelve different photos in one layout: no pair matched, by features or at all."""
    dress = {"page": lambda im, i: page(im, i), "meme": lambda im, _: meme(im)}
    dress["frame"] = lambda im, _: frame(im)
    copies = [dress[layout](scene(index), index) for index in range(12)]
    kept = [stored(reencode(copy, quality=85)) for copy in copies]
    for (_, print_a, local_a), (_, print_b, local_b) in itertools.combinations(kept, 2):
        parsed_a, parsed_b = similarity._parse(print_a), similarity._parse(print_b)
        local = features.check_features(parsed_a, parsed_b, local_a, local_b)
        assert local is None or not local.same, local.detail
        assert not verification.verify(print_a, print_b, local_a, local_b).same


def test_different_photos_of_one_kind_never_match_by_features() -> None:
    """Real photos (cats, portraits, objects): no pair, cropped or not, matched."""
    names = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle-left", "immunohistochemistry"]
    kept = [stored(original(name)) for name in names]
    kept += [stored(crop_to(original(name), 0.71, 0.5, 0.5)) for name in names]
    for i, j in itertools.combinations(range(len(kept)), 2):
        if i % len(names) == j % len(names):
            continue  # a photo and its own crop
        local = features.check_features(
            similarity._parse(kept[i][1]), similarity._parse(kept[j][1]), kept[i][2], kept[j][2]
        )
        assert local is None or not local.same, local.detail


def test_local_features_fit_in_four_kilobytes() -> None:
    """Even a picture full of corners keeps at most 4 KiB, spread over the frame."""
    rng = np.random.default_rng(5)
    busy = Image.fromarray(rng.integers(0, 255, (1200, 1600, 3), dtype=np.uint8))
    assert features.MAX_POINTS * features._POINT.itemsize + features._HEADER.size <= 4096
    for image in (busy, original("astronaut"), photo("coffee")):
        data = features.local_features(signal_image(image))
        assert len(data) <= features.MAX_BYTES == 4096
        parsed = features.parse_features(data)
        assert len(parsed.points) > 20
    data = features.local_features(signal_image(busy))
    parsed = features.parse_features(data)
    assert len(parsed.points) == features.MAX_POINTS
    # Spread: every quarter of the frame keeps some of the points.
    xs = parsed.points[:, 0] / parsed.aspect
    ys = parsed.points[:, 1]
    for left, top in itertools.product((0.0, 0.5), repeat=2):
        inside = (xs >= left) & (xs < left + 0.5) & (ys >= top) & (ys < top + 0.5)
        assert inside.sum() >= features.MAX_POINTS // 8


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PDF1",
        b"not features at all, just some bytes of the wrong kind",
        struct.pack("<4sfH", b"PDF1", 1.5, 3) + b"\x00" * 10,  # says 3 points, holds less
        struct.pack("<4sfH", b"PDF1", float("nan"), 0),
        struct.pack("<4sfH", b"XXXX", 1.5, 0),
        b"\x00" * 5000,
    ],
)
def test_bad_feature_data_is_refused_and_verification_goes_on(data: bytes) -> None:
    with pytest.raises(features.FeatureDataError):
        features.parse_features(data)
    whole = original("astronaut")
    _, print_a, local_a = stored(whole)
    _, print_b, _ = stored(crop_to(whole, 0.71, 0.0, 0.0))
    parsed_a, parsed_b = similarity._parse(print_a), similarity._parse(print_b)
    assert features.check_features(parsed_a, parsed_b, local_a, data) is None
    plain = verification.verify(print_a, print_b)
    assert verification.verify(print_a, print_b, local_a, data) == plain


def test_flat_and_tiny_pictures_have_empty_features() -> None:
    for image in (Image.new("RGB", (640, 480), "grey"), Image.new("RGB", (10, 8), "white")):
        data = features.local_features(image)
        parsed = features.parse_features(data)
        assert len(parsed.points) == 0
        assert features.match_features(parsed, parsed) is None
