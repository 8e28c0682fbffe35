"""Ingest speed: photodesk's pipeline against the plain way, on the same files in one run.

The plain way opens each photo with Pillow at full size, computes imagehash's
pHash and dHash on it, and makes the thumbnail and the web preview with
Pillow, one file after another. photodesk decodes JPEGs at reduced scale
(draft mode), scales each rendition from the next larger one, and runs in
worker processes (one per core).

Two sets, each timed against the plain way in the same run:

* camera: the camera JPEGs of ../shared/corpora/exif-samples, each scaled (up or
  down) to 2, 5, 8 or 12 megapixels and saved at quality 90 with its EXIF kept;
* web: the same photos as a news site's CMS publishes them (what newsrooms
  re-ingest from their own sites): turned upright, converted to sRGB, scaled to
  0.3, 0.6, 1.0, 1.5 or 2.0 megapixels and saved at quality 80, 82 or 85, every
  fourth one progressive, every second one with Huffman tables optimised, half
  with their EXIF (orientation reset), half with an sRGB profile.

Both are deterministic, and later rounds over the sources scale 3 % larger, so no
two files are byte-identical.

Usage:
    .venv/bin/python benchmarks/ingest.py [--set camera|web|both] [--count 160] [--workers 0]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import imagehash
from PIL import Image, ImageCms, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402
from library.ingest.pipeline import IngestOptions, IngestSession  # noqa: E402
from library.text import captions  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "exif-samples"
MEGAPIXELS = (2, 5, 8, 12)
WEB_MEGAPIXELS = (0.3, 0.6, 1.0, 1.5, 2.0)
WEB_QUALITIES = (80, 82, 85)


def camera_sources() -> list[Path]:
    sources = sorted(
        p
        for p in CORPUS.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg") and p.stat().st_size > 30_000
    )
    if not sources:
        sys.exit(f"no camera JPEGs under {CORPUS}: the benchmark needs ../shared/corpora")
    return sources


def build_set(folder: Path, count: int) -> list[Path]:
    """Camera JPEGs at 2-12 MP; reused between runs when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.jpg"))
    if len(existing) >= count:
        return existing[:count]
    sources = camera_sources()
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


