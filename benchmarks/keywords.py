"""Keyword handling at scale: de-duplication, a 16,000-keyword PATCH, an 8,000-subject PNG.

Run it on this checkout, and a copy of it inside an older checkout for the
before/after (it imports the checkout it sits in, and only uses interfaces
both have)::

    .venv/bin/python benchmarks/keywords.py
    mkdir -p /tmp/before && git archive c0fcd47 | tar -x -C /tmp/before
    cp benchmarks/keywords.py /tmp/before/benchmarks/
    .venv/bin/python /tmp/before/benchmarks/keywords.py

The de-duplication rows show how the time grows with the number of keywords:
linear code doubles when the count doubles, the old loop quadrupled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from PIL.PngImagePlugin import PngInfo  # noqa: E402

from library.catalog import edits, users  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402
from library.ingest.pipeline import IngestOptions, IngestSession  # noqa: E402


def dedupe_rows(sizes: list[int]) -> None:
    print("keywords  normalize s  (distinct, 1 in 2 repeated in other case)")
    for size in sizes:
        words = [f"Word{i // 2}" if i % 2 else f"word{i // 2}" for i in range(size)]
        start = time.perf_counter()
        try:
            kept = edits.normalize("keywords", words)
            outcome = f"{len(kept)} kept"
        except Exception as exc:  # the limits refuse past 200 after de-duplication
            outcome = f"refused: {exc}"
        print(f"{size:>8}  {time.perf_counter() - start:>11.4f}  {outcome[:60]}")


def patch_row(root: Path, count: int) -> None:
    from webui import create_app

    config = LibraryConfig(root / "patch")
    database = init_library(config)
    source = root / "in" / "p.png"
    source.parent.mkdir(parents=True)
    Image.new("RGB", (64, 48), (10, 20, 30)).save(source)
    report = IngestSession(database, IngestOptions(workers=1)).run([str(source)])
    asset_id = report.outcomes[0].asset_id
    with database.session_scope() as session:
        users.create_user(session, "ed", "editor", "correct-horse-battery")
        token = users.create_token(session, "ed")
    database.dispose()
    app = create_app({"LIBRARY": config.root, "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    version = 1
    for distinct in (count, 200):
        body = {"version": version, "keywords": [f"k{i % distinct}" for i in range(count)]}
        start = time.perf_counter()
        response = client.patch(
            f"/api/photos/{asset_id}", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        seconds = time.perf_counter() - start
        version = response.json.get("version", version) if response.json else version
        print(
            f"PATCH {count} keywords, {distinct} distinct: {response.status_code} "
            f"in {seconds:.3f} s"
        )
    app.extensions["photodesk"].database.dispose()


def ingest_row(root: Path, count: int) -> None:
    items = "".join(f"<rdf:li>subject {i}</rdf:li>" for i in range(count))
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
        f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet)
    path = root / "xmp" / "many.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path, "PNG", pnginfo=info)
    database = init_library(LibraryConfig(root / "ingest"))
    start = time.perf_counter()
    report = IngestSession(database, IngestOptions(workers=1)).run([str(path)])
    seconds = time.perf_counter() - start
    print(f"ingest PNG with {count} dc:subject: {report.ingested} ingested in {seconds:.3f} s")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,16000")
    parser.add_argument("--patch", type=int, default=16_000)
    parser.add_argument("--subjects", type=int, default=8_000)
    args = parser.parse_args()
    dedupe_rows([int(s) for s in args.sizes.split(",")])
    with tempfile.TemporaryDirectory(prefix="photodesk-bench-") as folder:
        patch_row(Path(folder), args.patch)
        ingest_row(Path(folder), args.subjects)


if __name__ == "__main__":
    main()
