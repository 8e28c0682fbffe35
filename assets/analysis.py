"""Everything ingest learns from one file, computed in one pass in a worker process.

The file is read once; the pixels are decoded once, at the reduced scale the
largest rendition needs, and that one decode feeds the renditions and the
perceptual hashes.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets import composites, digests, imaging, metadata, renditions, similarity
from assets import hashes as phashes
from assets.errors import AssetError, DecodeTimeoutError

#: Seconds one file may take before it is given up as too slow to decode.
DEFAULT_TIME_LIMIT = 60.0


@dataclass
class FileDigest:
    """The cheap first look at a file: enough to know whether it is new."""

    path: str
    sha256: str | None
    size: int
    error: str | None = None


@dataclass
class Analysis:
    """The result of analysing one new file; `error` is set when it could not be read."""

    path: str
    sha256: str = ""
    size: int = 0
    error: str | None = None
    content_digest: str = ""
    info: imaging.ImageInfo | None = None
    upright_width: int = 0
    upright_height: int = 0
    metadata: metadata.EmbeddedMetadata | None = None
    hashes: dict[str, int] = field(default_factory=dict)
    hash_version: str = phashes.IMAGEHASH_VERSION
    fingerprint: bytes | None = None
    fingerprint_version: str = ""
    #: Local features for heavy crops and small turns (``assets.features``), or None.
    features: bytes | None = None
    #: The pictures inside a composite (collage, page), each with its own signals.
    regions: list[Any] = field(default_factory=list)
    renditions: list[renditions.Rendition] = field(default_factory=list)
    #: Problems that cost a metadata block or a few rows, never the photo: one line each,
    #: naming the block and the problem ("IPTC: ...", "truncated (displayed as browsers do)").
    warnings: list[str] = field(default_factory=list)


def read_file(path: str) -> bytes:
    """Read a file, turning OS errors into one-line reasons."""
    try:
        # Never open FIFOs, sockets or devices: reading one could block forever.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise AssetError("not a regular file")
        with open(path, "rb") as handle:
            return handle.read()
    except PermissionError:
        raise AssetError("permission denied") from None
    except IsADirectoryError:
        raise AssetError("is a directory") from None
    except OSError as exc:
        raise AssetError(exc.strerror or str(exc)) from None


def digest_file(path: str) -> FileDigest:
    """SHA-256 and size; never raises."""
    try:
        data = read_file(path)
    except AssetError as exc:
        return FileDigest(path, None, 0, str(exc))
    return FileDigest(path, digests.sha256_hex(data), len(data))


def analyze_file(
    path: str,
    max_pixels: int = imaging.DEFAULT_MAX_PIXELS,
    time_limit: float = DEFAULT_TIME_LIMIT,
    data: bytes | None = None,
    render: bool = True,
) -> Analysis:
    """Digest, decode, hash, read metadata and render one file; never raises.

    ``data`` is the file's content when the caller has read it already (and will
    store exactly those bytes). ``render=False`` skips encoding the renditions, for
    a caller that keeps the stored ones and wants only the signals: they are computed
    from the same decode either way, so they are the same.
    """
    result = Analysis(path)
    try:
        with _time_limit(time_limit):
            _analyze(result, max_pixels, data, render)
    except AssetError as exc:
        result.error = str(exc)
    except MemoryError:
        result.error = "out of memory while decoding"
    except RecursionError:
        result.error = "malformed file (too deeply nested)"
    except Exception as exc:  # a decoder bug must cost one file, not the run
        result.error = f"unexpected decoder error: {type(exc).__name__}: {exc}"[:300]
    if result.error:
        result.renditions = []
    return result


def _analyze(result: Analysis, max_pixels: int, data: bytes | None, render: bool) -> None:
    if data is None:
        data = read_file(result.path)
    result.size = len(data)
    result.sha256 = digests.sha256_hex(data)
    image = imaging.open_image(data, max_pixels)
    with imaging.decoding():
        _analyze_image(result, data, image, max_pixels, render)


def _analyze_image(
    result: Analysis, data: bytes, image: Any, max_pixels: int, render: bool
) -> None:
    result.info = imaging.image_info(image)
    # Metadata never costs the photo: read_metadata turns every problem into a warning.
    result.metadata = metadata.read_metadata(data, image, Path(result.path))
    digest = digests.structural_digest(data)
    if digest is None:
        # Not JPEG/PNG, or a broken marker structure: the decoded pixels decide.
        with imaging.decoding():
            digest = digests.content_digest(data, imaging.open_image(data, max_pixels))
    result.content_digest = digest
    # The header's size, read before a reduced-scale decode shrinks the image object.
    width, height = result.info.width, result.info.height
    turned = imaging.exif_orientation(image) in (5, 6, 7, 8)
    result.upright_width, result.upright_height = (height, width) if turned else (width, height)
    profile = renditions.colour_profile(image)
    # A JPEG that is web-size already is its own preview: decoded only at the reduced
    # scale the thumbnail needs, and nothing is encoded at 1280 px.
    own = renditions.own_preview(data, image)
    if own is not None:
        decoded = imaging.decode_photo(image, renditions.RENDITIONS["thumb"][0], data)
        if decoded.warnings:  # truncated: the preview must show the grey band
            own = None
            image = imaging.open_image(data, max_pixels)
    if own is None:
        decoded = imaging.decode_photo(image, renditions.RENDITIONS["web"][0], data)
        larger = renditions.fit(decoded.shown, renditions.RENDITIONS["web"][0])
        preview = renditions.encode(larger, "web", profile) if render else None
    else:
        preview, larger = own, decoded.shown
    # Signals come from the largest image at hand: the 1280 px preview, or the reduced
    # decode (at least 480 px), whose hashes are within a bit or two of the preview's
    # (benchmarks/README.md, "Web-size photos"). A JPEG that ends early is matched by
    # the rows that decoded, not the grey band.
    if decoded.signal is decoded.shown:
        signal = renditions.fit(larger, renditions.SIGNAL_SIDE)
    else:
        signal = signal_image(decoded.signal)
    frame = similarity.frame_of(signal)
    result.hashes, result.fingerprint = similarity.describe(signal, frame)
    result.fingerprint_version = similarity.SIGNALS_VERSION
    result.features = local_features(signal, frame)
    result.regions = composite_regions(
        larger if decoded.signal is decoded.shown else decoded.signal
    )
    if render and preview is not None:
        # Each smaller image is scaled from the next larger one, never from the decode.
        thumb = renditions.fit(larger, renditions.RENDITIONS["thumb"][0])
        result.renditions = [preview, renditions.encode(thumb, "thumb", profile)]
    result.warnings = [*result.metadata.warnings, *decoded.warnings]


def signal_image(upright: Any) -> Any:
    """The image duplicate signals are computed on, made as ingest makes it.

    Hashes reduce to 32×32 and the verifier to 64×64, so 320 px has all the
    detail they use at a sixteenth of the web preview's pixels. Anything
    that compares with stored signals (benchmarks, checks) must start here.
    """
    web = renditions.fit(upright, renditions.RENDITIONS["web"][0])
    return renditions.fit(web, renditions.SIGNAL_SIDE)


def preload() -> None:
    """Import what a first analysis would import on the way: OpenCV for the local
    features and scipy's FFT for imagehash's pHash, about 0.7 s together. Called
    before decoding workers are forked, so they share it instead of each paying it."""
    import scipy.fftpack  # noqa: F401

    from assets import features  # noqa: F401


def compute_signals(upright: Any) -> tuple[dict[str, int], bytes | None, str]:
    """Perceptual hashes plus the duplicate verifier's fingerprint, and their version."""
    signals, fingerprint = similarity.describe(upright)
    return signals, fingerprint, similarity.SIGNALS_VERSION


def local_features(upright: Any, frame: similarity.Frame | None = None) -> bytes | None:
    """The local features stored beside the fingerprint; None when OpenCV cannot make them.

    A photo without them is still compared by its fingerprint, so a failure here must
    not cost the photo.
    """
    from assets import features

    try:
        return features.local_features(upright, frame)
    except features.cv2.error:
        return None


def composite_regions(upright: Any) -> list[Any]:
    """The pictures of a composite with their signals (:mod:`assets.composites`); [] if plain."""
    return composites.region_signals(upright)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Refuse a decode that runs too long.

    In a process's main thread an alarm interrupts the decode. A decoder may swallow the
    alarm's exception in a fallback path, and other threads get no alarm at all, so the
    elapsed time is checked afterwards too: the limit holds however the decode ended.
    """
    message = f"too slow to decode (over {seconds:g} s)"
    if seconds <= 0:
        yield
        return
    started = time.monotonic()
    if os.name != "posix" or not _in_main_thread():
        yield
        if time.monotonic() - started > seconds:
            raise DecodeTimeoutError(message)
        return

    def _expired(_signum: int, _frame: Any) -> None:
        raise DecodeTimeoutError(message)

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if time.monotonic() - started > seconds:
        raise DecodeTimeoutError(message)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
