"""Hostile files, killed runs and concurrent ingests: nothing lost, nothing half-written."""

from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from assets import iptc, metadata, xmp
from assets.errors import MetadataError
from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import Database, open_library
from library.db.models import Asset, AssetPath, IngestFailure, Rendition
from library.files.verify import verify_library
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its tiny data cannot fill (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def hostile_folder(root: Path) -> dict[str, str]:
    """Files and what must happen to each: "ingested" or "failed"."""
    expected: dict[str, str] = {}
    good = make_jpeg(root / "good.jpg", (640, 480), seed=1)
    expected["good.jpg"] = "ingested"
    data = good.read_bytes()
    for tenth in range(1, 10):
        name = f"truncated-{tenth * 10}.jpg"
        (root / name).write_bytes(data[: len(data) * tenth // 10])
        expected[name] = "failed"
    (root / "zero.jpg").write_bytes(b"")
    expected["zero.jpg"] = "failed"
    rng = random.Random(5)
    for ext in ("jpg", "png", "webp", "tif", "gif", "heic"):
        (root / f"random.{ext}").write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
        expected[f"random.{ext}"] = "failed"
    (root / "bomb.png").write_bytes(png_claiming(30000, 30000))
    expected["bomb.png"] = "failed"
    with open(root / "huge.jpg", "wb") as handle:  # 100 MB, sparse on disk
        handle.truncate(100 * 1024 * 1024)
    expected["huge.jpg"] = "failed"
    deep = root
    for level in range(40):
        deep = deep / f"d{level}"
    make_jpeg(deep / "deep.jpg", seed=2)
    expected["deep.jpg"] = "ingested"
    (deep / "loop").symlink_to(root, target_is_directory=True)
    newline = root / "new\nline.jpg"
    make_jpeg(newline, seed=3)
    expected["new\nline.jpg"] = "ingested"
    raw = os.fsencode(str(root)) + b"/caf\xe9-latin1.jpg"
    with open(raw, "wb") as handle:
        handle.write(make_jpeg(root / "tmp-src.jpg", seed=4).read_bytes())
    (root / "tmp-src.jpg").unlink()
    expected[os.fsdecode(b"caf\xe9-latin1.jpg")] = "ingested"
    return expected


def test_every_hostile_file_is_ingested_or_refused(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    expected = hostile_folder(folder)
    report = IngestSession(database, IngestOptions(workers=2, time_limit=30)).run([str(folder)])
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    for name, status in expected.items():
        assert name in outcomes, f"{name!r} was not seen"
        assert outcomes[name].status == status, (name, outcomes[name])
        if status == "failed":
            error = outcomes[name].error or ""
            assert error and "\n" not in error, (name, error)
    assert "exceeds the limit" in (outcomes["bomb.png"].error or "")
    with database.session_scope(write=False) as session:
        assets = session.scalar(select(func.count(Asset.id)))
        failures = session.scalar(select(func.count(IngestFailure.id)))
        paths = [p for p in session.scalars(select(AssetPath.path))]
    assert assets == 4  # good, deep, newline and latin-1 names
    assert failures == len([s for s in expected.values() if s == "failed"])
    assert any("\\xe9" in p for p in paths)  # bytes that are not UTF-8 are shown escaped
    assert verify_library(database).problems == []


def test_slow_decode_hits_the_time_limit(database: Database, tmp_path: Path) -> None:
    from PIL import Image

    big = tmp_path / "big.png"
    Image.effect_noise((5000, 5000), 64).convert("RGB").save(big, compress_level=1)
    report = IngestSession(database, IngestOptions(workers=1, time_limit=0.05)).run([str(big)])
    assert report.failed and "too slow to decode" in report.failed[0]["error"]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000))
def test_xmp_reader_never_raises_anything_else(data: bytes) -> None:
    assert_read_or_refused(_xmp_values_or_one_line_error(data))


def _xmp_values_or_one_line_error(packet: bytes) -> dict[str, Any] | str:
    """What the reader made of ``packet``: its values, or the line it refused it with."""
    try:
        return xmp.parse_xmp(packet)
    except MetadataError as error:
        return str(error)


def assert_read_or_refused(outcome: dict[str, Any] | str) -> None:
    """Known fields as text or lists, or a refusal in one line."""
    if isinstance(outcome, str):
        assert outcome and "\n" not in outcome
        return
    assert set(outcome) <= set(metadata.FIELDS)
    assert all(isinstance(v, str | list) for v in outcome.values())


XML_TEXT = st.text(
    alphabet=st.sampled_from(list("<>/=\"' abcxmpr:DdescriptionRDF&;![]")), max_size=300
)


@settings(max_examples=150, deadline=None)
@given(XML_TEXT)
def test_xmp_reader_on_random_xml(text: str) -> None:
    packet = f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{text}</x:xmpmeta>'.encode()
    assert_read_or_refused(_xmp_values_or_one_line_error(packet))


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1, 9), st.integers(0, 255)), st.binary(max_size=60), max_size=12
    )
)
def test_iptc_decoder_never_raises(info: dict[tuple[int, int], bytes]) -> None:
    values, charset = iptc.decode_iim(info)  # type: ignore[arg-type]
    assert charset in ("utf-8", "cp1252")
    assert all(isinstance(v, str | list) for v in values.values())


