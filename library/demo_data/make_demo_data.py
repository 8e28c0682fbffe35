"""Rebuild the shipped demo photo set from scikit-image's sample photographs and exiftool.

The committed files under ``library/demo_data/photos`` and ``library/demo_data/variants`` are
what photodesk uses; this script only documents and reproduces how they were made. It needs the
dev extra (scikit-image) and Debian's ``exiftool`` on PATH (or at /usr/bin/exiftool).

Run from the repository root::

    .venv/bin/python library/demo_data/make_demo_data.py

The output is deterministic for a given Pillow/libjpeg/libwebp and exiftool version: no
timestamps are written except the ones fixed below. ``SOURCES.md`` (hand-written) describes
every file; keep it in step when the tables below change.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import skimage
from PIL import Image, ImageDraw, ImageFont, ImageOps

HERE = Path(__file__).resolve().parent
PHOTOS = HERE / "photos"
VARIANTS = HERE / "variants"
SKIMAGE_DATA = Path(skimage.__file__).resolve().parent / "data"

JPEG_QUALITY = 90


def find_exiftool() -> str:
    """Return the exiftool executable, preferring the one on PATH."""
    found = shutil.which("exiftool")
    if found:
        return found
    if Path("/usr/bin/exiftool").exists():
        return "/usr/bin/exiftool"
    raise SystemExit("exiftool not found: apt-get install libimage-exiftool-perl")


@dataclass(frozen=True)
class Meta:
    """Newsroom metadata for one photo; ``None`` means the field is left out on purpose."""

    headline: str
    caption: str
    title: str
    keywords: tuple[str, ...]
    creator: str | None = None
    creator_title: str | None = None
    credit: str | None = None
    source: str | None = None
    copyright: str | None = None
    usage_terms: str | None = None
    instructions: str | None = None
    caption_writer: str | None = None
    date: str | None = None  # "YYYY:MM:DD"
    time: str | None = None  # "HH:MM:SS", local time
    offset: str | None = None  # "+02:00"; None = time zone unknown
    city: str | None = None
    state: str | None = None
    country: str | None = None
    country_code: str | None = None
    gps: tuple[float, float] | None = None  # signed decimal degrees (lat, lon)
    exif_description: str | None = None  # set to make EXIF ImageDescription disagree
    iptc_caption: str | None = None  # set to make IPTC Caption-Abstract disagree


@dataclass(frozen=True)
class Photo:
    """One demo photo: scikit-image source file, output name and metadata."""

    name: str
    source: str
    meta: Meta


PHOTO_SET: tuple[Photo, ...] = (
    Photo(
        name="astronaut-eileen-collins.jpg",
        source="astronaut.png",
        meta=Meta(
            headline="Eileen Collins, first woman to pilot a space shuttle",
            caption=(
                "In this undated photo provided by NASA, astronaut Eileen Collins poses for a "
                "portrait. Collins piloted space shuttle mission STS-63 in 1995, the first "
                "woman to do so, and retired in 2006 after spending more than 38 days in space. "
                "(NASA via Photodesk)"
            ),
            title="US-SPACE-NASA-COLLINS",
            keywords=("space", "NASA", "astronaut", "Eileen Collins", "space shuttle", "portrait"),
            creator="NASA",
            credit="NASA",
            source="NASA Great Images",
            copyright="Public domain (NASA). No known copyright restrictions.",
            usage_terms="Public domain",
            instructions="HANDOUT - EDITORIAL USE ONLY. Undated photo: no capture date known.",
            caption_writer="jdoe",
        ),
    ),
    Photo(
        name="rocket-falcon9-dscovr-launch.jpg",
        source="rocket.jpg",
        meta=Meta(
            headline="SpaceX launches deep-space weather satellite DSCOVR",
            caption=(
                "CAPE CANAVERAL, Fla. - A SpaceX Falcon 9 rocket carrying the Deep Space "
                "Climate Observatory (DSCOVR) lifts off from Space Launch Complex 40 at Cape "
                "Canaveral Air Force Station, Florida, on Wednesday, Feb. 11, 2015. (SpaceX)"
            ),
            title="US-SPACE-SPACEX-DSCOVR",
            keywords=("SpaceX", "Falcon 9", "DSCOVR", "NOAA", "rocket launch", "Cape Canaveral"),
            creator="SpaceX",
            creator_title="Handout",
            credit="SpaceX",
            source="SpaceX",
            copyright="Public domain: released by SpaceX in March 2015.",
            usage_terms="Public domain",
            instructions="HANDOUT PHOTO. Mandatory credit: SpaceX.",
            caption_writer="mlopez",
            date="2015:02:11",
            time="18:03:42",
            offset="-05:00",
            city="Cape Canaveral",
            state="Florida",
            country="United States",
            country_code="USA",
            gps=(28.5619, -80.5772),
        ),
    ),
    Photo(
        name="hubble-extreme-deep-field.jpg",
        source="hubble_deep_field.jpg",
        meta=Meta(
            headline="Hubble's deepest view of the universe",
            # XMP: the corrected caption written last by an XMP-aware tool.
            caption=(
                "CORRECTS number of galaxies to about 5,500 - The Hubble eXtreme Deep Field "
                "(XDF), released Sept. 25, 2012, combines 10 years of Hubble Space Telescope "
                "images of a small patch of sky and shows about 5,500 galaxies, some of them "
                "seen as they were 13.2 billion years ago. (NASA/ESA)"
            ),
            # IPTC: the first caption, sent before the correction.
            iptc_caption=(
                "The Hubble eXtreme Deep Field (XDF), released Sept. 25, 2012, combines 10 "
                "years of Hubble Space Telescope images of a small patch of sky and shows about "
                "10,000 galaxies. (NASA/ESA)"
            ),
            # EXIF: the short title left by the image-processing software.
            exif_description="Hubble eXtreme Deep Field",
            title="SPACE-HUBBLE-XDF",
            keywords=("Hubble", "NASA", "ESA", "galaxies", "astronomy", "deep field"),
            creator="NASA, ESA",
            credit="NASA/ESA",
            source="HubbleSite",
            copyright="Public domain (NASA). May be freely used.",
            usage_terms="Public domain",
            instructions="Caption corrected on the XMP side only; check before use.",
            caption_writer="kchen",
            date="2012:09:25",
        ),
    ),
    Photo(
        name="coffee-espresso-cup.jpg",
        source="coffee.png",
        meta=Meta(
            headline="Café culture: Kaffee, قهوه, 咖啡",
            caption=(
                "An espresso is served in a red cup on a wooden counter at Pikolo Espresso "
                "Bar. Café crème or espresso, für viele Gäste gehört eine Tasse zum Frühstück.\n"
                "一杯意式浓缩咖啡放在木质吧台上。"
            ),
            title="LIFESTYLE-FOOD-COFFEE",
            keywords=("café", "Kaffee", "咖啡", "قهوه", "espresso", "food and drink"),
            creator="Rachel Michetti",
            credit="Rachel Michetti",
            source="Pikolo Espresso Bar",
            copyright="CC0 1.0 - Rachel Michetti. No rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            instructions="Caption checked by مریم احمدی (Maryam Ahmadi), features desk.",
            caption_writer="مریم احمدی",
            date="2014:11:08",
            time="08:12:40",
        ),
    ),
    Photo(
        name="file-cameraman-tripod-1998.jpg",
        source="camera.png",
        meta=Meta(
            headline="FILE PHOTO: cameraman at work",
            caption=(
                "FILE - A cameraman lines up a shot with a video camera mounted on a tripod on "
                "an open lawn, in this Oct. 3, 1998, file photo."
            ),
            title="FILE-CAMERAMAN",
            keywords=("file photo", "archive", "camera", "tripod", "black and white"),
            creator="Lav Varshney",
            credit="Lav Varshney",
            source="Photodesk archive",
            copyright="CC0 1.0 - Lav Varshney. No rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            instructions="FILE PHOTO - archive scan. Check the date before publication.",
            caption_writer="archive",
            date="1998:10:03",
            time="10:42:00",
        ),
    ),
    Photo(
        name="clock-motion-blur.jpg",
        source="clock_motion.png",
        meta=Meta(
            headline="Clocks go forward for daylight saving time",
            caption=(
                "A wall clock is blurred by a moving camera shortly before clocks in much of "
                "Europe went forward by one hour for daylight saving time, early Sunday, "
                "March 31, 2019."
            ),
            title="EUROPE-DST-CLOCKS",
            keywords=("daylight saving time", "clock", "time change"),
            creator="Stefan van der Walt",
            copyright="Public domain (released by the photographer).",
            instructions="Contributor photo, credit line missing: ask the photo desk.",
            date="2019:03:31",
            time="01:59:30",
            offset="+01:00",
        ),
    ),
    Photo(
        name="retina-fundus-photograph.jpg",
        source="retina.jpg",
        meta=Meta(
            headline="What an eye exam sees: the healthy retina",
            caption=(
                "A fundus photograph of a normal left eye shows the optic disc, the macula "
                "and the retinal blood vessels that doctors check for signs of diabetes and "
                "high blood pressure."
            ),
            title="HEALTH-EYES-RETINA",
            keywords=("health", "medicine", "eye", "retina", "ophthalmology"),
            creator="Mikael Häggström",
            creator_title="Physician",
            credit="Mikael Häggström",
            source="Wikimedia Commons",
            copyright="CC0 1.0 - Mikael Häggström. No rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            instructions="Medical image: do not crop out the optic disc.",
            caption_writer="kchen",
            date="2014:01:23",
            time="10:15:00",
            offset="+01:00",
        ),
    ),
    Photo(
        name="handwritten-equations.jpg",
        source="text.png",
        meta=Meta(
            headline="Exam season: cramming by hand",
            caption=(
                "Handwritten notes on integral transforms fill a sheet of lined paper as "
                "students prepare for final exams."
            ),
            title="EDUCATION-EXAMS",
            keywords=("education", "exams", "mathematics", "handwriting"),
            source="Wikipedia",
            copyright="Public domain. No known copyright restrictions.",
            instructions="Found on Wikipedia, photographer unknown: NO CREDIT supplied.",
            date="2021:06:14",
            time="16:05:12",
            offset="-04:00",
        ),
    ),
    Photo(
        name="brick-wall-detail.jpg",
        source="brick.png",
        meta=Meta(
            headline="Old print works faces demolition",
            caption=(
                "Weathered brickwork on the wall of a disused print works, which is due to be "
                "demolished to make way for housing."
            ),
            title="LOCAL-PRINTWORKS-DEMOLITION",
            keywords=("architecture", "demolition", "brick", "local news"),
            creator="CC0 Textures",
            credit="CC0 Textures",
            source="cc0textures.com",
            copyright="CC0 1.0 - no rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            caption_writer="jdoe",
            date="2020:09:14",
            time="11:03:10",
            offset="+01:00",
        ),
    ),
    Photo(
        name="chelsea-the-cat.png",
        source="chelsea.png",
        meta=Meta(
            headline="Chelsea the cat takes it easy",
            caption="Chelsea, a tabby cat, rests on a sofa and keeps an eye on the photographer.",
            title="ANIMALS-CAT",
            keywords=("animals", "cat", "pets"),
            creator="Stefan van der Walt",
            credit="Stefan van der Walt",
            source="scikit-image",
            copyright="CC0 1.0 - Stefan van der Walt. No rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            date="2012:05:19",
            time="15:20:00",
            offset="+02:00",
        ),
    ),
    Photo(
        name="cell-phase-image.tif",
        source="cell.png",
        meta=Meta(
            headline="A cell, seen through its own light delay",
            caption=(
                "A cell floating in saline appears as a bright disc in this quantitative phase "
                "image, retrieved from a digital hologram. Pixel spacing is 0.107 µm."
            ),
            title="SCIENCE-MICROSCOPY-CELL",
            keywords=("science", "microscopy", "biology", "holography"),
            creator="Paul Müller et al.",
            credit="Müller et al./Optics Express",
            source="scikit-image",
            copyright="CC0 1.0 - dedicated to the public domain.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            instructions="Scientific image: do not retouch or change contrast.",
            caption_writer="kchen",
            date="2018:04:16",
        ),
    ),
    Photo(
        name="grass-pitch-closeup.gif",
        source="grass.png",
        meta=Meta(
            headline="Groundsmen race to ready the pitch",
            caption="Close-up of the freshly cut grass on the pitch before the season opener.",
            title="SPORT-SOCCER-PITCH",
            keywords=("sport", "soccer", "grass", "stadium"),
            creator="linolafett",
            credit="linolafett via DeviantArt",
            source="DeviantArt",
            copyright="CC0 1.0 - no rights reserved.",
            usage_terms="CC0 1.0 Universal (public domain dedication)",
            date="2022:08:05",
            time="09:30:00",
            offset="+01:00",
        ),
    ),
    Photo(
        name="gravel-road-surface.webp",
        source="gravel.png",
        meta=Meta(
            headline="Council to resurface gravel lanes",
            caption="Loose gravel on a country lane that the council plans to resurface.",
            title="LOCAL-ROADS-GRAVEL",
            keywords=("roads", "local news", "gravel"),
            source="CC0 Textures",
            copyright="CC0 1.0 - no rights reserved.",
            instructions="Stringer photo received without credit information.",
            date="2023:04:02",
            time="13:47:05",
            offset="+01:00",
        ),
    ),
)


def xmp_date(meta: Meta) -> str | None:
    """Return the XMP photoshop:DateCreated value in exiftool's input syntax."""
    if meta.date is None:
        return None
    if meta.time is None:
        return meta.date
    return f"{meta.date} {meta.time}{meta.offset or ''}"


