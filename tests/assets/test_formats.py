"""The format table: every ending, magic number and Pillow name agree for real files."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from assets import formats
from assets.imaging import image_info, open_image

pillow_heif.register_heif_opener()

SAVE_AS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "tiff": "TIFF",
    "gif": "GIF",
    "heic": "HEIF",
}


def encoded(name: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 90)).save(buffer, SAVE_AS[name])
    return buffer.getvalue()


@pytest.mark.parametrize("name", formats.NAMES)
def test_sniff_and_decoder_agree_on_real_files(name: str) -> None:
    data = encoded(name)
    found = formats.sniff(data[: formats.MAGIC_BYTES])
    assert found is not None and found.name == name
    assert image_info(open_image(data)).format == name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jpg", "jpeg"),
        (".JPEG", "jpeg"),
        ("tif", "tiff"),
        ("heif", "heic"),
        ("HIF", "heic"),
        ("png", "png"),
    ],
)
def test_names_people_type(typed: str, expected: str) -> None:
    found = formats.format_by_name(typed)
    assert found is not None and found.name == expected


def test_unknown_names_and_content() -> None:
    assert formats.format_by_name("bmp") is None
    assert formats.format_for_suffix(".svg") is None
    assert formats.sniff(b"<svg xmlns=") is None
    assert formats.mime_type("bmp") == "application/octet-stream"


def test_every_suffix_maps_back_to_its_format() -> None:
    for fmt in formats.FORMATS:
        assert fmt.suffix == fmt.suffixes[0]
        for suffix in fmt.suffixes:
            assert formats.format_for_suffix(suffix.upper()) is fmt
    assert {s for f in formats.FORMATS for s in f.suffixes} == formats.IMAGE_SUFFIXES
