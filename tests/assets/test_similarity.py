"""Near-duplicate signals, fingerprints and verification on generated derivatives."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps
from skimage import data

from assets import similarity, verification
from assets.hashes import hash_to_int64

Transform = Callable[[Image.Image], Image.Image]


# --------------------------------------------------------------------------- fixtures


@cache
def photo(name: str) -> Image.Image:
    """A real photo from scikit-image's bundled samples, as RGB."""
    if name == "motorcycle-left":
        return Image.fromarray(data.stereo_motorcycle()[0])
    if name == "motorcycle-right":
        return Image.fromarray(data.stereo_motorcycle()[1])
    return Image.fromarray(getattr(data, name)()).convert("RGB")


@cache
def signals(name: str) -> dict[str, int]:
    return similarity.compute_signals(photo(name))


@cache
def print_of(name: str) -> bytes:
    return similarity.fingerprint(photo(name))


def reencode(image: Image.Image, fmt: str = "JPEG", **options: object) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return decoded


def caption_bar(colour: str, fraction: float) -> Transform:
    def apply(image: Image.Image) -> Image.Image:
        width, height = image.size
        strip = round(height * fraction)
        out = Image.new("RGB", (width, height + strip), colour)
        out.paste(image, (0, 0))
        ink = "black" if colour == "white" else "white"
        text_font = ImageFont.load_default(size=max(8, strip // 3))
        ImageDraw.Draw(out).text(
            (8, height + strip // 4),
            "Protest in the square. PHOTO: Agency",
            fill=ink,
            font=text_font,
        )
        return reencode(out, quality=88)

    return apply


def watermark(image: Image.Image) -> Image.Image:
    """An agency label in the bottom-right corner, about 4 % of the area."""
    out = image.copy()
    width, height = out.size
    box = (int(width * 0.72), int(height * 0.9), width - 6, height - 6)
    draw = ImageDraw.Draw(out)
    draw.rectangle(box, fill="white")
    text_font = ImageFont.load_default(size=max(8, (box[3] - box[1]) // 2))
    draw.text((box[0] + 4, box[1] + 2), "© AGENCY", fill="black", font=text_font)
    return reencode(out, quality=90)


def crop(left: float, top: float, right: float, bottom: float) -> Transform:
    def apply(image: Image.Image) -> Image.Image:
        width, height = image.size
        box = (
            round(left * width),
            round(top * height),
            round(right * width),
            round(bottom * height),
        )
        return reencode(image.crop(box), quality=90)

    return apply


def band_16_9(image: Image.Image) -> Image.Image:
    """A 16:9 header band from a 3:2 frame, a little below the top."""
    width, height = image.size
    band = round(width * 9 / 16)
    top = min(height - band, round(height * 0.1))
    return reencode(image.crop((0, top, width, top + band)), quality=90)


def as_three_two(image: Image.Image) -> Image.Image:
    width, height = image.size
    return image.crop((0, 0, width, round(width * 2 / 3))) if height > width * 2 / 3 else image


#: name → (transform, expected method, phrase expected in the explanation,
#: (query signal, stored signal) expected to make it a candidate, or None where
#: which window catches it depends on the picture).
TRANSFORMS: dict[str, tuple[Transform, str, str, tuple[str, str] | None]] = {
    "resize": (
        lambda im: reencode(im.resize((im.width // 3, im.height // 3), Image.Resampling.LANCZOS)),
        "full",
        "full frame",
        ("phash", "phash"),
    ),
    "jpeg-q30": (lambda im: reencode(im, quality=30), "full", "full frame", ("phash", "phash")),
    "png": (lambda im: reencode(im, "PNG"), "full", "full frame", ("phash", "phash")),
    "webp": (lambda im: reencode(im, "WEBP", quality=70), "full", "full frame", ("phash", "phash")),
    "brighter": (
        lambda im: ImageEnhance.Brightness(im).enhance(1.3),
        "full",
        "brightness",
        ("phash", "phash"),
    ),
    "less-contrast": (
        lambda im: ImageEnhance.Contrast(im).enhance(0.7),
        "full",
        "contrast ×0.7",
        ("phash", "phash"),
    ),
    "greyscale": (lambda im: im.convert("L"), "full", "B is greyscale", ("phash", "phash")),
    "watermark": (watermark, "full", "full frame", ("dhash", "dhash")),
    "mirror": (ImageOps.mirror, "mirror", "flipped left to right", ("phash_mirror", "phash")),
    "rotate90": (
        lambda im: im.transpose(Image.Transpose.ROTATE_90),
        "rotate90",
        "turned by 90°",
        ("phash_rot270", "phash"),
    ),
    "rotate180": (
        lambda im: im.transpose(Image.Transpose.ROTATE_180),
        "rotate180",
        "turned by 180°",
        ("phash_rot180", "phash"),
    ),
    "rotate270": (
        lambda im: im.transpose(Image.Transpose.ROTATE_270),
        "rotate270",
        "turned by 270°",
        ("phash_rot90", "phash"),
    ),
    "upside-down": (
        lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        "flip",
        "flipped upside down",
        ("phash_flip", "phash"),
    ),
    "transpose": (
        lambda im: im.transpose(Image.Transpose.TRANSPOSE),
        "transpose",
        "main diagonal",
        ("phash_transpose", "phash"),
    ),
    "forced-square": (
        lambda im: reencode(im.resize((256, 256), Image.Resampling.LANCZOS)),
        "stretch",
        "→ 1.00",
        ("phash", "phash"),
    ),
    "crop-side": (crop(0.22, 0, 1, 1), "crop", "crop: B is 7", ("lowfreq", "lowfreq_l22")),
    "crop-offcentre": (
        crop(0.1, 0.02, 0.97, 0.9),
        "crop",
        "crop: B is 7",
        None,
    ),
    "caption-white": (
        caption_bar("white", 0.14),
        "full",
        "B trimmed of border/caption bar bottom 12%",
        ("lowfreq", "lowfreq"),
    ),
    "caption-black": (
        caption_bar("black", 0.2),
        "full",
        "B trimmed of border/caption bar bottom 17%",
        ("lowfreq", "lowfreq"),
    ),
    "border": (
        lambda im: reencode(ImageOps.expand(im, 16, fill="white")),
        "full",
        "B trimmed of border/caption bar left",
        ("lowfreq", "lowfreq"),
    ),
}

PHOTOS = ("coffee", "chelsea")


def low_detail_frames() -> dict[str, Image.Image]:
    """Frames with nothing to compare: flat, black, noisy night, test cards, tiny."""
    rng = np.random.default_rng(3)
    frames = {
        "black": Image.new("RGB", (640, 360)),
        "black-small": Image.new("RGB", (320, 180)),
        "grey": Image.new("RGB", (640, 480), (128, 128, 128)),
        "grey-light": Image.new("RGB", (640, 480), (170, 170, 170)),
        "tiny": Image.new("RGB", (16, 12), (90, 20, 40)),
    }
    rows, cols = np.mgrid[0:480, 0:720]
    for index in range(2):
        # Sensor noise on black with a few street lights.
        night = rng.normal(12 + 4 * index, 5, (480, 720))
        for _ in range(3):
            y, x = rng.integers(0, 480), rng.integers(0, 720)
            night += 60 * np.exp(-((rows - y) ** 2 + (cols - x) ** 2) / (2 * 12.0**2))
        frames[f"night-{index}"] = Image.fromarray(np.clip(night, 0, 255).astype(np.uint8)).convert(
            "RGB"
        )
    for index, colours in enumerate(
        (
            ["white", "yellow", "cyan", "lime", "magenta", "red", "blue"],
            ["blue", "red", "magenta", "lime", "cyan", "yellow", "white"],
        )
    ):
        bars = Image.new("RGB", (700, 400))
        draw = ImageDraw.Draw(bars)
        for slot, colour in enumerate(colours):
            draw.rectangle((slot * 100, 0, slot * 100 + 99, 300 + 20 * index), fill=colour)
        frames[f"bars-{index}"] = bars
    return frames


# --------------------------------------------------------------------------- signals


def test_phash_and_dhash_are_imagehash_values() -> None:
    image = photo("astronaut")
    computed = similarity.compute_signals(image)
    assert computed["phash"] == hash_to_int64(imagehash.phash(image))
    assert computed["dhash"] == hash_to_int64(imagehash.dhash(image))


def _one_window_hash(work: Image.Image, window: tuple[float, float, float, float]) -> int:
    """The low-frequency hash rule, spelled out for one window at a time."""
    pixels = np.asarray(work.resize((16, 16), Image.Resampling.BOX, box=window), dtype=float)
    k = np.arange(16)
    dct = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 32)
    coeffs = dct @ pixels @ dct.T
    cells = sorted(
        ((v, u) for v in range(5) for u in range(5) if (v, u) != (0, 0)),
        key=lambda c: (c[0] + c[1], c[0]),
    )
    terms = np.array([coeffs[v, u] for v, u in cells])
    terms /= np.sqrt(np.mean(terms**2)) + 1e-9
    bits = [*(terms > -0.6), *(terms > 0.0), *(terms[:16] > 0.6)]
    value = int("".join("1" if b else "0" for b in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


@pytest.mark.parametrize("name", ["coffee", "astronaut", "chelsea"])
def test_window_hashes_follow_the_rule_window_by_window(name: str) -> None:
    # The windows are reduced and hashed together; each must still be its own hash.
    image = photo(name)
    work = similarity._work_image(similarity._grey(image))
    left, top, right, bottom = similarity._content_box(np.asarray(work))
    width, height = right - left, bottom - top
    computed = similarity.compute_signals(image)
    windows = {"lowfreq": (0.0, 0.0, 0.0, 0.0), **similarity.LOWFREQ_WINDOWS}
    for signal, (cut_l, cut_t, cut_r, cut_b) in windows.items():
        box = (
            left + cut_l * width,
            top + cut_t * height,
            right - cut_r * width,
            bottom - cut_b * height,
        )
        assert computed[signal] == _one_window_hash(work, box), signal
    for signal, angle in similarity.LOWFREQ_TURNS.items():
        turned, window = similarity._turned_frame(work, (left, top, right, bottom), angle)
        assert computed[signal] == _one_window_hash(turned, window), signal


def test_describe_gives_the_signals_and_the_fingerprint() -> None:
    image = photo("coffee")
    assert similarity.describe(image) == (
        similarity.compute_signals(image),
        similarity.fingerprint(image),
    )


def test_signals_are_signed_int64_and_cover_every_rule() -> None:
    computed = signals("coffee")
    for value in computed.values():
        assert -(1 << 63) <= value < (1 << 63)
    for query, stored, radius in similarity.CANDIDATE_RULES:
        assert query in computed and stored in computed
        assert 0 < radius <= 8


@pytest.mark.parametrize(
    ("signal", "transpose"),
    [
        ("phash_mirror", Image.Transpose.FLIP_LEFT_RIGHT),
        ("phash_rot90", Image.Transpose.ROTATE_90),
        ("phash_rot180", Image.Transpose.ROTATE_180),
        ("phash_rot270", Image.Transpose.ROTATE_270),
        ("phash_flip", Image.Transpose.FLIP_TOP_BOTTOM),
        ("phash_transpose", Image.Transpose.TRANSPOSE),
        ("phash_transverse", Image.Transpose.TRANSVERSE),
    ],
)
def test_turned_variants_predict_the_turned_images_phash(
    signal: str, transpose: Image.Transpose
) -> None:
    image = photo("rocket")
    turned = similarity.compute_signals(image.transpose(transpose))
    assert similarity.hamming(signals("rocket")[signal], turned["phash"]) <= 2


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("source", PHOTOS)
def test_candidate_rules_reach_each_transformation(source: str, name: str) -> None:
    transform, _, _, expected = TRANSFORMS[name]
    derived = similarity.compute_signals(transform(as_three_two(photo(source))))
    original = similarity.compute_signals(as_three_two(photo(source)))
    if expected is None:
        assert any(
            similarity.hamming(derived[q], original[s]) <= r
            for q, s, r in similarity.CANDIDATE_RULES
        )
    else:
        # The expected rule fires with the derivative as the query...
        query, stored = expected
        radius = {(q, s): r for q, s, r in similarity.CANDIDATE_RULES}[(query, stored)]
        assert similarity.hamming(derived[query], original[stored]) <= radius
    # ...and some rule fires when the original arrives after the derivative.
    assert any(
        similarity.hamming(original[q], derived[s]) <= r for q, s, r in similarity.CANDIDATE_RULES
    )


def test_a_16_9_band_of_a_3_2_photo_is_a_candidate_and_verified() -> None:
    for source in PHOTOS:
        original = as_three_two(photo(source))
        band = band_16_9(original)
        a, b = similarity.compute_signals(original), similarity.compute_signals(band)
        assert any(similarity.hamming(b[q], a[s]) <= r for q, s, r in similarity.CANDIDATE_RULES), (
            source
        )
        result = verification.verify(similarity.fingerprint(original), similarity.fingerprint(band))
        assert result.same, result
        assert result.method == "crop"
        assert "crop: B is 8" in result.detail  # 27/32 of the area


def test_unrelated_photos_are_rarely_candidates() -> None:
    names = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "camera")
    hits = 0
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            a, b = signals(first), signals(second)
            hits += any(
                similarity.hamming(a[q], b[s]) <= r for q, s, r in similarity.CANDIDATE_RULES
            )
    assert hits <= 1


# --------------------------------------------------------------------------- verification


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize("source", PHOTOS)
def test_each_transformation_is_verified_as_the_same_photo(source: str, name: str) -> None:
    transform, method, phrase, _ = TRANSFORMS[name]
    original = as_three_two(photo(source))
    result = verification.verify(
        similarity.fingerprint(original), similarity.fingerprint(transform(original))
    )
    assert result.same, result
    assert result.method == method, result
    assert phrase in result.detail, result
    assert result.detail.endswith("same photo")


def test_a_corner_watermark_does_not_sink_a_dark_photo() -> None:
    # On a dark frame a white label is most of the contrast: the plain correlation
    # collapses, the score that ignores the worst 5 % of pixels does not.
    original = as_three_two(photo("rocket"))
    result = verification.verify(similarity.fingerprint(original), print_of_watermarked())
    assert result.same, result
    plain = float(result.detail.split("NCC ")[1].split(" ")[0])
    assert plain < 0.8 < result.score


@cache
def print_of_watermarked() -> bytes:
    return similarity.fingerprint(watermark(as_three_two(photo("rocket"))))


def test_verification_is_symmetric_in_its_verdict() -> None:
    original = as_three_two(photo("coffee"))
    cropped = crop(0.1, 0.02, 0.97, 0.9)(original)
    forward = verification.verify(similarity.fingerprint(original), similarity.fingerprint(cropped))
    backward = verification.verify(
        similarity.fingerprint(cropped), similarity.fingerprint(original)
    )
    assert forward.same and backward.same
    assert "crop: B is" in forward.detail
    assert "crop: A is" in backward.detail


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("astronaut", "coffee"),
        ("coffee", "chelsea"),
        ("chelsea", "rocket"),
        ("rocket", "astronaut"),
        ("immunohistochemistry", "coffee"),
        ("camera", "astronaut"),
    ],
)
def test_different_photos_are_rejected(first: str, second: str) -> None:
    result = verification.verify(print_of(first), print_of(second))
    assert not result.same, result
    assert result.score < 0.9


def test_another_frame_of_the_same_scene_is_rejected() -> None:
    # A stereo pair: the same scene shot a moment and a few centimetres apart. pHash
    # puts the two within a few bits; the aligned comparison must still tell them apart.
    left, right = photo("motorcycle-left"), photo("motorcycle-right")
    a, b = similarity.compute_signals(left), similarity.compute_signals(right)
    assert similarity.hamming(a["phash"], b["phash"]) <= 10
    result = verification.verify(similarity.fingerprint(left), similarity.fingerprint(right))
    assert not result.same, result


def test_same_backdrop_with_a_different_subject_is_rejected() -> None:
    original = as_three_two(photo("chelsea"))
    other = original.copy()
    width, height = other.size
    patch = photo("coffee").resize((width // 2, height // 2))
    other.paste(patch, (width // 4, height // 4))  # a quarter of the frame differs
    result = verification.verify(similarity.fingerprint(original), similarity.fingerprint(other))
    assert not result.same, result


def horizon(seed: int) -> Image.Image:
    """Bright sky over dark water with its own grain: one layout, many shots."""
    rng = np.random.default_rng(seed)
    rows = np.arange(400)[:, None]
    layout = 80 + 120 / (1 + np.exp((rows - 170) / 15)) * np.ones((400, 600))
    grain = Image.fromarray(rng.normal(128, 40, (48, 72)).clip(0, 255).astype(np.uint8))
    texture = np.asarray(grain.resize((600, 400), Image.Resampling.BICUBIC), dtype=np.float64)
    pixels = (layout + 0.5 * (texture - 128)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(pixels).convert("RGB")


def test_same_layout_with_different_detail_is_rejected() -> None:
    # Two horizons correlate well as large shapes; only their fine detail differs.
    first, second = horizon(1), horizon(2)
    result = verification.verify(similarity.fingerprint(first), similarity.fingerprint(second))
    assert not result.same, result
    assert result.score >= verification._ACCEPT_FULL  # the shapes alone would have passed
    assert "fine detail" in result.detail
    copy = verification.verify(
        similarity.fingerprint(first), similarity.fingerprint(reencode(first, quality=60))
    )
    assert copy.same, copy


# --------------------------------------------------------------------------- low detail


def test_detail_level_separates_photos_from_featureless_frames() -> None:
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        assert not similarity.is_low_detail(photo(name)), name
        assert 0.0 <= similarity.detail_level(photo(name)) <= 1.0
    for name, frame in low_detail_frames().items():
        assert similarity.is_low_detail(frame), name
        assert similarity.detail_level(frame) < similarity.LOW_DETAIL_THRESHOLD


def test_low_detail_frames_never_match_each_other() -> None:
    frames = low_detail_frames()
    prints = {name: similarity.fingerprint(frame) for name, frame in frames.items()}
    names = sorted(prints)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            result = verification.verify(prints[first], prints[second])
            assert not result.same, (first, second, result)
            assert result.method == "low-detail"
            assert "low-detail pair" in result.detail


def test_flat_frames_are_refused_even_when_equal() -> None:
    black = similarity.fingerprint(Image.new("RGB", (640, 360)))
    result = verification.verify(black, black)
    assert not result.same
    assert "almost flat" in result.detail


def test_low_detail_copy_is_accepted_only_when_nearly_pixel_identical() -> None:
    night = low_detail_frames()["night-0"]
    exact = verification.verify(
        similarity.fingerprint(night), similarity.fingerprint(reencode(night, "PNG"))
    )
    assert exact.same, exact
    assert "nearly pixel-identical" in exact.detail
    shifted = verification.verify(
        similarity.fingerprint(night), similarity.fingerprint(crop(0.1, 0.1, 1, 1)(night))
    )
    assert not shifted.same, shifted


def test_a_low_detail_frame_does_not_match_a_photo() -> None:
    for frame in low_detail_frames().values():
        result = verification.verify(similarity.fingerprint(frame), print_of("coffee"))
        assert not result.same
        assert result.method == "low-detail"


# --------------------------------------------------------------------------- format


def test_fingerprint_is_compact_and_fixed_size() -> None:
    sizes = {len(similarity.fingerprint(photo(name))) for name in ("astronaut", "coffee")}
    sizes.add(len(similarity.fingerprint(Image.new("L", (3, 2)))))
    assert len(sizes) == 1
    assert sizes.pop() <= 8 * 1024


def test_everything_is_deterministic() -> None:
    image = photo("chelsea")
    assert similarity.compute_signals(image) == similarity.compute_signals(image.copy())
    assert similarity.fingerprint(image) == similarity.fingerprint(image.copy())
    cropped = similarity.fingerprint(crop(0.1, 0.05, 0.95, 0.95)(image))
    assert verification.verify(print_of("chelsea"), cropped) == verification.verify(
        print_of("chelsea"), cropped
    )


def test_verify_refuses_bytes_that_are_not_a_fingerprint() -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        verification.verify(b"nope", print_of("coffee"))


def test_alpha_and_palette_images_are_accepted() -> None:
    rgba = photo("coffee").convert("RGBA")
    palette = photo("coffee").convert("P")
    for image in (rgba, palette):
        result = verification.verify(print_of("coffee"), similarity.fingerprint(image))
        assert result.same, result
        phash = similarity.compute_signals(image)["phash"]
        assert similarity.hamming(phash, signals("coffee")["phash"]) <= 4
