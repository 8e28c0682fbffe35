"""The city a photo was taken in: IPTC 2:90 City, XMP photoshop:City, then the IPTC Extension's locations."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from assets.iptc import decode_iim
from assets.metadata import read_metadata
from assets.xmp import parse_xmp
from tests.conftest import CORPORA

PACKET = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
  xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
 <rdf:Description rdf:about="" {attrs}>{body}</rdf:Description>
</rdf:RDF></x:xmpmeta>"""

SHOWN = """<Iptc4xmpExt:LocationShown><rdf:Bag>
  <rdf:li rdf:parseType="Resource"><Iptc4xmpExt:City>Esfahan</Iptc4xmpExt:City></rdf:li>
  <rdf:li rdf:parseType="Resource"><Iptc4xmpExt:City>Shiraz</Iptc4xmpExt:City></rdf:li>
</rdf:Bag></Iptc4xmpExt:LocationShown>"""
CREATED = """<Iptc4xmpExt:LocationCreated><rdf:Bag>
  <rdf:li><rdf:Description Iptc4xmpExt:City="Tabriz"/></rdf:li>
</rdf:Bag></Iptc4xmpExt:LocationCreated>"""


@pytest.mark.parametrize(
    ("attrs", "body", "city"),
    [
        ('photoshop:City="Tehran"', SHOWN, "Tehran"),
        ("", "<photoshop:City>Tehran</photoshop:City>" + SHOWN, "Tehran"),
        ("", CREATED + SHOWN, "Esfahan"),  # where it is shown comes before where it was taken
        ("", CREATED, "Tabriz"),
        ("", "<photoshop:City>  </photoshop:City>", None),
    ],
)
def test_xmp_city(attrs: str, body: str, city: str | None) -> None:
    values = parse_xmp(PACKET.format(attrs=attrs, body=body).encode())
    assert values.get("city") == city


def test_iptc_city_dataset() -> None:
    values, _ = decode_iim({(1, 90): b"\x1b%G", (2, 90): "Tehrān".encode()})
    assert values["city"] == "Tehrān"


@pytest.mark.skipif(not (CORPORA / "metadata").is_dir(), reason="shared corpora absent")
@pytest.mark.parametrize(
    ("path", "city"),
    [
        ("iptc-reference/IPTC-PhotometadataRef-Std2017.1.jpg", "City (Core) (ref2017.1)"),
        ("exiftool/PhotoMechanic.jpg", "kingston"),
        ("exiftool/XMP.jpg", "Kingston"),
    ],
)
def test_city_in_real_files(path: str, city: str) -> None:
    file = CORPORA / "metadata" / path
    with Image.open(file) as image:
        meta = read_metadata(file.read_bytes(), image, Path(file))
    assert meta.values["city"] == city
