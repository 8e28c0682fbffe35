"""Cutting composites into their pictures, and never cutting a plain photo."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from assets import composites, similarity, verification
from assets.imaging import decode, open_image
from tests.conftest import CORPORA, needs_corpora
from tests.duplicates.test_shared_layouts import scene


def jpeg(image: Image.Image, quality: int = 88) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def grid(photos: list[Image.Image], columns: int, gutter: int) -> Image.Image:
    """Photos in rows of ``columns``, all 480×360, with white gutters (or none)."""
    rows = -(-len(photos) // columns)
    out = Image.new(
        "RGB", (columns * 480 + (columns - 1) * gutter, rows * 360 + (rows - 1) * gutter), "white"
    )
    for index, photo in enumerate(photos):
        row, column = divmod(index, columns)
        out.paste(photo, (column * (480 + gutter), row * (360 + gutter)))
    return jpeg(out)


def page(photos: list[Image.Image]) -> Image.Image:
    """A news page with a site bar, a headline, the photos one under another and text."""
    height = 160 + 400 * len(photos) + 120
    canvas = Image.new("RGB", (1280, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, 1280, 64), fill=(180, 20, 30))
    draw.text((40, 14), "THE DAILY NEWS", fill="white", font=ImageFont.load_default(size=34))
    draw.text(
        (40, 84),
        "Council approves the bridge",
        fill=(30, 30, 30),
        font=ImageFont.load_default(size=40),
    )
    font = ImageFont.load_default(size=18)
    for index, photo in enumerate(photos):
        top = 160 + 400 * index
        canvas.paste(photo, (40, top))
        for y in range(top, top + 360, 27):
            draw.text(
                (560, y),
                "the works which officials estimate at several million",
                fill=(30, 30, 30),
                font=font,
            )
    return jpeg(canvas, 85)


@pytest.mark.parametrize(("count", "columns"), [(2, 2), (3, 3), (4, 2)])
@pytest.mark.parametrize("gutter", [10, 0])
def test_a_collage_is_cut_into_its_photos(count: int, columns: int, gutter: int) -> None:
    photos = [scene(20 + i) for i in range(count)]
    collage = grid(photos, columns, gutter)
    regions = composites.region_signals(collage)
    assert len(regions) == count
    for region, photo in zip(regions, photos, strict=True):
        # Each region verifies as its photo, and as no other.
        own = similarity.fingerprint(photo)
        assert verification.verify(region.fingerprint, own).same
        others = [p for p in photos if p is not photo]
        assert not any(
            verification.verify(region.fingerprint, similarity.fingerprint(o)).same for o in others
        )
        assert region.share == pytest.approx(1 / count, abs=0.05)


def test_a_page_with_two_photos_is_cut_and_one_with_one_is_not() -> None:
    photos = [scene(30), scene(31)]
    two = composites.find_regions(page(photos))
    assert len(two) == 2
    assert two[0][1] < two[1][1]  # top to bottom
    assert composites.find_regions(page(photos[:1])) == []


@pytest.mark.parametrize("seed", range(8))
def test_a_plain_photo_is_not_cut(seed: int) -> None:
    photo = scene(40 + seed)
    assert composites.find_regions(photo) == []
    # Nor with a border and a caption bar under it.
    framed = Image.new("RGB", (photo.width + 40, photo.height + 100), "white")
    framed.paste(photo, (20, 20))
    ImageDraw.Draw(framed).text((20, photo.height + 40), "Photo: Agency", fill="black")
    assert composites.find_regions(jpeg(framed)) == []


def smooth_noise(rng: np.random.Generator, height: int, width: int, blur: float) -> np.ndarray:
    """Noise blurred over ``blur`` pixels, scaled to unit spread."""
    noise = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))
    out = np.asarray(noise.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float64)
    out -= out.mean()
    return out / (out.std() + 1e-6)


def toned(seed: int, contrast: float) -> Image.Image:
    """A photo of mid-grey tone, ``contrast`` grey levels of spread, in its own colour cast.

    Two of them side by side differ across the seam by less than a clear step at most
    positions: the case of two skies or two lawns put edge to edge.
    """
    rng = np.random.default_rng(seed)
    height, width = 360, 480
    yy, xx = np.mgrid[0:height, 0:width] / width
    grey = np.zeros((height, width))
    for _ in range(6):
        cy, cx, radius = rng.uniform(0, 0.75), rng.uniform(0, 1), rng.uniform(0.05, 0.25)
        grey += rng.uniform(-1, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
    grey = grey / (grey.std() + 1e-6) + 0.8 * smooth_noise(rng, height, width, 6)
    grey += 0.15 * smooth_noise(rng, height, width, 1.5)
    grey = 120 + contrast * grey / grey.std()
    cast = rng.uniform(-35, 35, 3)
    cast -= cast @ np.array([0.299, 0.587, 0.114])  # the same grey level, another colour
    return Image.fromarray(np.clip(grey[..., None] + cast, 0, 255).astype(np.uint8))


@pytest.mark.parametrize(("count", "contrast"), [(2, 14), (3, 16)])
def test_a_gutterless_collage_of_like_tones_is_cut(count: int, contrast: float) -> None:
    # Seams between pictures of one grey level: no clear step at most positions,
    # which the sharp-seam rule alone refuses.
    photos = [toned(100 + i, contrast) for i in range(count)]
    regions = composites.region_signals(grid(photos, count, 0))
    assert len(regions) == count
    for region, photo in zip(regions, photos, strict=True):
        assert region.share == pytest.approx(1 / count, abs=0.03)
        assert verification.verify(region.fingerprint, similarity.fingerprint(photo)).same


def horizon(seed: int) -> Image.Image:
    """A sea view: a straight, sharp horizon across the frame, a boat and its mast on it."""
    rng = np.random.default_rng(seed)
    height, width = 600, 900
    line = int(height * rng.uniform(0.4, 0.6))
    y = np.arange(height)[:, None]
    sky = 200 - 60 * y / line + 14 * smooth_noise(rng, height, width, 14)
    sea = 90 + 8 * (y - line) / (height - line) + 12 * smooth_noise(rng, height, width, 2)
    sea += 10 * smooth_noise(rng, height, width, 8)
    grey = np.where(y < line, sky, sea)
    image = Image.fromarray(
        np.clip(np.stack([grey * 0.85, grey * 0.95, grey * 1.1], -1), 0, 255).astype(np.uint8)
    )
    draw = ImageDraw.Draw(image)
    x = int(width * rng.uniform(0.3, 0.7))
    draw.rectangle((x - 40, line - 10, x + 60, line + 25), fill=(50, 40, 35))
    draw.line((x, line - 200, x, line), fill=(40, 35, 30), width=4)
    return jpeg(image)


def door_frame(seed: int) -> Image.Image:
    """A wall with a door frame from top to bottom, the wall beyond it in shadow."""
    rng = np.random.default_rng(seed)
    height, width = 640, 480
    x = int(width * rng.uniform(0.35, 0.65))
    grey = (
        170 + 10 * smooth_noise(rng, height, width, 3) + 12 * smooth_noise(rng, height, width, 20)
    )
    columns = np.arange(width)[None, :]
    grey = np.where(columns < x, grey, grey - 45)
    frame = (columns >= x) & (columns < x + 16)
    grey = np.where(frame, 95 + 6 * smooth_noise(rng, height, width, 1.5), grey)
    rgb = np.stack([grey * 1.05, grey, grey * 0.9], -1)
    return jpeg(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)))


@pytest.mark.parametrize("seed", range(2))
def test_a_horizon_with_a_mast_across_it_is_not_cut(seed: int) -> None:
    # A straight step across the whole frame between two textures, as at a seam; the
    # mast carries on across it.
    assert composites.find_regions(horizon(seed)) == []


@pytest.mark.parametrize("seed", range(3))
def test_a_door_frame_is_not_cut(seed: int) -> None:
    # Its near edge is a full-height step with a different wall beyond; its far edge,
    # a few pixels on, makes it a band and not a seam.
    assert composites.find_regions(door_frame(seed)) == []


def test_flat_and_tiny_images_are_not_cut() -> None:
    assert composites.find_regions(Image.new("RGB", (900, 600), "white")) == []
    noise = np.random.default_rng(1).integers(0, 255, (60, 90, 3), dtype=np.uint8)
    assert composites.find_regions(Image.fromarray(noise)) == []


#: Not a photo: a web banner of three award logos on white, which is a composite.
_LOGO_BANNER = "exif-samples/jpg/invalid/image01088.jpg"


@needs_corpora
def test_no_corpus_photo_is_called_a_composite() -> None:
    found = []
    for path in sorted((CORPORA / "exif-samples" / "jpg").rglob("*.jpg")):
        if path.relative_to(CORPORA).as_posix() == _LOGO_BANNER:
            continue
        try:
            image = decode(open_image(path.read_bytes()), long_side=1280)
        except Exception:
            continue
        if composites.find_regions(image):
            found.append(path.name)
    assert found == []
