"""Near-duplicate quality benchmark: photodesk's signals and verification against plain pHash.

Builds a labelled set from the real photos in ``../shared/corpora``: every original gets
one derivative of each kind the desk meets (resized, recompressed, PNG/WebP, tone,
greyscale, watermark, metadata-only, EXIF-rotated, turned, mirrored, cropped, caption
bar, border) and of each kind that comes back from the web (turned a few degrees and
trimmed, cropped to 70 % or 50 %, JPEG quality 10-15, sepia, vignette, inside a web page,
under meme text, in a branded frame, in a collage with other photos), generated in
memory with a fixed seed. The corpora's own copies (pHash
test sets, EXIF orientation samples) come along as extra rows, and distractors are all
the other originals, the corpora's hard negatives and synthetic low-detail frames.

Both methods run on the same set in the same run:

* photodesk: candidates from ``similarity.CANDIDATE_RULES`` (brute-force Hamming over
  all items, in numpy), each confirmed or rejected by ``verification.verify``;
* baseline: every pair whose imagehash pHash differs by at most 10 bits.

Printed: recall per transformation (the pair original–derivative is reported), pair
precision over every pair each method reports in the whole set, the pairs reported
between different photos that share a page template, meme overlay or frame, and how
many groups (photodesk's group builder; plain transitive grouping) hold two photos.

    .venv/bin/python benchmarks/dupes_quality.py --corpora ../shared/corpora
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets import composites, features, similarity, verification
from assets.analysis import signal_image  # noqa: E402
from assets.hashes import hash_to_int64  # noqa: E402
from assets.imaging import decode, open_image  # noqa: E402
from library.duplicates import common_values, pairs  # noqa: E402
from library.duplicates.builder import Edge, components  # noqa: E402
from library.duplicates.hashbits import popcount64  # noqa: E402

#: Originals are decoded no larger than this; derivatives are made from that copy.
MAX_SIDE = 1600
BASELINE_RADIUS = 10

#: Recall targets for photodesk, per generated transformation.
TARGETS: dict[str, float] = {
    "resize": 0.99,
    "recompress": 0.99,
    "format": 0.99,
    "tone": 0.99,
    "grey": 0.99,
    "watermark": 0.99,
    "metadata": 0.99,
    "exif-rotation": 0.99,
    "mirror": 0.90,
    "crop-band": 0.90,
    "crop-centre": 0.90,
    "crop-offcentre": 0.90,
    "caption": 0.90,
    "border": 0.90,
}
PRECISION_TARGET = 0.999

#: Pairs of originals that show one scene taken or processed twice (HDR on and off).
#: Whether they are "the same photo" is a matter of policy, so pairs between them
#: count neither as right nor as wrong.
RELATED = (
    ("exif-samples/jpg/hdr/canon_hdr_NO.jpg", "exif-samples/jpg/hdr/canon_hdr_YES.jpg"),
    ("exif-samples/jpg/hdr/iphone_hdr_NO.jpg", "exif-samples/jpg/hdr/iphone_hdr_YES.jpg"),
)

#: Different frames of one scene or shoot, from the corpora: every pair across two of
#: them that a method reports is a false positive, counted separately as well.
HARD_NEGATIVES = (
    "near-dup/imagehash-php/office/",
    "near-dup/pdq/reg-test-input/exif-rotn/",
    ("near-dup/pdq/misc-images/c.png", "near-dup/pdq/reg-test-input/pen-and-coaster.png"),
)

#: Copies that the corpora ship, as (original, [(copy, row label)]). Paths are relative
#: to the corpora folder; a copy that does not decode is left out and counted.
CORPUS_COPIES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "exif-samples/jpg/orientation/landscape_1.jpg",
        tuple(
            (f"exif-samples/jpg/orientation/landscape_{n}.jpg", "corpus: EXIF orientation 2-8")
            for n in range(2, 9)
        ),
    ),
    (
        "exif-samples/jpg/orientation/portrait_1.jpg",
        tuple(
            (f"exif-samples/jpg/orientation/portrait_{n}.jpg", "corpus: EXIF orientation 2-8")
            for n in range(2, 9)
        ),
    ),
    (
        "near-dup/imagehash-php/forest/forest-high.jpg",
        tuple(
            (f"near-dup/imagehash-php/forest/forest-{name}.jpg", "corpus: imagehash-php copies")
            for name in ("low", "copyright", "cropped", "thumb")
        ),
    ),
    (
        "near-dup/pdq/bridge-mods/aaa-orig.jpg",
        tuple(
            (f"near-dup/pdq/bridge-mods/{name}.jpg", "corpus: pdq edits")
            for name in (
                "blur-a-little",
                "blur-a-lot",
                "high-contrast",
                "high-saturation",
                "sharpen-a-little",
                "sharpen-a-lot",
                "shrink-a-little",
                "shrink-a-lot",
                "square-128x128",
                "square-256x256",
                "square-512x512",
            )
        )
        + tuple(
            (f"near-dup/pdq/reg-test-input/dih/bridge-{name}.jpg", "corpus: pdq turns and flips")
            for name in (
                "1-original",
                "2-rotate-90",
                "3-rotate-180",
                "4-rotate-270",
                "5-flipx",
                "6-flipy",
                "7-flip-plus-1",
                "8-flip-minus-1",
            )
        ),
    ),
    (
        # The same bridge photo as pdq's bridge-mods, saved in many Pillow modes.
        "near-dup/pdq/bridge-mods/aaa-orig.jpg",
        tuple(
            (f"near-dup/pdq/misc-images/modes/{name}", "corpus: modes and formats")
            for name in (
                "original.jpg",
                "1.png",
                "CMYK.jpg",
                "F.webp",
                "HSV.webp",
                "I.webp",
                "L.png",
                "LA.png",
                "LAB.webp",
                "P.png",
                "PA.webp",
                "RGB.jpg",
                "RGBA.png",
                "YCbCr.jpg",
            )
        ),
    ),
    (
        "near-dup/imagededup/base_images/ukbench00120.jpg",
        (
            (
                "near-dup/imagededup/mixed_images/ukbench00120_hflip.jpg",
                "corpus: imagededup copies",
            ),
            (
                "near-dup/imagededup/mixed_images/ukbench00120_resize.jpg",
                "corpus: imagededup copies",
            ),
            ("near-dup/imagededup/ukbench00120_gray.jpg", "corpus: imagededup copies"),
            ("near-dup/imagededup/alpha_channel_image.png", "corpus: imagededup copies"),
            (
                "near-dup/imagededup/mixed_images/ukbench00120_rotation.jpg",
                "corpus: free rotation (out of scope)",
            ),
        ),
    ),
    (
        "near-dup/imagededup/base_images/ukbench09380.jpg",
        tuple(
            (f"near-dup/imagededup/formats_images/ukbench09380.{ext}", "corpus: imagededup copies")
            for ext in ("bmp", "jpeg", "png", "webp", "svg")
        ),
    ),
)

#: Further originals (each with generated derivatives) beside the camera JPEGs. The
#: office frames, the desk shots, the labelme photos and the two coaster shots are the
#: hard negatives.
EXTRA_ORIGINALS = (
    "near-dup/imagehash-php/office/*.jpg",
    "near-dup/pdq/reg-test-input/labelme-subset/*.jpg",
    "near-dup/pdq/reg-test-input/pen-and-coaster.png",
    # Four shots of one desk, each framed differently and tagged with another EXIF
    # orientation: different frames, not copies.
    "near-dup/pdq/reg-test-input/exif-rotn/*.jpg",
    "near-dup/pdq/misc-images/c.png",
    "near-dup/pdq/misc-images/small.jpg",
    "near-dup/pdq/misc-images/wee.jpg",
    "near-dup/imagededup/base_images/*.jpg",
    "near-dup/imagededup/formats_images/marbles.pbm",
    "near-dup/imagededup/formats_images/baboon.pgm",
    "near-dup/imagededup/formats_images/copyleft.tiff",
    "near-dup/imagededup/formats_images/giphy.gif",
    "near-dup/imagededup/formats_images/Iggy.1024.ppm",
)


@dataclass
class Item:
    """One image of the set, reduced to what the methods keep. One group, one photo."""

    name: str
    group: str
    kind: str
    signals: dict[str, int]
    fingerprint: bytes
    #: Plain imagehash pHash of the image as loaded, for the baseline.
    plain_phash: int
    #: Pixel area of the image as loaded (the group builder's anchor rank).
    area: int = 0
    #: Groups of the other photos a composite (collage) shows beside its own.
    contains: tuple[str, ...] = ()
    #: The page template, overlay or frame this item shares with other photos' items.
    shared: str = ""
    #: Local features (ORB keypoints), as ingest stores them beside the fingerprint.
    features: bytes = b""
    #: The pictures found inside it when it is a composite (ingest keeps them the same way).
    regions: list[composites.Region] = field(default_factory=list)


class Collector:
    """Computes each image's signals and fingerprint as it is made, then drops the pixels."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.seconds = 0.0
        self.feature_seconds = 0.0
        self.region_seconds = 0.0

    def add(
        self,
        name: str,
        group: str,
        kind: str,
        image: Image.Image,
        contains: tuple[str, ...] = (),
        shared: str = "",
    ) -> None:
        # CPU time: the machine is shared, and wall time would measure the neighbours.
        started = time.process_time()
        # Exactly what ingest stores: signals of the thumbnail made from the decode.
        small = signal_image(image)
        frame = similarity.frame_of(small)  # found once for all three, as ingest does
        signals, fingerprint = similarity.describe(small, frame)
        middle = time.process_time()
        local = features.local_features(small, frame)
        self.feature_seconds += time.process_time() - middle
        self.seconds += middle - started
        # Composites are cut on the web-size copy ingest keeps, as ingest does.
        started = time.process_time()
        regions = composites.region_signals(image)
        self.region_seconds += time.process_time() - started
        plain = hash_to_int64(imagehash.phash(image))
        self.items.append(
            Item(
                name,
                group,
                kind,
                signals,
                fingerprint,
                plain,
                image.width * image.height,
                contains,
                shared,
                local,
                regions,
            )
        )


