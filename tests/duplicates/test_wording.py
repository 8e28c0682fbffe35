"""Explanations in words, read from the verifier's real evidence on real photos."""

from __future__ import annotations

import re
from functools import cache

import pytest
from PIL import Image, ImageDraw, ImageOps
from skimage import data

from assets import similarity, verification
from library.duplicates.wording import METHOD_WORDS, PhotoFacts, describe, file_size


@cache
def original() -> Image.Image:
    return Image.fromarray(data.astronaut()).convert("RGB")


def caption_bar(image: Image.Image) -> Image.Image:
    out = Image.new("RGB", (image.width, int(image.height * 1.2)), "white")
    out.paste(image, (0, 0))
    ImageDraw.Draw(out).text((10, image.height + 10), "CAPTION TEXT HERE", fill="black")
    return out


def crop80(image: Image.Image) -> Image.Image:
    w, h = image.size
    dx, dy = int(w * 0.05), int(h * 0.05)
    return image.crop((dx, dy, w - dx, h - dy))


def why_for(a: Image.Image, b: Image.Image) -> str:
    """A member's stored explanation, as the builder writes it from a verified pair."""
    result = verification.verify(similarity.fingerprint(a), similarity.fingerprint(b))
    assert result.same, result.detail
    return (
        f"near-duplicate: phash→phash at Hamming distance 3; "
        f"verified by {result.method} (score {result.score:.3f}): {result.detail}"
    )


MASTER = PhotoFacts(13, 512, 512, 180_000, "jpeg")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (ImageOps.mirror, "mirrored"),
        (crop80, "cropped to about 8"),  # 81 % of the area, as the verifier estimates it
        (caption_bar, "a caption bar added at the bottom"),
        (lambda im: im.rotate(90, expand=True), "turned a quarter turn"),
        (ImageOps.grayscale, "in black and white"),
    ],
)
def test_each_edit_is_said_in_words(edit: object, words: str) -> None:
    copy = edit(original())  # type: ignore[operator]
    member = PhotoFacts(21, copy.width, copy.height, 90_000, "jpeg")
    sentence = describe("near", why_for(original(), copy), member, MASTER)
    assert words in sentence, sentence
    assert "NCC" not in sentence and "Hamming" not in sentence


def test_the_master_side_of_a_crop_is_the_wider_frame() -> None:
    why = why_for(crop80(original()), original())  # the crop has the lower id here
    sentence = describe("near", why, PhotoFacts(30, 512, 512, 180_000, "jpeg"), MASTER)
    assert re.search(r"a wider frame: #13 is cropped to about (80|85) % of it", sentence)


def test_file_changes_are_said_with_their_sizes() -> None:
    why = why_for(original(), original().resize((256, 256)))
    small = PhotoFacts(21, 256, 256, 28_000, "jpeg")
    sentence = describe("near", why, small, PhotoFacts(13, 4000, 3000, 1_400_000, "jpeg"))
    assert "smaller (0.1 MP vs 12 MP, 256×256 px)" in sentence
    resaved = describe("near", why, PhotoFacts(21, 4000, 3000, 400_000, "jpeg"), MASTER)
    assert "re-saved at lower quality (400 KB vs 180 KB)" in resaved
    converted = describe("near", why, PhotoFacts(21, 512, 512, 400_000, "png"), MASTER)
    assert "converted from JPEG to PNG" in converted


def test_levels_and_links_through_another_copy() -> None:
    member = PhotoFacts(21, 512, 512, 1, "jpeg")
    assert describe("pixels", "same pixels: …", member, MASTER) == "same pixels, different metadata"
    assert describe("identical", "identical files: …", member, None).startswith("the same file")
    via = describe(
        "near",
        "via photo 20: " + why_for(original(), ImageOps.mirror(original())),
        member,
        PhotoFacts(20, 512, 512, 1, "jpeg"),
    )
    assert via.startswith("linked through #20: mirrored")


def test_every_verification_method_has_words() -> None:
    methods = {name for name, _, _ in verification._DIHEDRAL} | {"crop", "stretch", "low-detail"}
    assert methods <= set(METHOD_WORDS)


def test_file_sizes_read_as_a_desk_reads_them() -> None:
    assert [file_size(n) for n in (512, 28_400, 1_400_000)] == ["512 B", "28 KB", "1.4 MB"]
