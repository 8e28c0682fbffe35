"""Shared fixtures: a fresh library per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import create_engine, text

from library.cli.main import cli
from library.config import LibraryConfig
from library.db.engine import Database, init_library, normalize_url

FIXTURES = Path(__file__).parent / "fixtures"
PHOTOS = FIXTURES / "photos"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
PG_URL = os.environ.get("PHOTODESK_TEST_DATABASE_URL")


def own_database(url: str, suffix: str) -> str:
    """A PostgreSQL database beside the configured one (created once), for tests that
    must not share it: xdist workers, and module-scoped libraries."""
    base, _, name = url.rpartition("/")
    own = f"{name}_{suffix}"
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    return f"{base}/{own}"


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist every worker gets its own database, since tests empty it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return own_database(url, worker) if url and worker else url


PG_URL = _worker_database(PG_URL)

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def reset_postgres(url: str) -> None:
    """Empty the test database so every test starts from nothing."""
    engine = create_engine(normalize_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config(tmp_path: Path, backend: str) -> LibraryConfig:
    if backend == "postgresql":
        assert PG_URL
        reset_postgres(PG_URL)
        return LibraryConfig(tmp_path / "library", PG_URL)
    return LibraryConfig(tmp_path / "library")


@pytest.fixture
def database(config: LibraryConfig) -> Iterator[Database]:
    db = init_library(config)
    yield db
    db.dispose()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run(config: LibraryConfig) -> Iterator[object]:
    """Run the photodesk CLI against the test library, in process."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        base = ["--library", str(config.root)]
        if config.database_url:
            base += ["--database-url", config.database_url]
        result = runner.invoke(cli, [*base, *args], input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    yield invoke


def make_jpeg(
    path: Path, size: tuple[int, int] = (320, 240), seed: int = 0, **save: object
) -> Path:
    """A small photo-like JPEG: smooth gradients plus seeded shapes, so hashes differ by seed."""
    import random

    from PIL import ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(h):
        c = int(255 * y / h)
        draw.line([(0, y), (w, y)], fill=(c, rng.randrange(256) // 4 + 100, 255 - c))
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2)
        draw.ellipse([x0, y0, x1, y1], fill=tuple(rng.randrange(256) for _ in range(3)))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90, **save)
    return path


def jpeg_bytes(seed: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = io.BytesIO()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"photodesk-{os.getpid()}-{seed}.jpg"
    make_jpeg(tmp, size, seed)
    buffer.write(tmp.read_bytes())
    tmp.unlink()
    return buffer.getvalue()


def copy_fixture(name: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / name
    shutil.copy2(PHOTOS / name, target)
    return target


needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is absent")
