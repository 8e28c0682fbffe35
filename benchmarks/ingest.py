"""Ingest speed: photodesk's pipeline against the plain way, on the same files in one run.

The plain way opens each photo with Pillow at full size, computes imagehash's
pHash and dHash on it, and makes the thumbnail and the web preview with
Pillow, one file after another. photodesk decodes JPEGs at reduced scale
(draft mode), scales each rendition from the next larger one, and runs in
worker processes (one per core).

The camera set is made from ../shared/corpora/exif-samples: each camera JPEG
is scaled (up or down) to 2, 5, 8 or 12 megapixels and saved at quality 90
with its EXIF kept, so the set has real camera content at realistic sizes.

Usage:
    .venv/bin/python benchmarks/ingest.py [--count 40] [--workers 0] [--folder DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import imagehash
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402
from library.ingest.pipeline import IngestOptions, IngestSession  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "exif-samples"
MEGAPIXELS = (2, 5, 8, 12)


def build_set(folder: Path, count: int) -> list[Path]:
    """Camera JPEGs at 2-12 MP; reused between runs when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.jpg"))
    if len(existing) >= count:
        return existing[:count]
    sources = sorted(
        p
        for p in CORPUS.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg") and p.stat().st_size > 30_000
    )
    if not sources:
        sys.exit(f"no camera JPEGs under {CORPUS}: the benchmark needs ../shared/corpora")
    made: list[Path] = []
    index = 0
    while len(made) < count:
        source = sources[index % len(sources)]
        index += 1
        try:
            with Image.open(source) as image:
                exif = image.info.get("exif")
                image = ImageOps.exif_transpose(image).convert("RGB")
        except Exception:
            continue
        # Later rounds over the sources scale a little differently, so no two files
        # of the set are byte-identical (a copy would be "already present", and cheap).
        round_ = (index - 1) // len(sources)
        target_mp = MEGAPIXELS[len(made) % len(MEGAPIXELS)] * 1_000_000 * (1 + 0.03 * round_)
        scale = (target_mp / (image.width * image.height)) ** 0.5
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.BICUBIC)
        out = folder / f"cam{len(made):03d}-{MEGAPIXELS[len(made) % len(MEGAPIXELS)]}mp.jpg"
        kwargs = {"exif": exif} if exif else {}
        try:
            image.save(out, "JPEG", quality=90, **kwargs)
        except Exception:
            image.save(out, "JPEG", quality=90)
        made.append(out)
    return made


def plain_way(files: list[Path]) -> float:
    """The baseline: full-size decode, hashes and renditions with plain Pillow calls."""
    started = time.perf_counter()
    for path in files:
        plain_one(path)
    return time.perf_counter() - started


def plain_one(path: Path) -> None:
    if True:
        with Image.open(path) as image:
            image.load()
            imagehash.phash(image)
            imagehash.dhash(image)
            preview = image.copy()
            preview.thumbnail((1280, 1280))
            preview.save(os.devnull, "JPEG", quality=85)
            thumb = image.copy()
            thumb.thumbnail((320, 320))
            thumb.save(os.devnull, "JPEG", quality=80)


def photodesk_way(files: list[Path], workers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="photodesk-bench-") as tmp:
        database = init_library(LibraryConfig(Path(tmp) / "library"))
        started = time.perf_counter()
        report = IngestSession(database, IngestOptions(workers=workers)).run(
            [str(p) for p in files]
        )
        seconds = time.perf_counter() - started
        database.dispose()
    if report.failed:
        sys.exit(f"ingest failed on {report.failed}")
    return seconds, report.ingested


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=160, help="photos in the set")
    parser.add_argument("--workers", type=int, default=0, help="0: one per core (the default)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat both and take medians")
    parser.add_argument(
        "--folder",
        type=Path,
        default=Path(tempfile.gettempdir()) / "photodesk-bench-camera",
        help="where the generated camera set is kept between runs",
    )
    args = parser.parse_args()
    files = build_set(args.folder, args.count)
    pixels = [Image.open(p).size for p in files]
    mp = [w * h / 1e6 for w, h in pixels]
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"set: {len(files)} camera JPEGs, {min(mp):.1f}-{max(mp):.1f} MP, {total_mb:.0f} MB")
    print(f"cores: {os.cpu_count()}, workers: {args.workers or os.cpu_count()}")
    ours, plain = [], []
    for _ in range(args.rounds):
        seconds, ingested = photodesk_way(files, args.workers)
        ours.append(seconds)
        plain.append(plain_way(files))
    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    print(f"{'way':<12}{'seconds':>10}{'photos/s':>10}")
    print(f"{'plain':<12}{plain_s:>10.2f}{len(files) / plain_s:>10.1f}")
    print(f"{'photodesk':<12}{ours_s:>10.2f}{len(files) / ours_s:>10.1f}")
    print(
        f"speed-up: {plain_s / ours_s:.1f}x (photodesk ingested {ingested} of {len(files)} files)"
    )
    per_size(files)


def per_size(files: list[Path]) -> None:
    """Per-file CPU of each way by size class, one process each: where the speed comes from."""
    from assets.analysis import analyze_file

    print(f"{'size':<8}{'plain ms':>10}{'photodesk ms (1 core)':>24}{'ratio':>8}")
    for mp in MEGAPIXELS:
        group = [f for f in files if f.name.endswith(f"-{mp}mp.jpg")][:4]
        if not group:
            continue
        analyze_file(str(group[0]))  # warm caches
        started = time.perf_counter()
        for path in group:
            plain_one(path)
        plain = (time.perf_counter() - started) / len(group)
        started = time.perf_counter()
        for path in group:
            analyze_file(str(path))
        ours = (time.perf_counter() - started) / len(group)
        print(f"{mp:>2} MP   {plain * 1000:>10.0f}{ours * 1000:>24.0f}{plain / ours:>8.1f}")
    shutil.rmtree(Path(tempfile.gettempdir()) / "photodesk-bench-unused", ignore_errors=True)


if __name__ == "__main__":
    main()