def metadata_args(meta: Meta, *, iptc: bool, exif: bool) -> list[str]:
    """Build exiftool arguments that write ``meta`` as XMP, and as IPTC-IIM/EXIF if asked.

    The mapping follows the Metadata Working Group guidelines: caption = IPTC Caption-Abstract
    = XMP dc:description = EXIF ImageDescription; creator = By-line = dc:creator = Artist;
    copyright notice = CopyrightNotice = dc:rights = EXIF Copyright; date created =
    IPTC DateCreated/TimeCreated = photoshop:DateCreated = EXIF DateTimeOriginal (+ offset).
    """
    args: list[str] = []

    def put(tag: str, value: str | None) -> None:
        if value is not None:
            args.append(f"-{tag}={value}")

    # XMP (every format the set uses can carry it).
    put("XMP-dc:Description", meta.caption)
    put("XMP-photoshop:Headline", meta.headline)
    put("XMP-dc:Title", meta.title)
    put("XMP-dc:Creator", meta.creator)
    put("XMP-photoshop:AuthorsPosition", meta.creator_title)
    put("XMP-photoshop:Credit", meta.credit)
    put("XMP-photoshop:Source", meta.source)
    put("XMP-dc:Rights", meta.copyright)
    put("XMP-xmpRights:UsageTerms", meta.usage_terms)
    for keyword in meta.keywords:
        put("XMP-dc:Subject", keyword)
    put("XMP-photoshop:Instructions", meta.instructions)
    put("XMP-photoshop:CaptionWriter", meta.caption_writer)
    put("XMP-photoshop:DateCreated", xmp_date(meta))
    put("XMP-photoshop:City", meta.city)
    put("XMP-photoshop:State", meta.state)
    put("XMP-photoshop:Country", meta.country)
    put("XMP-iptcCore:CountryCode", meta.country_code)

    if iptc:
        put("IPTC:CodedCharacterSet", "UTF8")
        put("IPTC:Caption-Abstract", meta.iptc_caption or meta.caption)
        put("IPTC:Headline", meta.headline)
        put("IPTC:ObjectName", meta.title)
        put("IPTC:By-line", meta.creator)
        put("IPTC:By-lineTitle", meta.creator_title)
        put("IPTC:Credit", meta.credit)
        put("IPTC:Source", meta.source)
        put("IPTC:CopyrightNotice", meta.copyright)
        for keyword in meta.keywords:
            put("IPTC:Keywords", keyword)
        put("IPTC:SpecialInstructions", meta.instructions)
        put("IPTC:Writer-Editor", meta.caption_writer)
        put("IPTC:DateCreated", meta.date)
        # IIM times always carry a UTC offset, so leave TimeCreated out when it is unknown.
        if meta.time is not None and meta.offset is not None:
            put("IPTC:TimeCreated", f"{meta.time}{meta.offset}")
        put("IPTC:City", meta.city)
        put("IPTC:Province-State", meta.state)
        put("IPTC:Country-PrimaryLocationName", meta.country)
        put("IPTC:Country-PrimaryLocationCode", meta.country_code)

    if exif:
        put("EXIF:ImageDescription", meta.exif_description or meta.caption)
        put("EXIF:Artist", meta.creator)
        put("EXIF:Copyright", meta.copyright)
        if meta.date is not None and meta.time is not None:
            put("EXIF:DateTimeOriginal", f"{meta.date} {meta.time}")
            put("EXIF:OffsetTimeOriginal", meta.offset)
        if meta.gps is not None:
            lat, lon = meta.gps
            put("EXIF:GPSLatitude", f"{abs(lat)}")
            put("EXIF:GPSLatitudeRef", "N" if lat >= 0 else "S")
            put("EXIF:GPSLongitude", f"{abs(lon)}")
            put("EXIF:GPSLongitudeRef", "E" if lon >= 0 else "W")
    return args