# --------------------------------------------------------------------------- loading


def load(path: Path) -> Image.Image:
    """Decode like the catalog does (EXIF orientation applied), capped at MAX_SIDE."""
    image = decode(open_image(path.read_bytes()), long_side=MAX_SIDE)
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def find_originals(corpora: Path) -> list[Path]:
    """Camera JPEGs plus the near-dup originals, without the files that are copies."""
    copies = {corpora / copy for _, rows in CORPUS_COPIES for copy, _ in rows}
    found = sorted(
        p
        for p in (corpora / "exif-samples" / "jpg").rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg")
    )
    for pattern in EXTRA_ORIGINALS:
        found.extend(sorted(corpora.glob(pattern)))
    found.extend(corpora / original for original, _ in CORPUS_COPIES)
    unique: list[Path] = []
    for path in found:
        if path not in copies and path not in unique:
            unique.append(path)
    return unique


# --------------------------------------------------------------------------- transformations


def encode(image: Image.Image, fmt: str, **options: object) -> Image.Image:
    """Round-trip through an encoder, as a copy on the web would have been."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return decoded.convert("RGB") if decoded.mode not in ("RGB", "L") else decoded


def jpeg(image: Image.Image, quality: int = 90) -> Image.Image:
    return encode(
        image.convert("RGB") if image.mode not in ("RGB", "L") else image, "JPEG", quality=quality
    )


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, size))


def t_resize(image: Image.Image, rng: random.Random) -> Image.Image:
    """Scaled down for the web, never below 48 px on the short side."""
    scale = rng.uniform(0.2, 0.7)
    scale = min(0.95, max(scale, 48 / min(image.size)))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    method = rng.choice(
        [Image.Resampling.LANCZOS, Image.Resampling.BILINEAR, Image.Resampling.BICUBIC]
    )
    return jpeg(image.resize(size, method), rng.randint(75, 92))


def t_recompress(image: Image.Image, rng: random.Random) -> Image.Image:
    return encode(image, "JPEG", quality=rng.randint(30, 95), subsampling=rng.choice([0, 2]))


def t_format(image: Image.Image, rng: random.Random) -> Image.Image:
    choice = rng.choice(["png", "webp-lossy", "webp-lossless"])
    if choice == "png":
        return encode(image, "PNG")
    if choice == "webp-lossy":
        return encode(image, "WEBP", quality=rng.randint(60, 90))
    return encode(image, "WEBP", lossless=True)


def t_tone(image: Image.Image, rng: random.Random) -> Image.Image:
    what = rng.choice(["brightness", "contrast", "both", "gamma"])
    out = image
    if what in ("brightness", "both"):
        out = ImageEnhance.Brightness(out).enhance(
            rng.choice([rng.uniform(0.65, 0.85), rng.uniform(1.15, 1.4)])
        )
    if what in ("contrast", "both"):
        out = ImageEnhance.Contrast(out).enhance(
            rng.choice([rng.uniform(0.65, 0.85), rng.uniform(1.15, 1.4)])
        )
    if what == "gamma":
        gamma = rng.choice([rng.uniform(0.6, 0.8), rng.uniform(1.25, 1.6)])
        table = [round(255 * (v / 255) ** gamma) for v in range(256)]
        out = out.point(table * len(out.getbands()))
    return jpeg(out, 90)


def t_grey(image: Image.Image, rng: random.Random) -> Image.Image:
    return jpeg(image.convert("L"), rng.randint(80, 92))


def t_watermark(image: Image.Image, rng: random.Random) -> Image.Image:
    """Agency mark in a corner covering 1-5 % of the area: text, or a logo with text."""
    out = image.convert("RGB")
    width, height = out.size
    area = rng.uniform(0.01, 0.05) * width * height
    box_w = int(min(width * 0.45, np.sqrt(area * 4)))
    box_h = max(8, int(area / max(box_w, 1)))
    corner_x = rng.choice([0, 1])
    corner_y = rng.choice([0, 1])
    margin = int(min(width, height) * 0.02)
    x0 = margin if corner_x == 0 else width - box_w - margin
    y0 = margin if corner_y == 0 else height - box_h - margin
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    style = rng.choice(["text", "boxed", "logo"])
    label = rng.choice(["© AGENCY", "PHOTO/AFX", "© DPN Images", "REUTERSX"])
    text_font = font(int(box_h * 0.7))
    if style == "boxed":
        draw.rectangle((x0, y0, x0 + box_w, y0 + box_h), fill=(255, 255, 255, 170))
        draw.text((x0 + 4, y0 + box_h * 0.1), label, fill=(0, 0, 0, 255), font=text_font)
    elif style == "logo":
        draw.ellipse((x0, y0, x0 + box_h, y0 + box_h), fill=(220, 30, 30, 230))
        draw.text(
            (x0 + box_h + 4, y0 + box_h * 0.1), label, fill=(255, 255, 255, 230), font=text_font
        )
    else:
        draw.text(
            (x0, y0),
            label,
            fill=(255, 255, 255, 200),
            font=text_font,
            stroke_width=1,
            stroke_fill=(0, 0, 0, 200),
        )
    out = Image.alpha_composite(out.convert("RGBA"), layer).convert("RGB")
    return jpeg(out, 90)


def t_metadata(image: Image.Image, rng: random.Random) -> Image.Image:
    """Only the metadata changed: the decoded pixels are the original's."""
    return image.copy()