def build_web_set(folder: Path, count: int) -> list[Path]:
    """Web-size JPEGs (0.3-2 MP) as a CMS makes them; reused between runs when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("web*.jpg"))
    if len(existing) >= count:
        return existing[:count]
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    sources = camera_sources()
    made: list[Path] = []
    index = 0
    while len(made) < count:
        source = sources[index % len(sources)]
        index += 1
        try:
            with Image.open(source) as image:
                exif = image.getexif()
                profile = image.info.get("icc_profile")
                image = ImageOps.exif_transpose(image).convert("RGB")
        except Exception:
            continue
        if profile:  # a CMS publishes sRGB
            try:
                source_profile = ImageCms.ImageCmsProfile(io.BytesIO(profile))
                image = ImageCms.profileToProfile(image, source_profile, srgb, outputMode="RGB")
            except (ImageCms.PyCMSError, OSError):
                pass
        n = len(made)
        round_ = (index - 1) // len(sources)
        megapixels = WEB_MEGAPIXELS[n % len(WEB_MEGAPIXELS)]
        scale = (megapixels * 1_000_000 * (1 + 0.03 * round_) / (image.width * image.height)) ** 0.5
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
        options: dict[str, object] = {
            "quality": WEB_QUALITIES[n % len(WEB_QUALITIES)],
            "progressive": n % 4 == 1,
            "optimize": n % 2 == 0,
        }
        if n % 2 == 0:
            exif[0x0112] = 1  # the pixels are upright now
            options["exif"] = exif.tobytes()
        if n % 4 < 2:
            options["icc_profile"] = srgb.tobytes()
        out = folder / f"web{n:03d}-{megapixels}mp.jpg"
        try:
            image.save(out, "JPEG", **options)
        except Exception:  # an EXIF block Pillow cannot write back
            options.pop("exif", None)
            image.save(out, "JPEG", **options)
        made.append(out)
    return made


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plain_way(files: list[Path]) -> tuple[float, float]:
    """The baseline: full-size decode, hashes and renditions with plain Pillow calls.

    Returns wall seconds and CPU seconds.
    """
    cpu, started = _cpu_self(), time.perf_counter()
    for path in files:
        plain_one(path)
    return time.perf_counter() - started, _cpu_self() - cpu


def plain_one(path: Path) -> None:
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


def photodesk_way(files: list[Path], workers: int) -> tuple[float, float, int]:
    """A whole ingest into a fresh library: wall seconds, CPU seconds of this process and
    its decoding workers, and how many files were ingested."""
    with tempfile.TemporaryDirectory(prefix="photodesk-bench-") as tmp:
        database = init_library(LibraryConfig(Path(tmp) / "library"))
        cpu, children = _cpu_self(), _cpu_children()
        started = time.perf_counter()
        report = IngestSession(database, IngestOptions(workers=workers)).run(
            [str(p) for p in files]
        )
        seconds = time.perf_counter() - started
        # The pool's processes have ended (and been waited for) when run() returns.
        used = _cpu_self() - cpu + _cpu_children() - children
        database.dispose()
    if report.failed:
        sys.exit(f"ingest failed on {report.failed}")
    return seconds, used, report.ingested


def warm_up(photo: Path) -> None:
    captions.preload()
    with tempfile.TemporaryDirectory(prefix="photodesk-bench-") as tmp:
        database = init_library(LibraryConfig(Path(tmp) / "library"))
        IngestSession(database, IngestOptions(workers=1)).run([str(photo)])
        database.dispose()


SETS = {
    "camera": (build_set, "photodesk-bench-camera", "camera JPEGs", MEGAPIXELS),
    "web": (build_web_set, "photodesk-bench-web", "web-size JPEGs", WEB_MEGAPIXELS),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=(*SETS, "both"), default="both", help="which set(s)")
    parser.add_argument("--count", type=int, default=160, help="photos in each set")
    parser.add_argument("--workers", type=int, default=0, help="0: one per core (the default)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat both and take medians")
    parser.add_argument(
        "--folder",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the generated sets are kept between runs (one subfolder each)",
    )
    args = parser.parse_args()
    names = list(SETS) if args.set == "both" else [args.set]
    print(f"cores: {os.cpu_count()}, workers: {args.workers or os.cpu_count()}")
    for name in names:
        build, subfolder, label, classes = SETS[name]
        run_set(build(args.folder / subfolder, args.count), label, classes, args)


def run_set(files: list[Path], label: str, classes: tuple[float, ...], args: Any) -> None:
    """Both ways on one set, in this run, and the speed-up."""
    pixels = [Image.open(p).size for p in files]
    mp = [w * h / 1e6 for w, h in pixels]
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    print()
    print(f"set: {len(files)} {label}, {min(mp):.1f}-{max(mp):.1f} MP, {total_mb:.0f} MB")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    # Each way runs once on one photo first, so neither pays for its imports in the
    # timed run (scipy for imagehash; the caption parser's patterns, about 0.5 s, which
    # compile on first use, for photodesk): the table is about photos, not process start.
    plain_one(files[0])
    warm_up(files[0])
    ours, ours_cpu, plain, plain_cpu = [], [], [], []
    ingested = 0
    for _ in range(args.rounds):
        seconds, cpu, ingested = photodesk_way(files, args.workers)
        ours.append(seconds)
        ours_cpu.append(cpu)
        seconds, cpu = plain_way(files)
        plain.append(seconds)
        plain_cpu.append(cpu)
    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    ours_c, plain_c = statistics.median(ours_cpu), statistics.median(plain_cpu)
    print(f"{'way':<12}{'seconds':>10}{'photos/s':>10}{'CPU s':>10}")
    print(f"{'plain':<12}{plain_s:>10.2f}{len(files) / plain_s:>10.1f}{plain_c:>10.2f}")
    print(f"{'photodesk':<12}{ours_s:>10.2f}{len(files) / ours_s:>10.1f}{ours_c:>10.2f}")
    print(
        f"speed-up: {plain_s / ours_s:.1f}x "
        f"(photodesk ingested {ingested} of {len(files)} files; "
        f"CPU {plain_c / ours_c:.1f}x less; load average after: {os.getloadavg()[0]:.1f})"
    )
    per_size(files, classes)


def per_size(files: list[Path], classes: tuple[float, ...]) -> None:
    """Per-file CPU of each way by size class, one process each: where the speed comes from."""
    from assets.analysis import analyze_file

    print(f"{'size':<8}{'plain ms':>10}{'photodesk ms (1 core)':>24}{'ratio':>8}")
    for mp in classes:
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
        print(f"{mp:>4} MP {plain * 1000:>10.0f}{ours * 1000:>24.0f}{plain / ours:>8.1f}")
    shutil.rmtree(Path(tempfile.gettempdir()) / "photodesk-bench-unused", ignore_errors=True)


if __name__ == "__main__":
    main()