class ExifTool:
    """Thin wrapper that runs exiftool and fails loudly on any warning or error."""

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def run(self, args: Sequence[str]) -> str:
        cmd = [self.executable, "-charset", "UTF8", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", check=False)
        if proc.returncode != 0 or "Warning" in proc.stderr or "Error" in proc.stderr:
            raise RuntimeError(f"exiftool failed: {' '.join(cmd)}\n{proc.stderr}")
        return proc.stdout

    def write(self, path: Path, args: Sequence[str]) -> None:
        self.run(["-overwrite_original", *args, str(path)])

    def copy_metadata(self, src: Path, dst: Path) -> None:
        """Copy EXIF, IPTC and XMP from ``src`` into ``dst`` (pixels of ``dst`` untouched).

        ``-all:all`` leaves out the IPTC 1:90 character-set record, which would turn the copied
        IPTC into Latin-1, so it is named explicitly. Photoshop's IPTCDigest is a protected tag
        and is not copied.
        """
        args = ["-tagsFromFile", str(src), "-all:all", "-IPTC:CodedCharacterSet"]
        self.run(["-overwrite_original", *args, str(dst)])


def load_source(name: str) -> Image.Image:
    """Open a scikit-image sample fully decoded; of its ``info`` only the ICC profile is kept.

    Dropping the rest stops Pillow from carrying e.g. rocket.jpg's JPEG comment into the output.
    """
    with Image.open(SKIMAGE_DATA / name) as im:
        im.load()
        copy = im.copy()
    icc = copy.info.get("icc_profile")
    copy.info = {"icc_profile": icc} if icc else {}
    return copy


def save_jpeg(im: Image.Image, path: Path, quality: int = JPEG_QUALITY) -> None:
    """Save as baseline JPEG; colour images keep their ICC profile, greyscale stays greyscale."""
    icc = im.info.get("icc_profile") if im.mode == "RGB" else None
    params: dict[str, object] = {"quality": quality, "optimize": False, "progressive": False}
    if icc:
        params["icc_profile"] = icc
    im.save(path, "JPEG", **params)


def save_photo(photo: Photo, exiftool: ExifTool) -> Path:
    """Convert one scikit-image sample into its demo file and embed its metadata."""
    im = load_source(photo.source)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    out = PHOTOS / photo.name
    suffix = out.suffix.lower()
    icc = im.info.get("icc_profile")
    # EXIF ColorSpace: sRGB, or "Uncalibrated" (exiftool's default) for the Adobe RGB sources.
    colour = [] if icc and b"Adobe RGB" in icc else ["-EXIF:ColorSpace=sRGB"]
    if suffix == ".jpg":
        save_jpeg(im, out)
        exiftool.write(out, metadata_args(photo.meta, iptc=True, exif=True) + colour)
    elif suffix == ".png":
        im.save(out, "PNG", optimize=True, **({"icc_profile": icc} if icc else {}))
        # exiftool stores PNG XMP in an iTXt chunk keyed "XML:com.adobe.xmp".
        exiftool.write(out, metadata_args(photo.meta, iptc=False, exif=False))
    elif suffix == ".tif":
        im.save(out, "TIFF", compression="tiff_adobe_deflate")
        exiftool.write(out, metadata_args(photo.meta, iptc=True, exif=True))
    elif suffix == ".webp":
        im.convert("RGB").save(out, "WEBP", quality=85, method=6)
        exiftool.write(out, metadata_args(photo.meta, iptc=False, exif=True) + colour)
    elif suffix == ".gif":
        im.convert("L").save(out, "GIF")
        exiftool.write(out, metadata_args(photo.meta, iptc=False, exif=False))
    else:
        raise ValueError(f"unsupported output format: {out.name}")
    if suffix in (".jpg", ".tif"):
        # As Photoshop does, record that XMP and IPTC are in sync. This is a separate pass
        # because in TIFF the IPTC block is padded after a same-pass digest is taken.
        exiftool.write(out, ["-Photoshop:IPTCDigest=new"])
    return out


def check_no_warnings(exiftool: ExifTool, paths: Sequence[Path]) -> None:
    """Fail if exiftool reports a warning (e.g. a stale IPTCDigest) for any output file."""
    out = exiftool.run(["-q", "-q", "-s", "-Warning", *map(str, paths)])
    if out.strip():
        raise AssertionError(f"exiftool warnings in the demo set:\n{out}")


def open_rgb_or_l(path: Path) -> Image.Image:
    """Decode a demo photo for derivation, keeping mode L for greyscale originals."""
    with Image.open(path) as im:
        im.load()
        return im.copy()


def jpeg_image_data(path: Path) -> bytes:
    """Return the JPEG stream without APPn and COM segments (the coded image only)."""
    data = path.read_bytes()
    if data[:2] != b"\xff\xd8":
        raise ValueError(f"{path} is not a JPEG")
    out = bytearray(data[:2])
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"{path}: bad marker at {pos}")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[pos:]
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segment = data[pos : pos + 2 + length]
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        pos += 2 + length
    return bytes(out)