_ORIENTATION_INVERSE = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def t_exif_rotation(image: Image.Image, rng: random.Random) -> Image.Image:
    """Stored sideways with an Orientation tag, then loaded upright the catalog's way."""
    orientation = rng.choice([3, 6, 8])
    stored = image.convert("RGB").transpose(_ORIENTATION_INVERSE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return decode(open_image(buffer.getvalue()))


def t_rotate(image: Image.Image, rng: random.Random) -> Image.Image:
    turn = rng.choice(
        [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270]
    )
    return jpeg(image.transpose(turn), 90)


def t_mirror(image: Image.Image, rng: random.Random) -> Image.Image:
    return jpeg(ImageOps.mirror(image), 90)


def t_crop_band(image: Image.Image, rng: random.Random) -> Image.Image:
    """A 16:9 header band out of a landscape photo (4:5 out of a portrait), kept ≥ 75 %."""
    width, height = image.size
    if width >= height:
        band = max(round(width * 9 / 16), round(height * 0.75))
        band = min(band, height)
        top = rng.randint(0, height - band)
        box = (0, top, width, top + band)
    else:
        band = max(round(width * 5 / 4), round(height * 0.75))
        band = min(band, height)
        top = rng.randint(0, height - band)
        box = (0, top, width, top + band)
    return jpeg(image.crop(box), 90)


def t_crop_centre(image: Image.Image, rng: random.Random) -> Image.Image:
    area = rng.uniform(0.75, 0.95)
    scale = np.sqrt(area)
    width, height = image.size
    w, h = round(width * scale), round(height * scale)
    left, top = (width - w) // 2, (height - h) // 2
    return jpeg(image.crop((left, top, left + w, top + h)), 90)


def t_crop_offcentre(image: Image.Image, rng: random.Random) -> Image.Image:
    area = rng.uniform(0.75, 0.95)
    stretch = rng.uniform(0.85, 1.18)
    fw = min(1.0, np.sqrt(area * stretch))
    fh = min(1.0, area / fw)
    width, height = image.size
    w, h = max(8, round(width * fw)), max(8, round(height * fh))
    left = rng.randint(0, width - w)
    top = rng.randint(0, height - h)
    return jpeg(image.crop((left, top, left + w, top + h)), 90)


CAPTIONS = (
    "Demonstrators gather outside parliament on Tuesday. PHOTO: J. Doe / Agency",
    "The mayor speaks to reporters after the vote — Staff photographer",
    "Flooded streets in the old town on Monday morning (AFX/Pool)",
)


def t_caption(image: Image.Image, rng: random.Random) -> Image.Image:
    """A burned-in caption strip below the picture, 8-20 % of the height."""
    width, height = image.size
    strip = max(8, round(height * rng.uniform(0.08, 0.20)))
    white = rng.random() < 0.5
    out = Image.new("RGB", (width, height + strip), (255, 255, 255) if white else (0, 0, 0))
    out.paste(image.convert("RGB"), (0, 0))
    draw = ImageDraw.Draw(out)
    lines = rng.choice([1, 2])
    size = max(6, int(strip * 0.6 / lines))
    text_font = font(size)
    text = rng.choice(CAPTIONS)
    for line in range(lines):
        draw.text(
            (max(2, width // 40), height + strip * 0.15 + line * size * 1.2),
            text if line == 0 else "© Agency 2024 — all rights reserved",
            fill=(0, 0, 0) if white else (255, 255, 255),
            font=text_font,
        )
    return jpeg(out, 88)


def t_border(image: Image.Image, rng: random.Random) -> Image.Image:
    width = max(2, round(min(image.size) * rng.uniform(0.02, 0.08)))
    colour = rng.choice([(255, 255, 255), (0, 0, 0), (128, 128, 128), (40, 40, 40)])
    return jpeg(ImageOps.expand(image.convert("RGB"), width, fill=colour), 90)


TRANSFORMS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "resize": t_resize,
    "recompress": t_recompress,
    "format": t_format,
    "tone": t_tone,
    "grey": t_grey,
    "watermark": t_watermark,
    "metadata": t_metadata,
    "exif-rotation": t_exif_rotation,
    "rotate (pixels)": t_rotate,
    "mirror": t_mirror,
    "crop-band": t_crop_band,
    "crop-centre": t_crop_centre,
    "crop-offcentre": t_crop_offcentre,
    "caption": t_caption,
    "border": t_border,
}


# --------------------------------------------------------------------------- edits from the web
#
# Copies that came back from the web (issue 16). Those that sit in a page template, under
# an overlay or in a frame use one of a few fixed designs, so many different photos share
# each design: the hard negatives of this part. Collages hold the photo and 1-3 others.

#: How many designs of each shared kind exist; photos are spread over them.
DESIGNS = 3


def t_turn(image: Image.Image, rng: random.Random) -> Image.Image:
    """Turned by 1-10° either way and trimmed to the largest upright frame of its shape."""
    angle = rng.uniform(1.0, 10.0) * rng.choice([-1, 1])
    width, height = image.size
    turned = image.convert("RGB").rotate(angle, Image.Resampling.BICUBIC, expand=False)
    theta = np.radians(abs(angle))
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    scale = min(width / (width * cos + height * sin), height / (width * sin + height * cos))
    w, h = round(width * scale) - 2, round(height * scale) - 2
    left, top = (width - w) // 2, (height - h) // 2
    return jpeg(turned.crop((left, top, left + w, top + h)), 90)


def _crop_area(image: Image.Image, rng: random.Random, low: float, high: float) -> Image.Image:
    area = rng.uniform(low, high)
    stretch = rng.uniform(0.85, 1.18)
    fw = min(1.0, float(np.sqrt(area * stretch)))
    fh = min(1.0, area / fw)
    width, height = image.size
    w, h = max(8, round(width * fw)), max(8, round(height * fh))
    return jpeg(
        image.crop(
            (
                left := rng.randint(0, width - w),
                top := rng.randint(0, height - h),
                left + w,
                top + h,
            )
        ),
        90,
    )


def t_crop_70(image: Image.Image, rng: random.Random) -> Image.Image:
    """66-74 % of the area kept, anywhere, aspect ratio changed by ×0.85-1.18."""
    return _crop_area(image, rng, 0.66, 0.74)


def t_crop_50(image: Image.Image, rng: random.Random) -> Image.Image:
    """48-55 % of the area kept (about 70 % × 70 %), anywhere."""
    return _crop_area(image, rng, 0.48, 0.55)


def t_low_quality(image: Image.Image, rng: random.Random) -> Image.Image:
    return encode(image.convert("RGB"), "JPEG", quality=rng.randint(10, 15))


def t_sepia(image: Image.Image, rng: random.Random) -> Image.Image:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    toned = np.clip(rgb @ matrix.T, 0, 255).astype(np.uint8)
    return jpeg(Image.fromarray(toned), 88)


def t_vignette(image: Image.Image, rng: random.Random) -> Image.Image:
    """Corners darkened by 45-75 %, with a warm or cool cast."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    height, width = rgb.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    radius = np.hypot((xx - width / 2) / (width / 2), (yy - height / 2) / (height / 2)) / np.sqrt(2)
    strength = rng.uniform(0.45, 0.75)
    falloff = 1 - strength * np.clip(radius, 0, 1) ** 2
    cast = np.array(rng.choice([(1.08, 1.0, 0.88), (0.9, 1.0, 1.1)]))
    graded = np.clip(rgb * falloff[..., None] * cast, 0, 255).astype(np.uint8)
    return jpeg(Image.fromarray(graded), 88)


_PAGE_WORDS = [
    "the",
    "council",
    "said",
    "on",
    "tuesday",
    "that",
    "the",
    "new",
    "plan",
    "would",
    "be",
    "put",
    "to",
    "a",
    "vote",
    "next",
    "month",
    "after",
    "residents",
    "raised",
    "concerns",
    "about",
    "traffic",
    "noise",
    "and",
    "the",
    "cost",
    "of",
    "the",
    "works",
    "which",
    "officials",
    "estimate",
    "at",
    "several",
    "million",
    "over",
    "three",
    "years",
    "while",
    "opposition",
    "members",
    "called",
    "for",
    "an",
    "independent",
    "review",
    "of",
    "the",
    "figures",
    "before",
    "any",
    "contract",
    "is",
    "signed",
]


def _text_lines(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    rng: random.Random,
    size: int,
    colour: tuple[int, int, int],
) -> None:
    """Body text filling a box, line after line, as a page shows it."""
    left, top, right, bottom = box
    text_font = font(size)
    y = top
    while y + size < bottom:
        words: list[str] = []
        while True:
            words.append(rng.choice(_PAGE_WORDS))
            if draw.textlength(" ".join(words), font=text_font) > right - left:
                words.pop()
                break
        draw.text((left, y), " ".join(words), fill=colour, font=text_font)
        y += round(size * 1.5)


def _page_design(index: int) -> dict[str, object]:
    """One of DESIGNS fixed page templates: colours, site name, layout."""
    return [
        {
            "background": (255, 255, 255),
            "text": (30, 30, 30),
            "bar": (180, 20, 30),
            "site": "THE DAILY NEWS",
            "layout": "column",
        },
        {
            "background": (246, 244, 238),
            "text": (50, 50, 60),
            "bar": (20, 40, 90),
            "site": "Metro Today",
            "layout": "sidebar",
        },
        {
            "background": (24, 25, 28),
            "text": (220, 220, 220),
            "bar": (40, 42, 48),
            "site": "feed.social",
            "layout": "post",
        },
    ][index % DESIGNS]


def page_screenshot(image: Image.Image, design_index: int, rng: random.Random) -> Image.Image:
    """The photo in a generated web page: site bar, headline, body text and caption around it.

    The page layout (colours, bar, where the text goes) is the design's; the words are
    drawn at random, as on different articles of one site. The photo fills 45-70 % of
    the page width, and the screenshot is saved as a JPEG of 1280 px wide.
    """
    design = _page_design(design_index)
    page_w = 1280
    background = design["background"]
    text_colour = design["text"]
    assert isinstance(background, tuple) and isinstance(text_colour, tuple)
    share = rng.uniform(0.45, 0.70)
    photo_w = round(page_w * share)
    photo_h = max(8, round(photo_w * image.height / image.width))
    photo = image.convert("RGB").resize((photo_w, photo_h), Image.Resampling.LANCZOS)
    bar_h, headline_h = 64, 90
    page_h = bar_h + headline_h + photo_h + 40 + 220
    page = Image.new("RGB", (page_w, page_h), background)
    draw = ImageDraw.Draw(page)
    bar = design["bar"]
    assert isinstance(bar, tuple)
    draw.rectangle((0, 0, page_w, bar_h), fill=bar)
    draw.text((40, 14), str(design["site"]), fill=(255, 255, 255), font=font(34))
    for i, label in enumerate(("World", "Politics", "Business", "Sport", "Culture")):
        draw.text((520 + 130 * i, 22), label, fill=(230, 230, 230), font=font(20))
    words = " ".join(rng.choice(_PAGE_WORDS) for _ in range(7)).capitalize()
    draw.text((40, bar_h + 20), words, fill=text_colour, font=font(40))
    top = bar_h + headline_h
    layout = design["layout"]
    if layout == "sidebar":
        left = page_w - 40 - photo_w
        _text_lines(draw, (40, top, left - 30, top + photo_h), rng, 18, text_colour)
    else:
        left = 40 if layout == "column" else (page_w - photo_w) // 2
        if layout == "column":
            _text_lines(
                draw, (left + photo_w + 30, top, page_w - 40, top + photo_h), rng, 18, text_colour
            )
    page.paste(photo, (left, top))
    caption = " ".join(rng.choice(_PAGE_WORDS) for _ in range(9)).capitalize() + ". Photo: Agency"
    draw.text((left, top + photo_h + 8), caption, fill=text_colour, font=font(16))
    _text_lines(draw, (40, top + photo_h + 40, page_w - 40, page_h - 10), rng, 18, text_colour)
    return jpeg(page, 85)


_MEMES = (
    ("WHEN THE MEETING", "COULD HAVE BEEN AN EMAIL"),
    ("NOBODY:", "ABSOLUTELY NOBODY:"),
    ("ONE DOES NOT SIMPLY", "READ THE WHOLE ARTICLE"),
)


def meme(image: Image.Image, design_index: int) -> Image.Image:
    """Meme text top and bottom, in one of DESIGNS fixed styles with fixed words.

    0: opaque white boxes across the full width with black text (14 % of the height
    each); 1: white outlined capitals straight on the picture; 2: translucent black
    boxes 80 % wide with white text.
    """
    out = image.convert("RGB")
    width, height = out.size
    top_text, bottom_text = _MEMES[design_index % DESIGNS]
    style = design_index % DESIGNS
    band = round(height * 0.14)
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(8, round(band * 0.55))
    text_font = font(size)
    for text, y0 in ((top_text, 0), (bottom_text, height - band)):
        length = draw.textlength(text, font=text_font)
        if length > width * 0.92:
            text_font = font(max(6, round(size * width * 0.92 / length)))
            length = draw.textlength(text, font=text_font)
        x = (width - length) / 2
        if style == 0:
            draw.rectangle((0, y0, width, y0 + band), fill=(255, 255, 255, 255))
            draw.text((x, y0 + band * 0.2), text, fill=(0, 0, 0, 255), font=text_font)
        elif style == 1:
            draw.text(
                (x, y0 + band * 0.2),
                text,
                fill=(255, 255, 255, 255),
                font=text_font,
                stroke_width=max(1, size // 12),
                stroke_fill=(0, 0, 0, 255),
            )
        else:
            # Inset 4 px top and bottom; a band that thin (a tiny picture) is filled whole.
            inset = 4 if band >= 8 else 0
            draw.rectangle(
                (round(width * 0.1), y0 + inset, round(width * 0.9), y0 + band - inset),
                fill=(0, 0, 0, 190),
            )
            draw.text((x, y0 + band * 0.2), text, fill=(255, 255, 255, 255), font=text_font)
    return jpeg(Image.alpha_composite(out.convert("RGBA"), layer).convert("RGB"), 88)


def framed(image: Image.Image, design_index: int) -> Image.Image:
    """A branded frame, one of DESIGNS: a wide coloured border with a name in the bottom one."""
    colour, name = (
        ((200, 30, 40), "NEWS 24 | LIVE"),
        ((245, 245, 245), "photo of the day"),
        ((30, 60, 120), "CITY PAPER"),
    )[design_index % DESIGNS]
    out = image.convert("RGB")
    side = round(min(out.size) * 0.08)
    bottom = round(min(out.size) * 0.18)
    canvas = Image.new("RGB", (out.width + 2 * side, out.height + side + bottom), colour)
    canvas.paste(out, (side, side))
    draw = ImageDraw.Draw(canvas)
    ink = (0, 0, 0) if sum(colour) > 500 else (255, 255, 255)
    draw.rectangle(
        (side - 3, side - 3, side + out.width + 2, side + out.height + 2), outline=ink, width=2
    )
    draw.text((side, side + out.height + bottom * 0.25), name, fill=ink, font=font(bottom // 2))
    return jpeg(canvas, 88)


def collage(images: list[Image.Image], rng: random.Random, gutter: int = 8) -> Image.Image:
    """2-4 photos: side by side, in a row of three, or two rows of two, with white gutters
    (or none: ``gutter=0``)."""
    count = len(images)
    rows = [images] if count <= 3 else [images[:2], images[2:]]
    height = 480
    strips: list[Image.Image] = []
    for row in rows:
        scaled = [
            im.convert("RGB").resize(
                (max(8, round(im.width * height / im.height)), height), Image.Resampling.LANCZOS
            )
            for im in row
        ]
        strip = Image.new(
            "RGB", (sum(s.width for s in scaled) + gutter * (len(scaled) - 1), height), "white"
        )
        x = 0
        for s in scaled:
            strip.paste(s, (x, 0))
            x += s.width + gutter
        strips.append(strip)
    width = max(s.width for s in strips)
    strips = [
        s.resize((width, max(8, round(s.height * width / s.width))), Image.Resampling.LANCZOS)
        for s in strips
    ]
    out = Image.new(
        "RGB", (width, sum(s.height for s in strips) + gutter * (len(strips) - 1)), "white"
    )
    y = 0
    for s in strips:
        out.paste(s, (0, y))
        y += s.height + gutter
    return jpeg(out, 88)


WEB_TRANSFORMS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "turn 1-10° (trimmed)": t_turn,
    "crop to 70 %": t_crop_70,
    "crop to 50 %": t_crop_50,
    "JPEG q10-15": t_low_quality,
    "sepia": t_sepia,
    "vignette": t_vignette,
}

#: Rows for the edits made in build_set (they need a design or other photos).
SHARED_KINDS = ("web-page screenshot", "meme text", "branded frame")
COLLAGE_KIND = "collage (each photo)"
#: Every other collage is made without gutters, photos edge to edge (no target in issue 16).
SEAMLESS_KIND = "collage, no gutters (each photo)"

#: Recall targets of issue 16.
WEB_TARGETS: dict[str, float] = {
    "turn 1-10° (trimmed)": 0.90,
    "crop to 70 %": 0.90,
    "crop to 50 %": 0.80,
    "JPEG q10-15": 0.90,
    "sepia": 0.90,
    "vignette": 0.90,
    "web-page screenshot": 0.90,
    "meme text": 0.80,
    "branded frame": 0.90,
    COLLAGE_KIND: 0.80,
}


# --------------------------------------------------------------------------- distractors


def low_detail_distractors(rng: np.random.Generator) -> list[tuple[str, Image.Image]]:
    """Frames that carry almost nothing: they must not match each other or anything."""
    frames: list[tuple[str, Image.Image]] = []
    for index, (w, h) in enumerate([(1920, 1080), (1280, 720), (800, 600)]):
        frames.append((f"black-{index}", Image.new("RGB", (w, h), (0, 0, 0))))
        noisy = np.clip(rng.normal(4 + 2 * index, 2.5, (h, w)), 0, 255).astype(np.uint8)
        frames.append((f"near-black-{index}", jpeg(Image.fromarray(noisy).convert("RGB"), 85)))
    for level in (64, 128, 200):
        flat = np.clip(rng.normal(level, 1.5, (600, 900)), 0, 255).astype(np.uint8)
        frames.append((f"grey-{level}", jpeg(Image.fromarray(flat).convert("RGB"), 85)))
    for index in range(3):
        frames.append((f"colour-bars-{index}", colour_bars(index)))
    for index in range(5):
        frames.append((f"night-{index}", night_shot(rng, index)))
    return frames


def colour_bars(variant: int) -> Image.Image:
    width, height = 1280, 720
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    level = (192, 255, 180)[variant]
    colours = [
        (level, level, level),
        (level, level, 0),
        (0, level, level),
        (0, level, 0),
        (level, 0, level),
        (level, 0, 0),
        (0, 0, level),
    ]
    if variant == 1:
        colours = colours[::-1]
    bar = width / len(colours)
    split = int(height * (0.67, 0.75, 0.8)[variant])
    for index, colour in enumerate(colours):
        draw.rectangle((round(index * bar), 0, round((index + 1) * bar), split), fill=colour)
        draw.rectangle(
            (round(index * bar), split, round((index + 1) * bar), split + height // 12),
            fill=colours[-1 - index],
        )
    draw.rectangle((0, split + height // 12, width, height), fill=(16, 16, 24 + 20 * variant))
    if variant == 2:
        draw.text((width * 0.4, height * 0.3), "CH 2", fill=(0, 0, 0), font=font(60))
    return jpeg(image, 90)


def night_shot(rng: np.random.Generator, index: int) -> Image.Image:
    height, width = 800, 1200
    base = rng.normal(10 + 3 * index, 5, (height, width))
    yy, xx = np.mgrid[0:height, 0:width]
    for _ in range(int(rng.integers(1, 5))):
        cy, cx = rng.integers(0, height), rng.integers(0, width)
        radius = rng.uniform(6, 20)
        base += rng.uniform(30, 80) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
    grey = np.clip(base, 0, 255).astype(np.uint8)
    rgb = np.stack([grey, grey, np.clip(grey.astype(np.int16) + 4, 0, 255).astype(np.uint8)], -1)
    return jpeg(Image.fromarray(rgb), 85)


# --------------------------------------------------------------------------- building the set


def build_set(
    corpora: Path, limit: int | None, seed: int, web: bool = True
) -> tuple[Collector, dict[str, int]]:
    rng = random.Random(seed)
    # The web edits draw from their own generator, so the earlier edits stay the same
    # images whether they are made or not.
    web_rng = random.Random(seed + 16)
    pool: list[tuple[str, Image.Image]] = []
    collector = Collector()
    skipped: dict[str, int] = defaultdict(int)
    originals = find_originals(corpora)
    if limit:
        chosen = list(originals)
        random.Random(seed).shuffle(chosen)
        keep = set(chosen[:limit])
        originals = [p for p in originals if p in keep]
    copies: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for original, rows in CORPUS_COPIES:
        copies[original].extend(rows)
    for path in originals:
        relative = path.relative_to(corpora).as_posix()
        try:
            image = load(path)
        except Exception:
            skipped["original does not decode"] += 1
            continue
        group = relative
        if similarity.is_low_detail(image):
            # Flat, black or featureless: by design never confirmed as a copy, so it
            # serves as a distractor instead of an original with derivatives.
            collector.add(relative, group, "low-detail distractor", image)
            skipped["low-detail originals used as distractors"] += 1
            continue
        collector.add(relative, group, "original", image)
        for kind, transform in TRANSFORMS.items():
            collector.add(f"{relative}#{kind}", group, kind, transform(image, rng))
        for copy, label in copies.get(relative, ()):
            try:
                collector.add(copy, group, label, load(corpora / copy))
            except Exception:
                skipped["corpus copy does not decode"] += 1
        if web:
            add_web_edits(collector, relative, image, web_rng, len(pool), pool)
            small = image.copy()
            small.thumbnail((800, 800), Image.Resampling.LANCZOS)
            pool.append((relative, small))
            del pool[:-6]
    for name, image in low_detail_distractors(np.random.default_rng(seed)):
        collector.add(f"synthetic/{name}", f"synthetic/{name}", "low-detail distractor", image)
    return collector, dict(skipped)


def add_web_edits(
    collector: Collector,
    relative: str,
    image: Image.Image,
    rng: random.Random,
    counter: int,
    pool: list[tuple[str, Image.Image]],
) -> None:
    """The issue-16 edits of one original; ``pool`` holds a few earlier originals."""
    for kind, transform in WEB_TRANSFORMS.items():
        collector.add(f"{relative}#{kind}", relative, kind, transform(image, rng))
    design = counter % DESIGNS
    collector.add(
        f"{relative}#page{design}",
        relative,
        "web-page screenshot",
        page_screenshot(image, design, rng),
        shared=f"page template {design}",
    )
    collector.add(
        f"{relative}#meme{design}",
        relative,
        "meme text",
        meme(image, design),
        shared=f"meme overlay {design}",
    )
    collector.add(
        f"{relative}#frame{design}",
        relative,
        "branded frame",
        framed(image, design),
        shared=f"frame {design}",
    )
    if pool:
        others = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        members = [image, *(im for _, im in others)]
        order = list(range(len(members)))
        rng.shuffle(order)
        seamless = zlib.crc32(relative.encode()) % 2 == 1
        collector.add(
            f"{relative}#collage",
            relative,
            SEAMLESS_KIND if seamless else COLLAGE_KIND,
            collage([members[i] for i in order], rng, gutter=0 if seamless else 8),
            contains=tuple(name for name, _ in others),
        )


# --------------------------------------------------------------------------- running


def pair_key(i: int, j: int, count: int) -> int:
    return min(i, j) * count + max(i, j)


def close_pairs(query: np.ndarray, stored: np.ndarray, radius: int) -> np.ndarray:
    """Unordered pair keys (i*n+j, i<j) whose Hamming distance is within radius."""
    count = len(query)
    found: list[np.ndarray] = []
    for start in range(0, count, 256):
        block = query[start : start + 256]
        # popcount64 counts the two's-complement bits; np.bitwise_count of a signed
        # value counts those of its absolute value, so a pair whose top bit differs was
        # scored as tens of bits apart (and some far pairs as close).
        distance = popcount64(block[:, None] ^ stored[None, :])
        rows, cols = np.nonzero(distance <= radius)
        rows = rows + start
        mask = rows != cols
        rows, cols = rows[mask], cols[mask]
        found.append(np.minimum(rows, cols) * count + np.maximum(rows, cols))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def rule_hits(
    query: np.ndarray, stored: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) of every item i whose query value is within radius of item j's
    stored one."""
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, len(query), 256):
        distance = popcount64(query[start : start + 256, None] ^ stored[None, :])
        rows, cols = np.nonzero(distance <= radius)
        near = distance[rows, cols]
        rows = rows + start
        other = rows != cols
        found.append((rows[other], cols[other], near[other]))
    empty = np.zeros(0, dtype=np.int64)
    return (
        np.concatenate([empty, *(i for i, _, _ in found)]).astype(np.int64),
        np.concatenate([empty, *(j for _, j, _ in found)]).astype(np.int64),
        np.concatenate([empty, *(d for _, _, d in found)]).astype(np.int64),
    )


def kept_by_discount(
    query: np.ndarray,
    stored: np.ndarray,
    rule: np.ndarray,
    distance: np.ndarray,
    count: int,
    same: dict[int, bool],
) -> tuple[np.ndarray, int]:
    """The pair keys `pairs.match_all` would verify (``same`` holding each pair's
    verdict), and in how many rounds."""
    values = common_values.CommonValues(query, stored, rule, distance, count)
    low, high = values.pair_ids()
    keys = low * count + high
    verified = np.array([same[key] for key in keys.tolist()], dtype=np.bool_)
    decided = np.zeros(len(keys), dtype=np.bool_)
    rounds = 0
    while rounds < pairs.DISCOUNT_ROUNDS:
        wanted = values.supported() & ~decided
        if not wanted.any():
            break
        rounds += 1
        decided |= wanted
        values.join(low[wanted & verified].tolist(), high[wanted & verified].tolist())
    return keys[decided], rounds


def evaluate(collector: Collector, dump: Path | None = None) -> dict[str, Any]:
    items = collector.items
    count = len(items)
    signal_seconds = collector.seconds
    signals = [item.signals for item in items]
    prints = [item.fingerprint for item in items]
    local = [item.features for item in items]
    names = sorted(signals[0])
    table = {name: np.array([s[name] for s in signals], dtype=np.int64) for name in names}

    # photodesk: candidates from the rules, then verification (of every candidate, so
    # that the common-value discount can be scored against no discount in one run)
    hits = [rule_hits(table[q], table[s], r) for q, s, r in similarity.CANDIDATE_RULES]
    query = np.concatenate([i for i, _, _ in hits])
    stored = np.concatenate([j for _, j, _ in hits])
    distance = np.concatenate([d for _, _, d in hits])
    rule = np.concatenate([np.full(len(i), p, dtype=np.int64) for p, (i, _, _) in enumerate(hits)])
    keys = np.minimum(query, stored) * count + np.maximum(query, stored)
    candidate_keys = np.unique(keys)
    started = time.process_time()
    reported: set[int] = set()
    outcomes: list[tuple[int, verification.Verification]] = []
    for key in candidate_keys.tolist():
        i, j = divmod(key, count)
        outcome = verification.verify(prints[i], prints[j], local[i], local[j])
        outcomes.append((key, outcome))
        if outcome.same:
            reported.add(key)
    verify_seconds = time.process_time() - started
    # The pairs the full pass verifies, in its rounds, given these verdicts.
    started = time.process_time()
    verdicts = {key: outcome.same for key, outcome in outcomes}
    kept_keys, discount_rounds = kept_by_discount(query, stored, rule, distance, count, verdicts)
    discount_seconds = time.process_time() - started
    # Composites: each region is looked up like a photo, both ways round; a verified
    # region makes a "contains" pair, which counts for recall and precision but is
    # never a link the group builder joins on.
    started = time.process_time()
    contained = contains_pairs(items, table)
    contains_seconds = time.process_time() - started
    reported |= contained
    if dump is not None:
        with dump.open("w") as out:
            for key, outcome in outcomes:
                i, j = divmod(key, count)
                label = "same" if items[i].group == items[j].group else "different"
                out.write(
                    f"{label}\t{outcome.same}\t{outcome.score}\t{outcome.method}\t"
                    f"{items[i].name}\t{items[j].name}\t{outcome.detail}\n"
                )

    # baseline: plain imagehash pHash of each image as loaded, within 10 bits
    plain = np.array([item.plain_phash for item in items], dtype=np.int64)
    baseline = set(close_pairs(plain, plain, BASELINE_RADIUS).tolist())

    cluster = {item.group: item.group for item in items}
    for a, b in RELATED:
        cluster[b] = cluster.get(a, a)

    def shows(x: Item, y: Item) -> bool:
        """A collage and a photo it shows (or two collages showing one photo)."""
        return bool({x.group, *x.contains} & {y.group, *y.contains}) and bool(
            x.contains or y.contains
        )

    def shows_twin(x: Item, y: Item) -> bool:
        """A collage and the HDR twin of a photo it shows: neither right nor wrong."""
        return bool(
            {cluster.get(g, g) for g in (x.group, *x.contains)}
            & {cluster.get(g, g) for g in (y.group, *y.contains)}
        ) and bool(x.contains or y.contains)

    def distance_of(key: int) -> int:
        i, j = divmod(key, count)
        return min(
            similarity.hamming(signals[a][q], signals[b][s])
            for q, s, _ in similarity.CANDIDATE_RULES
            for a, b in ((i, j), (j, i))
        )

    def judge(keys: set[int]) -> dict[str, object]:
        right = wrong = ignored = contained = 0
        mistakes: list[str] = []
        for key in keys:
            i, j = divmod(key, count)
            if items[i].group == items[j].group:
                right += 1
            elif shows(items[i], items[j]):
                contained += 1
            elif cluster.get(items[i].group) == cluster.get(items[j].group) or shows_twin(
                items[i], items[j]
            ):
                ignored += 1
            else:
                wrong += 1
                mistakes.append(f"{items[i].name}  <>  {items[j].name}")
        precision = right / (right + wrong) if right + wrong else 1.0
        return {
            "pairs": right + wrong,
            "true": right,
            "false": wrong,
            "ignored": ignored,
            "contains": contained,
            "precision": precision,
            "false_pairs": sorted(mistakes)[:25],
        }

    def mixed_groups(parts: list[list[int]]) -> tuple[int, int, list[str], int]:
        """Groups holding two different photos (collages aside: they show several).

        Also counts the items placed with another photo: in each group, those that
        are not of the photo most of its members show.
        """
        mixed: list[str] = []
        misplaced = 0
        for members in parts:
            shown = [cluster[items[m].group] for m in members if not items[m].contains]
            photos = set(shown)
            if len(photos) > 1:
                mixed.append(" + ".join(sorted(photos))[:300])
                misplaced += len(shown) - max(shown.count(photo) for photo in photos)
        return len(parts), len(mixed), mixed[:15], misplaced

    def analyse(candidate_set: set[int], reported: set[int]) -> dict[str, Any]:
        """Recall, precision and groups when these pairs were candidates and verified."""
        index_of = {item.name: index for index, item in enumerate(items)}
        rows: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "photodesk": 0, "phash": 0})
        misses: dict[str, list[str]] = defaultdict(list)
        for index, item in enumerate(items):
            if item.kind in ("original", "low-detail distractor"):
                continue
            # A collage is scored once for each photo it shows.
            for group in (item.group, *item.contains):
                original = index_of[group]
                key = pair_key(original, index, count)
                row = rows[item.kind]
                row["n"] += 1
                row["photodesk"] += key in reported
                row["phash"] += key in baseline
                if key not in reported:
                    if key not in candidate_set and key in candidate_keys_all:
                        why = "left out: supported only by values common across the set"
                    elif key in candidate_set:
                        outcome = verification.verify(prints[original], prints[index])
                        why = f"rejected: {outcome.method} {outcome.score:.3f}; {outcome.detail}"
                    else:
                        why = "no candidate rule within radius"
                    misses[item.kind].append(f"{item.name} vs {group} ({why})")

        # Different photos in one shared page template, overlay or frame: every pair a
        # method reports between them is the failure issue 16 is about.
        by_design: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            if item.shared:
                by_design[item.shared.rsplit(" ", 1)[0]].append(index)
        shared_rows: dict[str, dict[str, int]] = {}
        for design_kind, members in sorted(by_design.items()):
            tally = {"pairs": 0, "photodesk": 0, "phash": 0}
            for a_pos, i in enumerate(members):
                for j in members[a_pos + 1 :]:
                    if items[i].shared != items[j].shared or (
                        cluster[items[i].group] == cluster[items[j].group]
                    ):
                        continue
                    key = pair_key(i, j, count)
                    tally["pairs"] += 1
                    tally["photodesk"] += key in reported
                    tally["phash"] += key in baseline
            shared_rows[design_kind] = tally

        photodesk_parts = components(
            {
                divmod(key, count): Edge("near", distance_of(key), "", None)
                for key in sorted(reported - contained)
            },
            rank=lambda i: (items[i].area, -i),
        )

        def scene(group: str) -> int | None:
            for index, member in enumerate(HARD_NEGATIVES):
                if group.startswith(member) if isinstance(member, str) else group in member:
                    return index
            return None

        hard: dict[str, int] = {"pairs": 0, "photodesk": 0, "phash": 0}
        scenes = [scene(item.group) for item in items]
        for i in range(count):
            if scenes[i] is None:
                continue
            for j in range(i + 1, count):
                if scenes[j] == scenes[i] and items[i].group != items[j].group:
                    key = i * count + j
                    if shows(items[i], items[j]):
                        continue  # a collage showing this very frame beside another
                    hard["pairs"] += 1
                    hard["photodesk"] += key in reported
                    hard["phash"] += key in baseline
        return {
            "candidates": len(candidate_set),
            "hard_negatives": hard,
            "shared_designs": shared_rows,
            "groups": {
                "photodesk": mixed_groups(photodesk_parts),
                "photodesk-transitive": mixed_groups(plain_components(reported - contained, count)),
            },
            "recall": {kind: dict(value) for kind, value in rows.items()},
            "photodesk": judge(reported),
            "misses": {kind: names[:15] for kind, names in misses.items()},
        }

    baseline_parts = plain_components(baseline, count)
    # The pairs the full pass verifies: those some uncommon value or two families support.
    candidate_keys_all = set(candidate_keys.tolist())
    kept = set(kept_keys.tolist())
    discounted = analyse(kept, {key for key in reported if key in kept or key in contained})
    undiscounted = analyse(candidate_keys_all, reported)
    return {
        **discounted,
        "items": count,
        "originals": sum(item.kind == "original" for item in items),
        "low_detail_distractors": sum(item.kind == "low-detail distractor" for item in items),
        "signals_ms_per_image": 1000 * signal_seconds / count,
        "features_ms_per_image": 1000 * collector.feature_seconds / count,
        "verify_ms_per_pair": 1000 * verify_seconds / max(1, len(candidate_keys)),
        "discount_ms": 1000 * discount_seconds,
        "discount_rounds": discount_rounds,
        "composites": sum(1 for item in items if item.regions),
        "composites_plain": sum(1 for item in items if item.regions and not item.contains),
        "composites_not_collages": [
            f"{item.name} ({len(item.regions)} regions)"
            for item in items
            if item.regions and not item.contains
        ][:40],
        "regions_ms_per_image": 1000 * collector.region_seconds / count,
        "contains_ms": 1000 * contains_seconds,
        "phash": judge(baseline),
        "phash_groups": mixed_groups(baseline_parts),
        "without_discount": undiscounted,
    }