def test_entity_expansion_in_xmp_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha">'
        + b"".join(
            f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">'.encode()
            for i in range(8)
        )
        + b']><x:xmpmeta xmlns:x="adobe:ns:meta/">&a7;</x:xmpmeta>'
    )
    with pytest.raises(MetadataError):
        xmp.parse_xmp(laughs)


def _cli(config: LibraryConfig, *args: str) -> list[str]:
    command = [sys.executable, "-m", "library", "--library", str(config.root)]
    if config.database_url:
        command += ["--database-url", config.database_url]
    return [*command, *args]


@pytest.mark.slow
def test_repeated_kills_then_rerun_leave_a_complete_library(
    database: Database, config: LibraryConfig, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    for seed in range(60):
        make_jpeg(folder / f"p{seed:02d}.jpg", (480, 360), seed=seed + 300)
    (folder / "copy.jpg").write_bytes((folder / "p00.jpg").read_bytes())
    rng = random.Random(11)
    root = Path(__file__).parents[2]
    for _ in range(6):
        process = subprocess.Popen(
            _cli(config, "ingest", str(folder), "--json"),
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.4, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    final = subprocess.run(
        _cli(config, "ingest", str(folder), "--json"),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert final.returncode == 0, final.stderr
    check = open_library(config)
    with check.session_scope(write=False) as session:
        assets = session.scalars(select(Asset)).all()
        assert len(assets) == 60 and len({a.sha256 for a in assets}) == 60
        renditions = session.scalar(select(func.count(Rendition.asset_id)))
        assert renditions == 120
        paths = session.scalar(select(func.count(AssetPath.id)))
        assert paths == 61
    report = verify_library(check)
    check.dispose()
    assert report.problems == [], [vars(p) for p in report.problems]
    assert Store(config.store_root).stray_temporaries() == []
    # No worker of a killed run is left behind.
    time.sleep(0.5)
    left = [p for p in Path("/proc").glob("[0-9]*") if _mentions(p, str(config.root))]
    assert left == []


def _mentions(proc: Path, text: str) -> bool:
    try:
        return text.encode() in (proc / "cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.slow
def test_two_ingests_at_once(database: Database, config: LibraryConfig, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for seed in range(40):
        make_jpeg(folder / f"p{seed:02d}.jpg", (480, 360), seed=seed + 500)
    other = tmp_path / "other"
    other.mkdir()
    for seed in range(0, 40, 2):  # half of the same files under other names
        (other / f"again{seed}.jpg").write_bytes((folder / f"p{seed:02d}.jpg").read_bytes())
    root = Path(__file__).parents[2]
    first = subprocess.Popen(
        _cli(config, "ingest", str(folder), "--json"),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    second = subprocess.Popen(
        _cli(config, "ingest", str(other), str(folder), "--json"),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    check = open_library(config)
    with check.session_scope(write=False) as session:
        assert session.scalar(select(func.count(Asset.id))) == 40
        assert session.scalar(select(func.count(AssetPath.id))) == 60
    check.dispose()
