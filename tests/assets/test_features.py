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


@pytest.mark.parametrize(("name", "angle"), [("astronaut", -6.0), ("chelsea", 4.0)])
def test_a_small_turn_is_found_by_the_fingerprints_alone(name: str, angle: float) -> None:
    """The turn search (bilinear samples of the stored thumbnail) lines a turned and
    trimmed copy up with no local features at all, either way round, and says how."""
    _, print_a, _ = stored(original(name))
    _, print_b, _ = stored(turn(original(name), angle))
    for first, second in ((print_a, print_b), (print_b, print_a)):
        result = verification.verify(first, second)
        assert result.same and result.method == "turn", result.detail
        assert f"turned about {abs(angle):g}°" in result.detail
        assert result.score >= 0.99


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
        struct.pack("<4sfH", b"RIFF", 1.5, 0),  # another format's magic
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


def test_a_half_crop_with_its_points_bunched_on_the_subject_is_found() -> None:
    """A rocket on a plain sky: the crop's points all sit on the rocket, too bunched to
    vouch for the rest of the frame; the transform they give still places the crop, and
    the thumbnails, agreeing closely there, decide."""
    image = photo("rocket")
    small = image.resize((140, round(image.height * 140 / image.width)), Image.Resampling.LANCZOS)
    half = crop_to(small, 0.71, 1.0, 0.0)
    _, print_a, local_a = stored(small)
    _, print_b, local_b = stored(half)
    found = features.match_features(
        features.parse_features(local_a), features.parse_features(local_b)
    )
    assert found is not None and found.spread < features._MIN_SPREAD
    assert not verification.verify(print_a, print_b).same
    result = verification.verify(print_a, print_b, local_a, local_b)
    assert result.same, result.detail
    assert result.method == "features"
    assert "B is a crop of about 50 % of the original (A)" in result.detail


def shot(seed: int, texture: int) -> Image.Image:
    """One scene (its shapes and coarse light fixed by ``seed``) shot once: the finer
    texture, leaves, grain, small things moved, is 55 % shared with every other shot of
    the scene and 45 % this shot's own (``texture``), as between two frames of one desk."""
    scene_rng = np.random.default_rng(seed)
    own_rng = np.random.default_rng(texture)
    height, width = 720, 960
    yy, xx = np.mgrid[0:height, 0:width] / width
    pixels = np.zeros((height, width, 3))
    for _ in range(8):
        cy, cx, radius = (
            scene_rng.uniform(0, 0.8),
            scene_rng.uniform(0, 1),
            scene_rng.uniform(0.05, 0.3),
        )
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
        pixels += blob[..., None] * scene_rng.uniform(-120, 160, 3)
    for cells in (12, 30, 60):
        shared = scene_rng.uniform(-1, 1, (cells * 3 // 4, cells))
        own = own_rng.uniform(-1, 1, (cells * 3 // 4, cells))
        noise = shared if cells == 12 else np.sqrt(0.55) * shared + np.sqrt(0.45) * own
        grey = np.clip((noise + 1) * 127.5, 0, 255).astype(np.uint8)
        texture_image = Image.fromarray(grey).resize((width, height), Image.Resampling.BICUBIC)
        pixels += (np.asarray(texture_image, dtype=np.float64)[..., None] - 127.5) * 0.4
    return Image.fromarray(np.clip(pixels + 110, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("seed", [1, 3])
def test_two_frames_of_one_scene_are_not_one_photo_by_a_weak_crop(seed: int) -> None:
    """A crop of another frame of the scene lines up with this frame by its shapes, and
    its fine detail half agrees: the crop search alone would call it a copy. With local
    features stored, such a weak searched alignment must be confirmed, and nothing does."""
    first = shot(seed, 100)
    other = shot(seed, 200)
    box = (96, 108, 96 + 768, 108 + 576)
    _, print_a, local_a = stored(first)
    _, print_b, local_b = stored(reencode(other.crop(box), quality=90))
    alone = verification.verify(print_a, print_b)
    assert alone.same and alone.method == "crop"  # photos stored without local features
    result = verification.verify(print_a, print_b, local_a, local_b)
    assert not result.same, result.detail
    assert "neither a turn nor the local features confirm it" in result.detail
    # The same crop of this very frame is a copy, with or without local features.
    _, print_c, local_c = stored(reencode(first.crop(box), quality=90))
    assert verification.verify(print_a, print_c, local_a, local_c).same
    assert verification.verify(print_a, print_c).same