def contains_pairs(items: list[Item], table: dict[str, np.ndarray]) -> set[int]:
    """Pair keys (composite, photo) where a region of the composite verifies as the photo."""
    count = len(items)
    found: set[int] = set()
    for index, item in enumerate(items):
        for region in item.regions:
            hits = np.zeros(count, dtype=bool)
            for query, stored, radius in similarity.CANDIDATE_RULES:
                # The region as the query, and the region as the stored side.
                hits |= popcount64(table[stored] ^ np.int64(region.signals[query])) <= radius
                hits |= popcount64(table[query] ^ np.int64(region.signals[stored])) <= radius
            hits[index] = False
            for other in np.nonzero(hits)[0].tolist():
                key = pair_key(index, other, count)
                if key in found:
                    continue
                if verification.verify(region.fingerprint, items[other].fingerprint).same:
                    found.add(key)
    return found


def plain_components(keys: set[int], count: int) -> list[list[int]]:
    """Connected components of the reported pairs, as a plain transitive grouping makes them."""
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for key in keys:
        i, j = divmod(key, count)
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(count):
        groups[find(index)].append(index)
    return [members for members in groups.values() if len(members) > 1]


def render(result: dict[str, object], skipped: dict[str, int], command: str) -> str:
    lines = [
        f"command: {command}",
        f"items: {result['items']} ({result['originals']} originals, their derivatives and"
        f" the corpora's copies, {result['low_detail_distractors']} low-detail"
        " distractors)",
        f"photodesk candidates: {result['candidates']}; CPU time: signals+fingerprint"
        f" {result['signals_ms_per_image']:.1f} ms/image (originals up to {MAX_SIDE} px),"
        f" local features {result['features_ms_per_image']:.1f} ms/image,"
        f" verify {result['verify_ms_per_pair']:.2f} ms/pair",
        f"composites found: {result['composites']} ({result['composites_plain']} of them not"
        f" made as collages); CPU time: cutting and region signals"
        f" {result['regions_ms_per_image']:.1f} ms/image (all items), region look-ups"
        f" {result['contains_ms']:.0f} ms in all",
    ]
    if skipped:
        lines.append("left out: " + ", ".join(f"{k}: {v}" for k, v in skipped.items()))
    lines.append("")
    header = f"| {'transformation':<38} | {'n':>4} | {'photodesk':>9} | {'pHash<=10':>9} | target |"
    lines += [header, "|" + "|".join("-" * (len(p) + 0) for p in header.split("|")[1:-1]) + "|"]
    recall = result["recall"]
    assert isinstance(recall, dict)
    known = [*TRANSFORMS, *WEB_TRANSFORMS, *SHARED_KINDS, COLLAGE_KIND, SEAMLESS_KIND]
    order = known + sorted(k for k in recall if k not in known)
    for kind in order:
        if kind not in recall:
            continue
        row = recall[kind]
        n = row["n"]
        target = TARGETS.get(kind, WEB_TARGETS.get(kind))
        mark = ""
        if target is not None:
            mark = f"{target:.2f}" + (" ok" if row["photodesk"] / n >= target else " MISS")
        lines.append(
            f"| {kind:<38} | {n:>4} | {row['photodesk'] / n:>9.3f} | {row['phash'] / n:>9.3f} |"
            f" {mark:<6} |"
        )
    lines.append("")
    for method in ("photodesk", "phash"):
        judged = result[method]
        assert isinstance(judged, dict)
        label = "photodesk" if method == "photodesk" else f"pHash<={BASELINE_RADIUS}"
        lines.append(
            f"{label:<11} pair precision {judged['precision']:.4f}"
            f" ({judged['true']} true, {judged['false']} false of {judged['pairs']} pairs;"
            f" {judged['ignored']} HDR-twin pairs (collages showing a twin included) not counted;"
            f" {judged['contains']} collage-photo pairs counted apart)"
        )
    hard = result["hard_negatives"]
    assert isinstance(hard, dict)
    lines.append(
        f"hard negatives (different frames of one scene: imagehash-php office, pdq desk,"
        f" coaster; with their derivatives): {hard['pairs']} pairs; reported by photodesk"
        f" {hard['photodesk']}, by pHash<={BASELINE_RADIUS} {hard['phash']}"
    )
    shared = result["shared_designs"]
    assert isinstance(shared, dict)
    for design, tally in shared.items():
        lines.append(
            f"different photos in one {design} (same design, different photo): {tally['pairs']}"
            f" pairs; reported by photodesk {tally['photodesk']},"
            f" by pHash<={BASELINE_RADIUS} {tally['phash']}"
        )
    groups = result["groups"]
    assert isinstance(groups, dict)
    for method, (total, mixed, _, misplaced) in [
        *groups.items(),
        ("phash", result["phash_groups"]),
    ]:
        label = f"pHash<={BASELINE_RADIUS}" if method == "phash" else "photodesk"
        grouping = "group builder" if method == "photodesk" else "plain transitive"
        lines.append(
            f"{label:<11} groups ({grouping}): {total}; holding two different photos: {mixed}"
            f" ({misplaced} items grouped with another photo)"
        )
    lines += ["", *render_discount(result)]
    return "\n".join(lines)


