"""IPTC-IIM as cameras and newsroom tools write it: Photoshop resources and datasets, read leniently.

Pillow's reader drops the whole block at the first damage; this one keeps what came
before it, and an empty dataset is left out instead of stopping the decoder.
"""

from __future__ import annotations

import re
from typing import Any

from assets import imaging

#: Longest text value kept from any block; longer ones are cut (and noted).
TEXT_LIMIT = 32_000


# IPTC-IIM record 2 datasets → field. Repeatable datasets become lists.
_IIM_FIELDS: dict[int, str] = {
    4: "genre",
    5: "title",
    25: "keywords",
    40: "instructions",
    55: "date_created",
    80: "creator",
    90: "city",
    105: "headline",
    110: "credit",
    115: "source",
    116: "copyright",
    120: "caption",
}


_IIM_REPEATABLE = {"keywords", "creator"}


_IIM_UTF8_MARKERS = (b"\x1b%G", b"\x1b%/G", b"\x1b%/I")


_IRB_IPTC = 0x0404


_IRB_IPTC_DIGEST = 0x0425


_TIFF_IPTC = 33723


_PHOTOSHOP = b"Photoshop 3.0\x00"


def photoshop_resources(data: bytes, warnings: list[str]) -> dict[int, bytes]:
    """The Photoshop image resources of a JPEG's APP13 segments (IPTC lives in 0x0404).

    Written here rather than taken from Pillow because Pillow stops the whole
    file's header at the first malformed resource; this keeps every intact one.
    A block split over several APP13 segments is joined first, as Photoshop writes it.
    """
    parts = [
        segment.payload[len(_PHOTOSHOP) :]
        for segment in imaging.jpeg_segments(data)
        if segment.marker == 0xED and segment.payload.startswith(_PHOTOSHOP)
    ]
    stream = b"".join(parts)
    resources: dict[int, bytes] = {}
    pos = 0
    while pos < len(stream):
        if stream[pos : pos + 4] != b"8BIM":
            if stream[pos:].strip(b"\x00"):
                warnings.append(f"IPTC: Photoshop resources unreadable after byte {pos}")
            break
        if pos + 7 > len(stream):
            warnings.append(f"IPTC: Photoshop resource header cut short at byte {pos}")
            break
        code = int.from_bytes(stream[pos + 4 : pos + 6], "big")
        name_length = stream[pos + 6]
        pos += 6 + 1 + name_length
        pos += pos & 1  # the name (with its length byte) is padded to even
        if pos + 4 > len(stream):
            warnings.append(f"IPTC: Photoshop resource 0x{code:04X} is cut short")
            break
        size = int.from_bytes(stream[pos : pos + 4], "big")
        pos += 4
        if pos + size > len(stream):
            warnings.append(
                f"IPTC: Photoshop resource 0x{code:04X} claims {size:,} bytes, "
                f"{len(stream) - pos:,} are present"
            )
            size = len(stream) - pos
        resources.setdefault(code, stream[pos : pos + size])
        pos += size + (size & 1)
    return resources


def _dataset_name(record: int, dataset: int) -> str:
    """IIM's own way of naming a dataset, as exiftool and the spec show it."""
    return f"{record}:{dataset}"


def read_iim(block: bytes, warnings: list[str]) -> dict[tuple[int, int], bytes | list[bytes]]:
    """The datasets of an IPTC-IIM block, keeping all that come before any damage.

    Each dataset is 0x1C, record, dataset, a length (two bytes, or an extended
    length of up to four) and the value. An empty dataset is kept as an empty
    value; damage ends the reading with one warning, and what came before stays.
    """
    info: dict[tuple[int, int], bytes | list[bytes]] = {}
    empty: list[str] = []
    pos = 0
    end = len(block)
    while pos < end:
        if block[pos] != 0x1C:
            if block[pos:].strip(b"\x00 \r\n"):
                warnings.append(
                    f"IPTC: no dataset marker at byte {pos} of {end}; "
                    f"{len(info)} datasets before it kept"
                )
            break
        if pos + 5 > end:
            warnings.append(f"IPTC: dataset header cut short at byte {pos}")
            break
        record, dataset = block[pos + 1], block[pos + 2]
        length = int.from_bytes(block[pos + 3 : pos + 5], "big")
        pos += 5
        if length & 0x8000:  # extended dataset: the next (length & 0x7FFF) bytes are the length
            count = length & 0x7FFF
            if not 1 <= count <= 4 or pos + count > end:
                warnings.append(
                    f"IPTC: dataset {_dataset_name(record, dataset)} has a malformed length"
                )
                break
            length = int.from_bytes(block[pos : pos + count], "big")
            pos += count
        if pos + length > end:
            warnings.append(
                f"IPTC: dataset {_dataset_name(record, dataset)} claims {length:,} bytes, "
                f"{end - pos:,} are present; cut"
            )
            length = end - pos
        value = block[pos : pos + length]
        pos += length
        if not value:
            empty.append(_dataset_name(record, dataset))
        key = (record, dataset)
        previous = info.get(key)
        if previous is None:
            info[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            info[key] = [previous, value]
    if empty:
        shown = ", ".join(dict.fromkeys(empty))
        noun = "dataset" if len(empty) == 1 else "datasets"
        warnings.append(f"IPTC: empty {noun} {shown[:80]} ignored")
    return info


def decode_iim(
    info: dict[tuple[int, int], Any],
) -> tuple[dict[str, Any], str]:
    """Turn raw IIM datasets into field values: UTF-8 when 1:90 says so, else cp1252.

    Values that are missing (None) or empty count as absent: a dataset with no
    value must not cost the rest of the block.
    """
    marker = info.get((1, 90))
    if isinstance(marker, list):
        marker = next((m for m in marker if m), None)
    marker = marker if isinstance(marker, bytes | bytearray) else None
    charset = "utf-8" if marker and any(m in marker for m in _IIM_UTF8_MARKERS) else "cp1252"
    values: dict[str, Any] = {}
    for key, raw in info.items():
        if not isinstance(key, tuple) or len(key) != 2:
            continue
        record, dataset = key
        name = _IIM_FIELDS.get(dataset) if record == 2 else None
        if name is None:
            continue
        items = raw if isinstance(raw, list) else [raw]
        texts = [
            t
            for t in (
                _iim_text(item, charset) for item in items if isinstance(item, bytes | bytearray)
            )
            if t
        ]
        if not texts:
            continue
        if name in _IIM_REPEATABLE:
            values[name] = texts
        elif name == "date_created":
            values[name] = _iim_date(texts[0])
        else:
            values[name] = texts[0]
    return values, charset


def _iim_text(raw: bytes | bytearray, charset: str) -> str:
    try:
        text = bytes(raw).decode(charset)
    except UnicodeDecodeError:
        text = bytes(raw).decode("cp1252", errors="replace")
    return text.replace("\x00", "").strip()[:TEXT_LIMIT]


def _iim_date(text: str) -> str:
    if re.fullmatch(r"\d{8}", text):
        year, month, day = text[:4], text[4:6], text[6:8]
        if month == "00":
            return year
        if day == "00":
            return f"{year}-{month}"
        return f"{year}-{month}-{day}"
    return text
