"""Cutting composites into their pictures, and never cutting a plain photo."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

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
