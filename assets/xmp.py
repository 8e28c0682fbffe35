"""XMP packets: found in any image file or a sidecar, parsed with defusedxml, UTF-16 included."""

from __future__ import annotations

from typing import Any

from defusedxml import ElementTree as SafeET
from PIL import Image

from assets.errors import MetadataError

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}


_RDF = "{" + NS["rdf"] + "}"


# XMP property (namespace prefix, local name) → field, in order of preference.
_XMP_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "caption": (("dc", "description"),),
    "title": (("dc", "title"),),
    "headline": (("photoshop", "Headline"),),
    "credit": (("photoshop", "Credit"),),
    "source": (("photoshop", "Source"),),
    "copyright": (("dc", "rights"),),
    "creator": (("dc", "creator"),),
    "keywords": (("dc", "subject"),),
    "instructions": (("photoshop", "Instructions"),),
    "date_created": (("photoshop", "DateCreated"), ("exif", "DateTimeOriginal")),
    "usage_terms": (("xmpRights", "UsageTerms"),),
    "alt_text": (("Iptc4xmpCore", "AltTextAccessibility"),),
    "genre": (("Iptc4xmpCore", "IntellectualGenre"),),
    "city": (("photoshop", "City"),),
}

#: Structures whose first ``Iptc4xmpExt:City`` names the photo's city when
#: photoshop:City is empty: where it was shown, then where it was taken.
_CITY_STRUCTURES = ("LocationShown", "LocationCreated")


def _embedded_xmp(image: Image.Image) -> bytes | None:
    info = image.info
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = info.get(key)
        if isinstance(value, str) and value:
            return value.encode("utf-8", errors="replace")
        if isinstance(value, bytes | bytearray) and value:
            return bytes(value)
    try:
        tag = image.getexif().get(700)  # TIFF XMLPacket
    except Exception:
        tag = None
    if isinstance(tag, bytes | str) and tag:
        return tag.encode("utf-8", errors="replace") if isinstance(tag, str) else tag
    return None


def _scan_xmp(data: bytes) -> bytes | None:
    """Find an XMP packet in formats whose container Pillow does not expose (GIF, HEIC)."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = data.find(b"</x:xmpmeta>", start)
    if end < 0:
        return None
    # GIF stores XMP as data sub-blocks whose length bytes land inside the text;
    # exiftool and Adobe write it so that the packet stays valid XML.
    return data[start : end + len(b"</x:xmpmeta>")]


def parse_xmp(packet: bytes) -> dict[str, Any]:
    """Extract photodesk's fields from an XMP packet, refusing entity tricks.

    Raises MetadataError for XML that does not parse.
    """
    text = _as_utf8(packet).strip(b"\x00 \t\r\n")
    start = text.find(b"<x:xmpmeta")
    if start < 0:
        start = text.find(b"<rdf:RDF")
    if start < 0:
        start = text.find(b"<")
    if start < 0:
        raise MetadataError("no XML in XMP packet")
    end_marker = b"</x:xmpmeta>" if text.startswith(b"<x:xmpmeta", start) else b"</rdf:RDF>"
    end = text.find(end_marker, start)
    body = text[start : end + len(end_marker)] if end >= 0 else text[start:]
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise MetadataError(f"malformed XML ({exc})") from None
    except Exception as exc:  # defusedxml's EntitiesForbidden, DTDForbidden, ...
        raise MetadataError(f"refused XML ({type(exc).__name__})") from None
    properties: dict[str, Any] = {}
    rdf = root if root.tag == _RDF + "RDF" else root.find(".//" + _RDF + "RDF")
    top = rdf if rdf is not None else root
    # Only top-level descriptions: nested ones belong to structures (history, regions).
    for description in top.findall(_RDF + "Description"):
        for name, value in description.attrib.items():
            if not name.startswith(_RDF):
                properties.setdefault(name, value.strip())
        for child in description:
            value = _xmp_value(child)
            if value not in (None, "", []):
                properties.setdefault(child.tag, value)
    values: dict[str, Any] = {}
    for field_name, candidates in _XMP_FIELDS.items():
        for prefix, local in candidates:
            value = properties.get("{" + NS[prefix] + "}" + local)
            if value in (None, "", []):
                continue
            if field_name in ("keywords", "creator"):
                values[field_name] = value if isinstance(value, list) else [value]
            else:
                values[field_name] = "; ".join(value) if isinstance(value, list) else value
            break
    if "city" not in values:
        city = _structure_city(top)
        if city:
            values["city"] = city
    return values


def _structure_city(top: Any) -> str | None:
    """The first City inside LocationShown or LocationCreated (IPTC Extension).

    They are bags of structures, written either as nested elements or as
    attributes of an rdf:li / rdf:Description, so both forms are read.
    """
    ext = "{" + NS["Iptc4xmpExt"] + "}"
    for structure in _CITY_STRUCTURES:
        for description in top.findall(_RDF + "Description"):
            for holder in description.findall(ext + structure):
                for element in holder.iter():
                    found = element.get(ext + "City")
                    if not found and element.tag == ext + "City":
                        found = element.text
                    if found and found.strip():
                        return found.strip()
    return None


def _as_utf8(packet: bytes) -> bytes:
    """XMP may be UTF-16 or UTF-32 (the spec allows it); ElementTree wants one encoding."""
    head = packet[:4]
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
    ):
        if head.startswith(bom):
            return packet.decode(codec, errors="replace").lstrip("\ufeff").encode("utf-8")
    if head[:2] == b"\x00<":
        return packet.decode("utf-16-be", errors="replace").encode("utf-8")
    if head[:2] == b"<\x00":
        return packet.decode("utf-16-le", errors="replace").encode("utf-8")
    return packet


def _xmp_value(element: Any) -> str | list[str] | None:
    """Simple text, an rdf:Alt (x-default first), or an rdf:Seq/Bag as a list."""
    for container in element:
        tag = container.tag
        if tag == _RDF + "Alt":
            items = list(container.iter(_RDF + "li"))
            lang = "{http://www.w3.org/XML/1998/namespace}lang"
            chosen = next((li for li in items if li.get(lang) == "x-default"), None)
            chosen = chosen if chosen is not None else (items[0] if items else None)
            return (chosen.text or "").strip() if chosen is not None else None
        if tag in (_RDF + "Seq", _RDF + "Bag"):
            return [
                li.text.strip() for li in container.iter(_RDF + "li") if li.text and li.text.strip()
            ]
    if element.get(_RDF + "resource"):
        return str(element.get(_RDF + "resource"))
    return (element.text or "").strip() or None
