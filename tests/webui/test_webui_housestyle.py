"""The house-style caption + credit line (library/housestyle.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from library.text.housestyle import caption_credit_line


@dataclass
class Photo:
    caption: str | None = None
    credit: str | None = None
    archive: bool = False


@pytest.mark.parametrize(
    "photo,line",
    [
        (Photo("Fans cheer.", "Jane Roe/Reuters"), "Fans cheer. (Photo: Jane Roe/Reuters)"),
        (Photo("Fans cheer.", "AP Photo/Jane Roe"), "Fans cheer. (AP Photo/Jane Roe)"),
        (Photo("Fans cheer.", "Photo: Jane Roe"), "Fans cheer. (Photo: Jane Roe)"),
        (Photo("Fans cheer.", "(Jane Roe)"), "Fans cheer. (Photo: Jane Roe)"),
        (Photo("Fans cheer.", None), "Fans cheer. (credit needed)"),
        (Photo("Fans cheer.", "   "), "Fans cheer. (credit needed)"),
        (Photo("Smoke rises..", "AP Photo"), "Smoke rises. (AP Photo)"),
        (Photo("Smoke rises. .", "AP Photo"), "Smoke rises. (AP Photo)"),
        (Photo("And then...", "AP Photo"), "And then... (AP Photo)"),
        (Photo("Two\n  lines\tof text.", "AP Photo"), "Two lines of text. (AP Photo)"),
        (Photo("The 1989 flood.", "Ana", True), "FILE – The 1989 flood. (Photo: Ana)"),
        (Photo("FILE - The 1989 flood.", "Ana", True), "FILE - The 1989 flood. (Photo: Ana)"),
        (Photo("The flood (file photo).", "Ana", True), "The flood (file photo). (Photo: Ana)"),
        (
            Photo("Archive picture of the flood.", "Ana", True),
            "Archive picture of the flood. (Photo: Ana)",
        ),
        (Photo("The 1989 flood.", None, True), "FILE – The 1989 flood. (credit needed)"),
        (Photo("Filed under news.", "Ana", True), "FILE – Filed under news. (Photo: Ana)"),
        (Photo(None, "Jane Roe"), "(Photo: Jane Roe)"),
        (Photo(None, None), "(credit needed)"),
        (Photo("Fans cheer. (Photo: Jane Roe)", "Jane Roe"), "Fans cheer. (Photo: Jane Roe)"),
    ],
)
def test_caption_credit_line(photo: Photo, line: str) -> None:
    assert caption_credit_line(photo) == line