def add_caption_bar(im: Image.Image, text: str) -> Image.Image:
    """Return ``im`` with a black bar below it carrying ``text`` in Pillow's default font."""
    font = ImageFont.load_default(size=18)
    bar_height = 40
    canvas = Image.new("RGB", (im.width, im.height + bar_height), (0, 0, 0))
    canvas.paste(im.convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.text((12, im.height + 10), text, fill=(255, 255, 255), font=font)
    return canvas


def add_watermark(im: Image.Image, text: str) -> Image.Image:
    """Return ``im`` with a small semi-transparent text watermark in the bottom-right corner."""
    font = ImageFont.load_default(size=16)
    base = im.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = base.width - (right - left) - 12
    y = base.height - (bottom - top) - 12
    draw.rectangle(
        (x - 6, y - 4, x + (right - left) + 6, y + (bottom - top) + 8), fill=(0, 0, 0, 90)
    )
    draw.text((x - left, y - top), text, fill=(255, 255, 255, 170), font=font)
    marked = Image.alpha_composite(base, overlay)
    return marked.convert(im.mode if im.mode in ("RGB", "L") else "RGB")


def make_variants(exiftool: ExifTool) -> list[Path]:
    """Derive the near-duplicate and exact-duplicate copies from the demo originals."""
    made: list[Path] = []

    def variant(original: str, transformation: str, ext: str = ".jpg") -> Path:
        path = VARIANTS / f"{Path(original).stem}--{transformation}{ext}"
        made.append(path)
        return path

    # 1. Web-size copy: long edge 640 px, recompressed, metadata kept.
    src = PHOTOS / "retina-fundus-photograph.jpg"
    im = open_rgb_or_l(src)
    im.thumbnail((640, 640), Image.Resampling.LANCZOS)
    out = variant(src.name, "web-640")
    save_jpeg(im, out, quality=80)
    exiftool.copy_metadata(src, out)

    # 2. Recompressed at quality 60, metadata kept.
    src = PHOTOS / "rocket-falcon9-dscovr-launch.jpg"
    out = variant(src.name, "q60")
    save_jpeg(open_rgb_or_l(src), out, quality=60)
    exiftool.copy_metadata(src, out)

    # 3. Metadata-only edit: byte copy, then a new caption written by exiftool.
    src = PHOTOS / "astronaut-eileen-collins.jpg"
    out = variant(src.name, "caption-edited")
    shutil.copyfile(src, out)
    new_caption = (
        "UPDATES with mission details - Astronaut Eileen Collins, who in 1995 became the first "
        "woman to pilot a space shuttle (STS-63), in an undated NASA portrait. (NASA)"
    )
    exiftool.write(
        out,
        [
            f"-IPTC:Caption-Abstract={new_caption}",
            f"-XMP-dc:Description={new_caption}",
            f"-EXIF:ImageDescription={new_caption}",
            "-Photoshop:IPTCDigest=new",
        ],
    )
    if jpeg_image_data(src) != jpeg_image_data(out):
        raise AssertionError("caption edit changed the JPEG image data")

    # 4. Centre crop keeping ~80 % of the area, metadata kept.
    src = PHOTOS / "rocket-falcon9-dscovr-launch.jpg"
    im = open_rgb_or_l(src)
    scale = 0.8**0.5
    w, h = round(im.width * scale), round(im.height * scale)
    left, top = (im.width - w) // 2, (im.height - h) // 2
    out = variant(src.name, "crop80")
    save_jpeg(im.crop((left, top, left + w, top + h)), out)
    exiftool.copy_metadata(src, out)

    # 5. Caption burned into a bar below the picture (as social cards do); metadata lost.
    src = PHOTOS / "coffee-espresso-cup.jpg"
    out = variant(src.name, "caption-bar")
    save_jpeg(add_caption_bar(open_rgb_or_l(src), "Espresso at Pikolo. Photo: R. Michetti"), out)

    # 6. Mirrored (flipped left-right); metadata lost.
    src = PHOTOS / "astronaut-eileen-collins.jpg"
    out = variant(src.name, "mirrored")
    save_jpeg(ImageOps.mirror(open_rgb_or_l(src)), out)

    # 7. Greyscale conversion of the PNG, kept as PNG, XMP kept.
    src = PHOTOS / "chelsea-the-cat.png"
    out = variant(src.name, "greyscale", ".png")
    grey = open_rgb_or_l(src).convert("L")
    grey.info = {}  # the source's RGB ICC profile must not travel into a greyscale PNG
    grey.save(out, "PNG", optimize=True)
    exiftool.copy_metadata(src, out)

    # 8. Small watermark in the bottom-right corner, metadata kept.
    src = PHOTOS / "file-cameraman-tripod-1998.jpg"
    out = variant(src.name, "watermark")
    save_jpeg(add_watermark(open_rgb_or_l(src), "PHOTODESK ARCHIVE"), out)
    exiftool.copy_metadata(src, out)

    # 9. Byte-identical copy under another name.
    src = PHOTOS / "clock-motion-blur.jpg"
    out = variant(src.name, "copy")
    shutil.copyfile(src, out)
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    exiftool = ExifTool(find_exiftool())
    for folder in (PHOTOS, VARIANTS):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    written = [save_photo(photo, exiftool) for photo in PHOTO_SET]
    written += make_variants(exiftool)
    check_no_warnings(exiftool, written)
    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        print(f"{size:>9,d}  {path.relative_to(HERE)}")
    print(f"{total:>9,d}  total in {len(written)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