def render_discount(result: dict[str, Any]) -> list[str]:
    """What the common-value discount changed: the same run's verdicts, all candidates
    verified against only those the discount keeps."""
    before = result["without_discount"]
    lines = [
        f"common-value discount: candidates {before['candidates']} -> {result['candidates']}"
        f" ({result['discount_rounds']} rounds, {result['discount_ms']:.0f} ms CPU to decide);"
        f" pair precision {before['photodesk']['precision']:.4f} ->"
        f" {result['photodesk']['precision']:.4f} (true {before['photodesk']['true']} ->"
        f" {result['photodesk']['true']}, false {before['photodesk']['false']} ->"
        f" {result['photodesk']['false']}); groups holding two different photos"
        f" {before['groups']['photodesk'][1]} -> {result['groups']['photodesk'][1]}"
    ]
    for kind, row in before["recall"].items():
        after = result["recall"][kind]["photodesk"]
        if after != row["photodesk"]:
            lines.append(
                f"  recall {kind}: {row['photodesk'] / row['n']:.3f} -> {after / row['n']:.3f}"
                f" ({row['photodesk'] - after} of {row['n']} lost)"
            )
    for design, tally in before["shared_designs"].items():
        lines.append(
            f"  different photos in one {design}: reported {tally['photodesk']} ->"
            f" {result['shared_designs'][design]['photodesk']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--limit", type=int, default=None, help="at most this many originals")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--verbose", action="store_true", help="list misses and false pairs")
    parser.add_argument("--dump", type=Path, help="write every verified candidate pair here (TSV)")
    args = parser.parse_args(argv)
    if not (args.corpora / "exif-samples").is_dir() or not (args.corpora / "near-dup").is_dir():
        print(
            f"skipped: corpora folder {args.corpora} not found (needs exif-samples/ and near-dup/)"
        )
        return 0
    collector, skipped = build_set(args.corpora, args.limit, args.seed)
    result = evaluate(collector, args.dump)
    result["left_out"] = skipped
    command = "benchmarks/dupes_quality.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result, skipped, command.strip()))
        if args.verbose:
            print("\nmisses:")
            for kind, names in result["misses"].items():  # type: ignore[union-attr]
                for name in names:
                    print(f"  {kind}: {name}")
            print("\ncut into regions, though not made as a collage:")
            for name in result["composites_not_collages"]:  # type: ignore[union-attr]
                print("  " + name)
            for method in ("photodesk", "phash"):
                print(f"\nfalse pairs ({method}):")
                for pair in result[method]["false_pairs"]:  # type: ignore[index]
                    print("  " + pair)
                print(f"\nmixed groups ({method}):")
                for line in result["groups"][method][2]:  # type: ignore[index]
                    print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
