"""Gallery speed on a 100,000-photo catalog: keyset pages, search and filters, server time.

The catalog is filled with synthetic rows (bulk inserts; no image files, so
thumbnails would 404 and are not requested): seeded newsroom captions,
credits (15 % missing), keywords, 1 % same-pixel duplicates, 10,000 verified
near-duplicate pairs (clusters of two to a few dozen photos) and 25,000
published usages in 6,250 articles. The search index is then built with
`library.search.rebuild_index` and the duplicate groups with
`library.duplicates.membership.rebuild_groups`.

Each page is requested through Flask's test client by a signed-in viewer (the
reports, users and upload pages by an admin), so the time is the server's:
routing, sign-in check, queries and template. The grid stacks duplicate groups
into one card each, as the gallery does by default; "every copy" is the grid
with ``stack=off``.
Every measurement is repeated and reported as median and 95th percentile.
Photo pages and duplicate group pages rotate over 20 different photos and
groups, the largest group among them.
For comparison the same run times the SQL of a deep page both ways: keyset
(``WHERE id < ?``) and ``OFFSET``.

Usage:
    .venv/bin/python benchmarks/gallery_speed.py [--count 100000] [--pairs 10000] [--runs 40]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench] [--keep DIR] [--slow-pages]
        [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select  # noqa: E402

from library.catalog import queries, search, users  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import Database, init_library  # noqa: E402
from library.db.models import (  # noqa: E402
    Article,
    Asset,
    AssetKeyword,
    DuplicateGroup,
    DuplicateMember,
    DuplicatePair,
    Usage,
)
from library.duplicates import membership  # noqa: E402
from library.duplicates.builder import build_groups  # noqa: E402

TARGET_MS = 100.0
#: A timed page: label, URL, photos (or thumbnails) shown, median and p95 in ms.
Row = tuple[str, str, int, float, float]
PAGE = 60

PLACES = [
    "Tehran", "Kabul", "Berlin", "Lagos", "Lima", "Manila", "Kyiv", "Gaza", "Nairobi",
    "Marseille", "Zürich", "São Paulo", "Reykjavík", "Dhaka", "Montréal", "Athens",
    "Istanbul", "Caracas", "Jakarta", "Warsaw",
]  # fmt: skip
SCENES = [
    "Protesters march through the centre of {place} against the new fuel prices",
    "Firefighters battle a blaze at a warehouse on the outskirts of {place}",
    "Supporters cheer as results come in at the party headquarters in {place}",
    "Residents wade through flooded streets after heavy rain in {place}",
    "Fans celebrate the cup final win in {place}",
    "Doctors treat patients at a field hospital near {place}",
    "Traders wait for customers at the old market in {place}",
    "Commuters crowd onto a train during the morning rush in {place}",
    "Rescue workers search the rubble of a collapsed building in {place}",
    "Students hold a vigil for the victims in {place}",
    "The prime minister arrives for talks in {place}",
    "Farmers block a highway with tractors near {place}",
]  # fmt: skip
WHEN = ["on Monday", "on Friday", "at dawn", "late on Sunday", "in March", "during the storm"]
PEOPLE = [
    "Sara Karimi", "Jon Reyes", "Lena Holm", "Amir Tehrani", "Chidi Okafor", "Marta Nowak",
    "Ana Diaz", "Kenji Sato", "Olga Petrenko", "Luis Ortega", "Fatima Noor", "Tom Becker",
]  # fmt: skip
AGENCIES = ["Reuters", "AFP", "AP Photo", "EPA", "Getty Images", "Staff", "Anadolu"]
KEYWORDS = [
    "protest", "politics", "election", "fire", "flood", "weather", "sport", "football",
    "health", "economy", "market", "transport", "disaster", "vigil", "diplomacy", "agriculture",
]  # fmt: skip
CAMERAS = [("Canon", "EOS R5"), ("Nikon", "D850"), ("Sony", "ILCE-7M4"), ("Fujifilm", "X-T4")]


#: Credits as articles print them: agencies, staff, variants, and none at all.
CREDITS = ("Reuters", "REUTERS", "AP Photo/Jane Roe", "Jane Roe/AP", "Staff", None, "Getty Images")


def near_pairs(rng: random.Random, count: int, wanted: int) -> list[dict[str, Any]]:
    """Verified near-duplicate pairs in clusters: a story's photo resized, cropped, reframed.

    Half the pairs start a new cluster, half add a photo to an existing one,
    so most clusters have two or three photos and a few grow large.
    """
    seen: set[tuple[int, int]] = set()
    clusters: list[list[int]] = []
    rows = []
    while len(rows) < min(wanted, count * (count - 1) // 2):
        if clusters and rng.random() < 0.5:
            cluster = rng.choice(clusters)
            anchor, other = rng.choice(cluster), rng.randint(1, count)
        else:
            anchor, other = rng.sample(range(1, count + 1), 2)
            cluster = [anchor]
            clusters.append(cluster)
        key = (min(anchor, other), max(anchor, other))
        if anchor == other or key in seen:
            continue
        seen.add(key)
        cluster.append(other)
        distance = rng.randint(1, 14)
        framed = rng.random() < 0.05
        rows.append(
            {
                "asset_a": key[0],
                "asset_b": key[1],
                "signal": rng.choice(["phash→phash", "dhash→dhash", "phash_mirror→phash"]),
                "distance": distance,
                "score": round(1 - distance / 40, 4),
                "method": "orb" if framed else "ncc",
                "detail": "B trimmed: caption bar" if framed else "aligned; NCC 0.97 → same photo",
                "signals_version": "bench",
            }
        )
    return rows


def fill(database: Database, count: int, pairs: int, seed: int = 7) -> dict[str, float]:
    """Insert ``count`` assets, their keywords, duplicate pairs and groups, articles and
    usages; returns phase timings."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with database.session_scope() as session:
        batch: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        for number in range(1, count + 1):
            place = rng.choice(PLACES)
            caption = (
                f"{rng.choice(SCENES).format(place=place)} {rng.choice(WHEN)}, "
                f"{(start + timedelta(days=number // 30)).year}."
            )
            credit = None if rng.random() < 0.15 else f"{rng.choice(PEOPLE)}/{rng.choice(AGENCIES)}"
            words = rng.sample(KEYWORDS, 3) + [place.casefold()]
            digest = f"pixels:{number:064x}" if rng.random() > 0.01 else f"pixels:{number - 1:064x}"
            make, model = rng.choice(CAMERAS)
            taken = start + timedelta(minutes=number * 47)
            batch.append(
                {
                    "id": number,
                    "sha256": f"{number:064x}",
                    "content_digest": digest,
                    "format": "jpeg",
                    "width": 6000,
                    "height": 4000,
                    "file_size": rng.randint(2_000_000, 12_000_000),
                    "store_path": f"originals/{number:064x}.jpg",
                    "original_name": f"DSC_{number:06d}.jpg",
                    "ingested_at": taken + timedelta(days=1),
                    "updated_at": taken + timedelta(days=1),
                    "version": 1,
                    "taken_at": taken.isoformat(timespec="seconds"),
                    "camera_make": make,
                    "camera_model": model,
                    "caption": caption,
                    "headline": None,
                    "title": None,
                    "credit": credit,
                    "creator": credit.split("/")[0] if credit else None,
                    "source": credit.split("/")[-1] if credit else None,
                    "keywords": words,
                    "archive": rng.random() < 0.2,
                    "status": "needs_credit" if credit is None else rng.choice(["new", "approved"]),
                    "field_sources": {},
                    "embedded": {},
                }
            )
            tags += [{"asset_id": number, "keyword": w} for w in words]
            if len(batch) == 5000:
                session.execute(insert(Asset), batch)
                session.execute(insert(AssetKeyword), tags)
                batch, tags = [], []
        if batch:
            session.execute(insert(Asset), batch)
            session.execute(insert(AssetKeyword), tags)
        timings["insert assets"] = time.perf_counter() - began

        began = time.perf_counter()
        articles = max(1, count // 16)
        session.execute(
            insert(Article),
            [
                {
                    "id": n,
                    "key": f"bench:{n}",
                    "title": f"Story {n}",
                    "published": start + timedelta(hours=n * 3),
                    "tags": [],
                    "categories": [],
                    "format": "html",
                    "source_path": "bench",
                }
                for n in range(1, articles + 1)
            ],
        )
        usages = []
        # Popular photos are reused: a few pictures, of every age, appear in many stories.
        popular = rng.sample(range(1, count + 1), min(count, 2000))
        for n in range(count // 4):
            rank = min(len(popular), int(rng.paretovariate(1.2))) - 1
            asset_id = popular[rank] if n % 3 else rng.randint(1, count)
            scene = rng.choice(SCENES).format(place=rng.choice(PLACES))
            usages.append(
                {
                    "article_id": rng.randint(1, articles),
                    "asset_id": asset_id,
                    "role": "inline",
                    "position": n % 5,
                    "caption": f"As published: {scene}",
                    # The importer stores the caption's description (no credit, no notes).
                    "description": f"As published: {scene}",
                    "credit": rng.choice(CREDITS),
                    "alt": None,
                    "archive": False,
                    "dates": [],
                }
            )
        session.execute(insert(Usage), usages)
        timings["insert articles + usages"] = time.perf_counter() - began

        began = time.perf_counter()
        search.rebuild_index(session)
        timings["build search index"] = time.perf_counter() - began

        began = time.perf_counter()
        rows = near_pairs(rng, count, pairs)
        for start_at in range(0, len(rows), 5000):
            session.execute(insert(DuplicatePair), rows[start_at : start_at + 5000])
        timings[f"insert {len(rows):,} near pairs"] = time.perf_counter() - began
        began = time.perf_counter()
        groups = membership.rebuild_groups(session)
        timings[f"store {groups:,} duplicate groups"] = time.perf_counter() - began
        # An admin sees every page, the auditor's included.
        users.create_user(session, "bench", "admin", "bench-password")
    with database.session_scope(write=False) as session:
        # What every photo page, group page and the reports page used to do.
        began = time.perf_counter()
        build_groups(session)
        timings["rebuild all groups (old per page)"] = time.perf_counter() - began
    if database.config.database_url:
        # What autovacuum would have done by the time anyone browses the library.
        began = time.perf_counter()
        autocommit = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - began
    return timings


#: How a request is timed: wall-clock time, or (``--clock cpu``) the CPU time spent
#: on it. On a machine shared with other busy processes the wall clock counts the
#: time spent waiting for a core; the CPU time does not. SQLite runs in this
#: process; a PostgreSQL server's backends are counted too (`ServerCpu`).
CLOCK: Callable[[], float] = time.perf_counter


class ServerCpu:
    """This process's CPU time plus that of the PostgreSQL backends its pool talks to.

    Each backend's time on a core comes from the kernel's scheduler statistics
    (``/proc/PID/schedstat``, nanoseconds), so the server's share of a request
    is counted without the time it spent waiting for a core.
    """

    def __init__(self, engine: Any) -> None:
        self.backends: set[int] = set()

        def checked_out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            self.backends.add(dbapi_connection.info.backend_pid)

        event.listen(engine, "checkout", checked_out)

    def __call__(self) -> float:
        server = 0
        for pid in self.backends:
            try:
                server += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a backend that has gone no longer changes
        return time.process_time() + server / 1e9


def measure(function: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds, after two warm-up calls."""
    function()
    function()
    samples = []
    for _ in range(runs):
        began = CLOCK()
        function()
        samples.append((CLOCK() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def search_operator_pages() -> dict[str, str]:
    """Searches with the box's operators (stemming, -word, OR, field:value), label → URL."""
    return {
        "search stemmed 'protester blazes'": "/?q=protester+blazes",
        "search: -word and credit:": "/?q=protesters+-kabul+credit:reuters",
        "search: only -word": "/?q=-reuters",
        "search: OR": "/?q=flood+OR+fire+berlin",
        'search: caption:"…" -taken:': "/?q=caption:%22fuel+prices%22+-taken:2016",
        "search: keyword: camera: used:>2": "/?q=keyword:vigil+camera:nikon+used:%3E2",
        "search: taken:2016-03 archive:yes": "/?q=taken:2016-03+archive:yes",
        "search: article: (title)": "/?q=article:%22story+12%22",
        "search: fire -credit:afp, most used": "/?q=fire+-credit:afp&sort=most_used",
    }


def _rotating(client: Any, urls: list[str]) -> Callable[[], Any]:
    """One request per call, each to the next of ``urls`` in turn."""
    turn = cycle(urls)
    return lambda: client.get(next(turn))


def _grouped_samples(session: Any, count: int) -> tuple[list[int], list[str]]:
    """Photos in duplicate groups (one per group) and those groups' keys, the largest first."""
    rng = random.Random(3)
    groups = list(session.execute(select(DuplicateGroup.id, DuplicateGroup.key)))
    largest = session.execute(
        select(DuplicateGroup.id, DuplicateGroup.key).order_by(DuplicateGroup.size.desc())
    ).first()
    chosen = [largest] + rng.sample(groups, min(count - 1, len(groups)))
    photos = [
        session.scalar(
            select(DuplicateMember.asset_id)
            .where(DuplicateMember.group_id == group_id)
            .order_by(DuplicateMember.position.desc())
        )
        for group_id, _ in chosen
    ]
    return photos, [key for _, key in chosen]


def grid_pages(database: Database, count: int) -> dict[str, str]:
    """The grid, search and filter pages, label → URL."""
    deep_id = count // 50  # about page 1,630 of 60 when newest first
    with database.session_scope(write=False) as session:
        cursor = queries.find_photos(
            session, sort="most_used", limit=min(PAGE * 200, count // 2)
        ).next
    pages = {
        "gallery, first page": "/",
        "search 'teh' (prefix)": "/?q=teh",
        'search "fuel prices" berlin': "/?q=%22fuel+prices%22+berlin",
        "search published caption": "/?q=published+vigil+warsaw",
        "filter: no credit, not archive": "/?missing_credit=1&archive=no",
        "filter: used in 3+ articles": "/?used_min=3",
        "filter: has duplicates": "/?has_duplicates=1",
        "filter: camera + date range": "/?camera=nikon&taken_from=2016-01-01&taken_to=2016-12-31",
        "sort: most used": "/?sort=most_used",
        f"keyset deep page (after={deep_id})": f"/?after={deep_id}",
        "keyset deep page, no credit": f"/?missing_credit=1&after={deep_id}",
        "most used, page 201": f"/?sort=most_used&after={cursor}",
    }
    pages.update(search_operator_pages())
    pages.update(
        {
            "gallery, every copy (stack=off)": "/?stack=off",
            "search, every copy": "/?q=fire+-credit:afp&stack=off",
            "articles": "/articles",
            "article page": f"/articles/{max(1, count // 32)}",
        }
    )
    return pages


def detail_pages(database: Database, count: int) -> dict[str, list[str]]:
    """Photo, group, audit and opened-group pages, each label → the URLs timed in turn."""
    with database.session_scope(write=False) as session:
        grouped, keys = _grouped_samples(session, 20)
    lonely = next(i for i in range(1, count + 1) if i not in set(grouped))
    with database.session_scope(write=False) as session:
        found = queries.find_photos(
            session, "fire -credit:afp", queries.PhotoFilter(stack=True), limit=20
        )
        from_search = [a.id for a in found.assets]
    rotating = {
        "photo page, in a duplicate group": [f"/photos/{i}" for i in grouped],
        "photo page, no duplicates": [f"/photos/{lonely}"],
        "photo page from a search (steps)": [
            f"/photos/{i}?q=fire+-credit%3Aafp" for i in from_search
        ],
        "photo page inside an opened group": [
            f"/photos/{i}?group={key}" for i, key in zip(grouped, keys, strict=True)
        ],
        "duplicate group page": [f"/duplicates/{key}" for key in keys],
        "duplicate groups, first page": ["/duplicates"],
        "reuse audit, first page": ["/reports/audit"],
        "reuse audit, high, by credit": ["/reports/audit?severity=high&credit=reuters"],
        "group opened in the grid": [f"/?group={key}" for key in keys],
    }
    return rotating


def time_pages(client: Any, pages: dict[str, str], runs: int) -> list[Row]:
    """(label, URL, cards shown, median ms, p95 ms) of each page, each asked ``runs`` times."""
    rows = []
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        shown = response.text.count('<article class="card')
        median, p95 = measure(lambda url=url: client.get(url), runs)
        rows.append((label, url, shown, median, p95))
    return rows


def time_rotating(
    client: Any, rotating: dict[str, list[str]], runs: int
) -> tuple[list[Row], dict[str, float]]:
    """Rows as `time_pages` for pages asked in turn, and each label's first (cold) request."""
    rows = []
    cold: dict[str, float] = {}
    for label, urls in rotating.items():
        for url in urls:
            began = time.perf_counter()
            response = client.get(url)
            cold.setdefault(label, (time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        # Thumbnails on the first of them (the largest group's page has the most).
        shown = client.get(urls[0]).text.count('/thumb"')
        median, p95 = measure(_rotating(client, urls), runs)
        rows.append((label, urls[0], shown, median, p95))
    return rows, cold


def _signed_in_client(app: Any, name: str, password: str) -> Any:
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    signed = client.post("/login", data={"name": name, "password": password, "csrf_token": token})
    assert signed.status_code == 303, signed.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=10_000, help="near-duplicate pairs")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is emptied!)")
    parser.add_argument("--keep", type=Path, help="Build the library here and keep it.")
    parser.add_argument(
        "--reuse", action="store_true", help="Time the library kept by an earlier --keep run."
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall-clock time (default) or the CPU time of this process and its PostgreSQL backends, for a busy machine",
    )
    parser.add_argument(
        "--slow-pages",
        action="store_true",
        help="Also time the duplicates list and the reports page (seconds each at 100,000).",
    )
    parser.add_argument(
        "--only", metavar="REGEX", help="Time only the pages whose label matches REGEX."
    )
    args = parser.parse_args()
    global CLOCK
    if args.clock == "cpu":
        CLOCK = time.process_time

    folder = args.keep or Path(tempfile.mkdtemp(prefix="photodesk-gallery-bench-"))
    config = LibraryConfig(folder / "library", args.database_url)
    if args.reuse:
        database = init_library(config)
        with database.session_scope(write=False) as session:
            args.count = session.scalar(select(func.count(Asset.id))) or 0
        print(f"reusing {args.count:,} photos in {config.root}")
    else:
        if args.database_url:
            from tests.conftest import reset_postgres

            reset_postgres(args.database_url)
        database = init_library(config)
        kind = "PostgreSQL" if args.database_url else "SQLite"
        print(f"filling {args.count:,} photos into {kind}")
        for phase, seconds in fill(database, args.count, args.pairs).items():
            print(f"  {phase:<36} {seconds:6.1f} s")

    from webui import create_app
    from webui.server import freeze_startup_objects

    app = create_app(
        {"LIBRARY": config.root, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench"}
    )
    with database.session_scope() as session:
        try:
            users.get_user(session, "bench-admin")
        except users.UserNotFoundError:
            users.create_user(session, "bench-admin", "admin", "bench-password")
    if args.clock == "cpu" and args.database_url:
        CLOCK = ServerCpu(app.extensions["photodesk"].database.engine)
    client = _signed_in_client(app, "bench", "bench-password")
    admin = _signed_in_client(app, "bench-admin", "bench-password")
    # As `photodesk serve` does before it answers (webui/server.py).
    freeze_startup_objects()

    deep_id = args.count // 50  # about page 1,630 of 60 when newest first
    pages = grid_pages(database, args.count)
    wanted = re.compile(args.only) if args.only else None
    if wanted:
        pages = {label: url for label, url in pages.items() if wanted.search(label)}
    rows = time_pages(client, pages, args.runs)
    rotating = detail_pages(database, args.count)
    if wanted:
        rotating = {label: urls for label, urls in rotating.items() if wanted.search(label)}
    rotated, cold = time_rotating(client, rotating, args.runs)
    rows += rotated
    for label, url in {
        "users (admin)": "/users",
        "upload form (admin)": "/upload",
    }.items():
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)
        median, p95 = measure(lambda url=url: admin.get(url), args.runs)
        rows.append((label, url, 0, median, p95))
    if args.slow_pages:
        # Pages that list the whole library at once (every duplicate group, the
        # reuse audit of every used photo): seconds each at 100,000 photos, so
        # timed three times, and only when asked.
        for label, url in {
            "duplicates list (every group)": "/duplicates",
            "reports (admin, whole audit)": "/reports",
        }.items():
            median, p95 = measure(lambda url=url: admin.get(url), 3)
            rows.append((label, url, 0, median, p95))

    offset = args.count - deep_id + 1  # the same rows as the keyset page
    keyset_sql = select(Asset.id).where(Asset.id < deep_id).order_by(Asset.id.desc()).limit(PAGE)
    offset_sql = select(Asset.id).order_by(Asset.id.desc()).limit(PAGE).offset(offset)
    offset_page = select(Asset).order_by(Asset.id.desc()).limit(PAGE).offset(offset)
    keyset_page = select(Asset).where(Asset.id < deep_id).order_by(Asset.id.desc()).limit(PAGE)
    sql_rows = []
    with database.session_scope(write=False) as session:
        assert list(session.scalars(keyset_sql)) == list(session.scalars(offset_sql))
        for label, statement in (
            ("keyset ids  (WHERE id < ?)", keyset_sql),
            (f"OFFSET ids  (OFFSET {offset:,})", offset_sql),
            ("keyset rows (WHERE id < ?)", keyset_page),
            (f"OFFSET rows (OFFSET {offset:,})", offset_page),
        ):
            median, p95 = measure(
                lambda s=statement: (list(session.scalars(s)), session.expunge_all()), args.runs
            )
            sql_rows.append((label, median, p95))

    print(
        f"\nserver time per page ({args.clock} clock), {args.runs} runs, {PAGE} photos a page "
        f"(target {TARGET_MS:.0f} ms)"
    )
    print(f"{'page':<36} {'photos':>6} {'median':>9} {'p95':>9}")
    for label, _url, shown, median, p95 in rows:
        flag = "" if p95 < TARGET_MS else "  over target"
        print(f"{label:<36} {shown:>6} {median:>7.1f}ms {p95:>7.1f}ms{flag}")
    print("\nfirst request after a catalog change (the audit is computed, then kept)")
    for label, ms in cold.items():
        if label.startswith("reuse audit"):
            print(f"{label:<36} {'':>6} {ms:>7.1f}ms")
    print("\nthe SQL of a deep page, keyset against OFFSET")
    for label, median, p95 in sql_rows:
        print(f"{label:<36} {'':>6} {median:>7.1f}ms {p95:>7.1f}ms")

    app.extensions["photodesk"].database.dispose()
    database.dispose()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
