"""Copies that came back from the web: in a page, in a frame, turned, vignetted (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from assets import similarity, verification
from tests.assets.test_similarity import photo, reencode

WORDS = [
    "the",
    "council",
    "said",
    "on",
    "tuesday",
    "that",
    "the",
    "plan",
    "would",
    "go",
    "to",
    "a",
    "vote",
    "next",
    "month",
]


def in_page(image: Image.Image, seed: int, dark: bool = False) -> Image.Image:
    """A news page: site bar, headline, the photo at 640 px with text beside and below."""
    rng = np.random.default_rng(seed)
    paper, ink = ((24, 25, 28), (220, 220, 220)) if dark else ((255, 255, 255), (30, 30, 30))
    page = Image.new("RGB", (1280, 1000), paper)
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1280, 64), fill=(180, 20, 30))
    draw.text((40, 14), "THE DAILY NEWS", fill="white", font=ImageFont.load_default(size=34))
    draw.text((40, 84), "Vote next month", fill=ink, font=ImageFont.load_default(size=40))
    shown = image.convert("RGB").resize((640, round(640 * image.height / image.width)))
    page.paste(shown, (40, 154))
    font = ImageFont.load_default(size=18)
    draw.text((40, 154 + shown.height + 8), "Photo: Agency", fill=ink, font=font)
    for y in range(154, 980, 27):
        left = 710 if y < 154 + shown.height + 30 else 40
        if 154 + shown.height <= y < 154 + shown.height + 40:
            continue
        draw.text((left, y), " ".join(rng.choice(WORDS, 9)), fill=ink, font=font)
    return reencode(page, quality=85)


def turned(image: Image.Image, degrees: float) -> Image.Image:
    """Turned (anticlockwise for positive degrees) and trimmed to an upright frame."""
    width, height = image.size
    theta = np.radians(abs(degrees))
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    scale = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    w, h = round(width * scale) - 2, round(height * scale) - 2
    left, top = (width - w) // 2, (height - h) // 2
    out = image.rotate(degrees, Image.Resampling.BICUBIC).crop((left, top, left + w, top + h))
    return reencode(out, quality=90)


def vignette(image: Image.Image, strength: float) -> Image.Image:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    height, width = rgb.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    radius = np.hypot((xx - width / 2) / (width / 2), (yy - height / 2) / (height / 2))
    falloff = 1 - strength * np.clip(radius / np.sqrt(2), 0, 1) ** 2
    return reencode(Image.fromarray(np.clip(rgb * falloff[..., None], 0, 255).astype(np.uint8)))


def content_box(image: Image.Image) -> tuple[int, int, int, int]:
    grey = image.convert("L")
    work = similarity._work_image(grey)
    return similarity._content_box(np.asarray(work), similarity._chroma_of(image, work.size))


@pytest.mark.parametrize("dark", [False, True])
def test_the_picture_inside_a_page_is_what_is_compared(dark: bool) -> None:
    page = in_page(photo("astronaut"), 1, dark)
    left, top, right, bottom = content_box(page)
    # The photo sits at (40, 154)-(680, 794) of 1280×1000, i.e. a fifth of the page.
    scale = 256 / 1280
    for found, expected in zip((left, top, right, bottom), (40, 154, 680, 794), strict=True):
        assert abs(found - expected * scale) <= 2
    outcome = verification.verify(
        similarity.fingerprint(photo("astronaut")), similarity.fingerprint(page)
    )
    assert outcome.same, outcome.detail
    assert "page or frame around the picture" in outcome.detail


def test_two_photos_in_one_page_template_do_not_match() -> None:
    first = similarity.fingerprint(in_page(photo("astronaut"), 1))
    second = similarity.fingerprint(in_page(photo("coffee"), 1))
    assert not verification.verify(first, second).same


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "camera"])
def test_an_ordinary_photo_keeps_its_whole_frame(name: str) -> None:
    image = photo(name)
    width, height = similarity._work_image(image.convert("L")).size
    assert content_box(image) == (0, 0, width, height)


@pytest.mark.parametrize("degrees", [-9.0, -3.0, 2.0, 6.0])
def test_a_copy_turned_a_few_degrees_and_trimmed_is_found(degrees: float) -> None:
    outcome = verification.verify(
        similarity.fingerprint(photo("astronaut")),
        similarity.fingerprint(turned(photo("astronaut"), degrees)),
    )
    assert outcome.same, outcome.detail
    if abs(degrees) >= 5:  # smaller turns already line up as an upright crop
        assert outcome.method == "turn"
        assert f"turned about {abs(degrees):.0f}°" in outcome.detail
        way = "anticlockwise" if degrees > 0 else "clockwise"
        assert way in outcome.detail


def test_a_turned_copy_of_another_photo_is_rejected() -> None:
    outcome = verification.verify(
        similarity.fingerprint(photo("astronaut")),
        similarity.fingerprint(turned(photo("coffee"), 5.0)),
    )
    assert not outcome.same


def test_a_vignetted_copy_is_found() -> None:
    outcome = verification.verify(
        similarity.fingerprint(photo("coffee")),
        similarity.fingerprint(vignette(photo("coffee"), 0.75)),
    )
    assert outcome.same, outcome.detail


def test_a_bar_across_the_page_is_not_taken_for_its_picture() -> None:
    """The site bar of a template is one solid block, the same on every page: when the
    picture blends into the page (a logo on white), the bar must not be compared in
    its place, or every page of the template would be the same photo."""
    page = Image.new("RGB", (1280, 700), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1280, 100), fill=(180, 20, 30))
    draw.text((40, 24), "THE DAILY NEWS", fill="white", font=ImageFont.load_default(size=44))
    draw.text(
        (760, 40), "World  Politics  Sport", fill="white", font=ImageFont.load_default(size=24)
    )
    draw.rounded_rectangle((60, 180, 220, 300), 20, fill=(20, 90, 200))
    font = ImageFont.load_default(size=18)
    for y in range(340, 680, 27):
        draw.text((40, y), " ".join(WORDS[: 9 + y % 5]), fill=(30, 30, 30), font=font)
    page = reencode(page, quality=85)
    found = similarity._picture_box(np.asarray(similarity._work_image(page.convert("L"))))
    assert found is None
    left, top, right, bottom = content_box(page)
    assert (bottom - top) * 4 > right - left
