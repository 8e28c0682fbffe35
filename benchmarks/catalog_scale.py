"""Catalog at scale: a synthetic PostgreSQL catalog of up to 10,000,000 photos, timed.

The catalog is the real schema (``init_library`` runs the Alembic migrations),
filled so that the gallery, `library.duplicates.check` and the all-pairs pass
run on it unchanged:

* photos (``assets``) with captions, credits, keywords (and ``asset_keywords``),
  cameras, status, archive flags and dates spread over 20 years;
* signals (``asset_hashes``): the three stored signals every rule looks up
  (``phash``, ``dhash``, ``lowfreq``) for every photo; the 18 query-side
  variants (pHash turns and flips, low-frequency windows) and the 4 KiB
  fingerprints only for the photos a verification can reach: the near-duplicate
  clusters and the `check` targets;
* about 1 % near-duplicate pairs (``duplicate_pairs``, in clusters, with hashes
  within the index's radius of each other and real fingerprints of variants of
  one corpus photo, so a full pass finds and verifies them again), 1 % same-pixel
  copies, and the stored duplicate groups built by `membership.rebuild_groups`;
* articles (one per 16 photos) and usages (a quarter of the photo count, popular
  photos reused along a Pareto tail);
* the search index (``asset_search``) and the per-group usage counts
  (``asset_search_stats``), computed in SQL as `library.catalog.search` computes
  them; a sample of photos is re-indexed by the library and compared.

How it is built fast. The vocabulary (captions from the gallery benchmark's
newsroom phrases and the hand-labelled caption files, 2,000+ credits ranked so
their use falls off like Zipf's law, keyword sets, the photos' tsvectors per
distinct text), the near-duplicate clusters, fingerprints and usages are made
in Python and streamed with COPY (psycopg ``cursor.copy()``). The per-photo
rows are generated inside PostgreSQL by ``INSERT ... SELECT`` over
``generate_series``, choosing from that vocabulary with a seeded hash of the
photo id (``hashint8extended``), so 10 million rows are never formatted and
parsed as text. The secondary indexes the migrations made are dropped before
the load and created again from their own definitions afterwards, foreign keys
are not checked during the load (``session_replication_role = replica``: the
rows are consistent by construction), then ``VACUUM ANALYZE``.

What it measures: every page of ``gallery_speed`` (the grid, search, filters,
photo pages, group pages) through Flask's test client as a signed-in viewer,
median and 95th percentile; `check` of real corpus files (identical, same
pixels, near, unknown) as ``photodesk check FILE`` runs it (candidates from the
catalog's substring indexes), against the old way (the Hamming index loaded for
the call) in the same run, both required to find the same candidates; the
all-pairs near-duplicate pass (`library.duplicates.pairs.rescan`, rolled back).
``--explain`` prints, for each page over the 100 ms target, its slowest SQL
statement with ``EXPLAIN (ANALYZE, BUFFERS)``.

Usage:
    createdb -h 127.0.0.1 -U postgres scale
    .venv/bin/python benchmarks/catalog_scale.py --count 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/scale [--runs 20] [--only REGEX]
    .venv/bin/python benchmarks/catalog_scale.py --keep --database-url ...   # time it again
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import gallery_speed  # noqa: E402
import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from PIL import Image, ImageEnhance, ImageOps  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from assets import similarity, verification  # noqa: E402
from assets.analysis import analyze_file, signal_image  # noqa: E402
from assets.hashes import IMAGEHASH_VERSION  # noqa: E402
from library.catalog import queries, records, search, users  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import Database, init_library  # noqa: E402
from library.db.models import Asset  # noqa: E402
from library.duplicates import membership, pairs, saved_index  # noqa: E402
from library.duplicates.check import check_files  # noqa: E402
from library.duplicates.hamming import HammingIndex  # noqa: E402
from library.duplicates.lookup import CatalogLookup  # noqa: E402
from library.duplicates.pairs import SignalIndex, matches_for  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
TARGET_MS = gallery_speed.TARGET_MS
YEARS = range(2006, 2026)
#: Stored for every photo: the signals the rules look up (the index side).
STORED_SIGNALS = tuple(pairs.stored_signals())
#: What ``--signals main`` stores for every photo.
MAIN_SIGNALS = ("dhash", "lowfreq", "phash")
#: Only for photos a verification can reach (the query side of the pHash turn and flip rules).
QUERY_SIGNALS = tuple(
    sorted({name for rule in similarity.CANDIDATE_RULES for name in rule[:2]} - set(STORED_SIGNALS))
)
FIRST = [
    "Sara", "Jon", "Lena", "Amir", "Chidi", "Marta", "Ana", "Kenji", "Olga", "Luis", "Fatima",
    "Tom", "Ines", "Bongani", "Mei", "Yusuf", "Elif", "Pavel", "Aisha", "Diego", "Nora", "Ravi",
    "Hanna", "Kwame", "Sofia", "Omar", "Ingrid", "Tariq", "Camille", "Jakub", "Leila", "Mateo",
    "Zanele", "Hiroshi", "Anya", "Emeka", "Clara", "Farid", "Greta", "Musa",
]  # fmt: skip
LAST = [
    "Karimi", "Reyes", "Holm", "Tehrani", "Okafor", "Nowak", "Diaz", "Sato", "Petrenko",
    "Ortega", "Noor", "Becker", "Moreau", "Dlamini", "Chen", "Yilmaz", "Novak", "Haddad",
    "Silva", "Lindqvist", "Mensah", "Rossi", "Kowalski", "Nakamura", "Ibrahim", "Fischer",
    "Gonzalez", "Abebe", "Jansen", "Kaya", "Müller", "Dubois", "Ferreira", "Mwangi", "Eriksen",
    "Popescu", "Rahman", "Castillo", "Andersen", "Van Dijk", "O'Brien", "Nguyen", "Bianchi",
    "Horvat", "Suzuki", "Adeyemi", "Laine", "Costa", "Schmidt", "Pereira",
]  # fmt: skip
AGENCIES = [
    "Reuters", "AFP", "AP", "EPA", "Getty Images", "Anadolu", "dpa", "Xinhua", "Bloomberg",
    "SOPA Images", "NurPhoto", "Staff",
]  # fmt: skip
CAMERAS = [("Canon", "EOS R5"), ("Nikon", "D850"), ("Sony", "ILCE-7M4"), ("Fujifilm", "X-T4")]
_WORD = re.compile(r"[^\W_]+")


def words(value: str) -> str:
    """Text as `library.catalog.search` hands it to ``to_tsvector`` (checked by the sample)."""
    return " ".join(_WORD.findall(search.fold(value)))


# --- vocabulary -------------------------------------------------------------------------


def labelled_captions() -> list[str]:
    """The hand-labelled captions in real house styles (benchmarks/caption_credits_*.tsv)."""
    found = []
    for name in ("caption_credits_labelled.tsv", "caption_credits_heldout.tsv"):
        for line in (ROOT / "benchmarks" / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                found.append(line.split("\t")[0].replace("\\n", "\n"))
    return list(dict.fromkeys(found))


def caption_vocabulary() -> tuple[list[str], int]:
    """Captions: every scene × place × time × year of the gallery benchmark, then the
    labelled ones. Returns them and how many are generated (ids 1..that)."""
    generated = [
        f"{scene.format(place=place)} {when}, {year}."
        for scene in gallery_speed.SCENES
        for place in gallery_speed.PLACES
        for when in gallery_speed.WHEN
        for year in YEARS
    ]
    return generated + labelled_captions(), len(generated)


def credit_vocabulary(rng: random.Random) -> list[tuple[str, str, str]]:
    """(credit, creator, source) by rank: agencies alone first, then photographer/agency."""
    people = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(people)
    credits = [(agency, "", agency) for agency in AGENCIES[:6]]
    for number, person in enumerate(people):
        agency = AGENCIES[min(len(AGENCIES) - 1, int(rng.paretovariate(0.9)) - 1)]
        if number % 7 == 3:
            credits.append((f"{agency.upper()}/{person}", person, agency))
        else:
            credits.append((f"{person}/{agency}", person, agency))
    return credits


#: Keyword sets per place.
KEYWORD_SETS = 40


def keyword_vocabulary(rng: random.Random) -> list[list[str]]:
    """Keyword sets: id = place × KEYWORD_SETS + k + 1, each two to four topics and the place."""
    sets = []
    for place in gallery_speed.PLACES:
        for _ in range(KEYWORD_SETS):
            topics = rng.sample(gallery_speed.KEYWORDS, rng.randint(2, 4))
            sets.append([*topics, place.casefold()])
    return sets


def usage_captions() -> list[str]:
    return [
        f"As published: {scene.format(place=place)}"
        for scene in gallery_speed.SCENES
        for place in gallery_speed.PLACES
    ]


# --- near-duplicate clusters and fingerprints ---------------------------------------------


def fingerprint_pool(limit: int = 24) -> list[list[bytes]]:
    """Per source photo, fingerprints of copies a desk makes (smaller, recompressed,
    brighter), each verified as the same photo as the others. Corpus photos when
    ../shared/corpora is there, else smooth random images."""
    images: list[Image.Image] = []
    folder = CORPORA / "exif-samples" / "jpg"
    for path in sorted(folder.glob("*.jpg"))[: limit * 2] if folder.is_dir() else []:
        try:
            with Image.open(path) as opened:
                opened.draft("RGB", (800, 800))
                images.append(ImageOps.exif_transpose(opened).convert("RGB"))
        except OSError:
            continue
        if len(images) == limit:
            break
    rng = np.random.default_rng(5)
    while len(images) < limit:
        field = rng.normal(size=(12, 16, 3)).cumsum(axis=0).cumsum(axis=1)
        field = (field - field.min()) / (np.ptp(field) or 1) * 255
        images.append(Image.fromarray(field.astype(np.uint8)).resize((640, 480)))
    pool = []
    for image in images:
        copies = [image, image.resize((image.width * 3 // 5, image.height * 3 // 5))]
        copies.append(ImageEnhance.Brightness(image).enhance(1.08))
        prints = [similarity.fingerprint(signal_image(copy)) for copy in copies]
        kept = [prints[0]] + [p for p in prints[1:] if verification.verify(prints[0], p).same]
        if len(kept) > 1:
            pool.append(kept)
    return pool


def flipped(rng: random.Random, value: int, bits: int) -> int:
    """``value`` (a signed 64-bit signal) with ``bits`` random bits flipped."""
    unsigned = value & (2**64 - 1)
    for bit in rng.sample(range(64), bits):
        unsigned ^= 1 << bit
    return unsigned - 2**64 if unsigned >= 2**63 else unsigned


def signed64(rng: random.Random) -> int:
    return rng.getrandbits(64) - 2**63


def clusters(rows: list[dict[str, Any]]) -> list[list[int]]:
    """The connected components of the pairs (union-find)."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for row in rows:
        a, b = root(row["asset_a"]), root(row["asset_b"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    found: dict[int, list[int]] = {}
    for node in parent:
        found.setdefault(root(node), []).append(node)
    return [sorted(members) for members in found.values()]


# --- building ---------------------------------------------------------------------------


@contextmanager
def stage(timings: dict[str, float], name: str) -> Iterator[None]:
    began = time.perf_counter()
    print(f"  {name} ...", end="", flush=True)
    yield
    timings[name] = time.perf_counter() - began
    print(f" {timings[name]:.1f} s", flush=True)


def copy_rows(connection: psycopg.Connection[Any], statement: str, rows: Any) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


#: A uniform number in [0, 1) from a photo id and a salt: seeded, repeatable, no state.
UNIFORM_SQL = """
CREATE FUNCTION bench_u(g bigint, k bigint) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(g, k) & 9007199254740991)::float8 / 9007199254740992.0 $$
"""

PER_PHOTO_SQL = """
CREATE UNLOGGED TABLE bench_asset AS
SELECT g AS id, taken, place,
    CASE WHEN bench_u(g, 1) < 0.1
         THEN {generated} + 1 + floor(bench_u(g, 2) * {labelled})::int
         ELSE (((floor(bench_u(g, 3) * {scenes})::int * {places} + place) * {whens}
                + floor(bench_u(g, 4) * {whens})::int) * {years}
                + least({years} - 1, greatest(0, extract(year FROM taken)::int - {first_year}))) + 1
    END AS caption_id,
    CASE WHEN bench_u(g, 7) < 0.15 THEN NULL
         ELSE least({credits}, floor(exp(bench_u(g, 8) * ln({credits} + 1)))::int) END AS credit_id,
    place * {keyword_sets} + floor(bench_u(g, 9) * {keyword_sets})::int + 1 AS keywords_id,
    floor(bench_u(g, 10) * 4)::int AS camera,
    CASE WHEN bench_u(g, 11) < 0.01 AND g > 1 THEN g - 1 ELSE g END AS pixels_of,
    bench_u(g, 12) < 0.2 AS archive,
    bench_u(g, 13) AS status_roll,
    2000000 + floor(bench_u(g, 14) * 10000000)::bigint AS file_size
FROM (
    SELECT g, floor(bench_u(g, 5) * {places})::int AS place,
        timestamp '{first_year}-01-01'
            + make_interval(secs => (g - 1) * {span}::float8 / {count} + bench_u(g, 6) * 259200)
            AS taken
    FROM generate_series(1, {count}) AS g
) AS base
"""

ASSETS_SQL = """
INSERT INTO assets (id, sha256, content_digest, format, width, height, file_size, store_path,
    original_name, ingested_at, updated_at, version, taken_at, camera_make, camera_model,
    caption, credit, creator, source, keywords, archive, status, field_sources, embedded)
SELECT b.id, lpad(to_hex(b.id), 64, '0'), 'pixels:' || lpad(to_hex(b.pixels_of), 64, '0'),
    'jpeg', 6000, 4000, b.file_size,
    'originals/' || lpad(to_hex(b.id), 64, '0') || '.jpg',
    'DSC_' || lpad(b.id::text, 8, '0') || '.jpg',
    b.taken + interval '1 day', b.taken + interval '1 day', 1,
    to_char(b.taken, 'YYYY-MM-DD"T"HH24:MI:SS'), m.make, m.model,
    c.caption, r.credit, nullif(r.creator, ''), r.source, k.keywords::json, b.archive,
    CASE WHEN b.credit_id IS NULL THEN 'needs_credit'
         WHEN b.status_roll < 0.5 THEN 'new' ELSE 'approved' END,
    '{}'::json, '{}'::json
FROM bench_asset b
JOIN bench_caption c ON c.id = b.caption_id
LEFT JOIN bench_credit r ON r.id = b.credit_id
JOIN bench_keywords k ON k.id = b.keywords_id
JOIN bench_camera m ON m.id = b.camera
"""

KEYWORDS_SQL = """
INSERT INTO asset_keywords (asset_id, keyword)
SELECT b.id, w.keyword FROM bench_asset b JOIN bench_keyword w ON w.keywords_id = b.keywords_id
"""

HASHES_SQL = """
INSERT INTO asset_hashes (asset_id, algorithm, value, library_version)
SELECT b.id, s.name, hashint8extended(b.id, s.salt), '{version}'
FROM bench_asset b CROSS JOIN (VALUES {signals}) AS s(name, salt)
WHERE b.id NOT IN (SELECT asset_id FROM bench_planted)
UNION ALL
SELECT asset_id, algorithm, value, '{version}' FROM bench_planted_hash
"""

#: The index row of every photo, as `search._index_chunk` writes it: the same
#: to_tsvector calls (per distinct text, then looked up) concatenated in the
#: same field order: caption (A), credit (B), creator (C), source, keywords, published.
SEARCH_SQL = """
INSERT INTO asset_search (asset_id, document, keywords)
SELECT b.id,
    c.vector || coalesce(r.credit_vector, '') || coalesce(r.creator_vector, '')
        || coalesce(r.source_vector, '') || k.vector || coalesce(p.vector, ''),
    k.vector
FROM bench_asset b
JOIN bench_caption c ON c.id = b.caption_id
LEFT JOIN bench_credit r ON r.id = b.credit_id
JOIN bench_keywords k ON k.id = b.keywords_id
LEFT JOIN bench_published p ON p.asset_id = b.id
"""

#: Every lexeme of the index once (migration 0018, `search.fill_lexemes`).
LEXEMES_SQL = """
INSERT INTO search_lexemes (lexeme)
SELECT DISTINCT unnest(tsvector_to_array(document)) FROM asset_search
"""

PUBLISHED_SQL = """
CREATE UNLOGGED TABLE bench_published AS
SELECT asset_id, to_tsvector('{config}', string_agg(words, ' ' ORDER BY first)) AS vector
FROM (
    SELECT u.asset_id, min(u.id) AS first, min(v.words) AS words
    FROM usages u JOIN bench_usage_caption v ON v.caption = u.caption
    WHERE u.asset_id IS NOT NULL GROUP BY u.asset_id, u.caption
) AS texts
GROUP BY asset_id
"""

#: Distinct articles per photo, a duplicate group's usages shared by its copies
#: (`groupusages.group_article_counts`).
STATS_SQL = """
INSERT INTO asset_search_stats (asset_id, article_count)
WITH mates AS (
    SELECT m.asset_id, o.asset_id AS mate FROM duplicate_members m
    JOIN duplicate_members o ON o.group_id = m.group_id AND o.level NOT IN ('contains')
    WHERE m.level NOT IN ('contains')
), shared AS (
    SELECT mates.asset_id, count(DISTINCT u.article_id) AS n
    FROM mates JOIN usages u ON u.asset_id = mates.mate GROUP BY mates.asset_id
), own AS (
    SELECT asset_id, count(DISTINCT article_id) AS n FROM usages
    WHERE asset_id IS NOT NULL
      AND asset_id NOT IN (SELECT asset_id FROM duplicate_members WHERE level NOT IN ('contains'))
    GROUP BY asset_id
)
SELECT a.id, coalesce(s.n, o.n, 0) FROM assets a
LEFT JOIN shared s ON s.asset_id = a.id LEFT JOIN own o ON o.asset_id = a.id
"""

BENCH_TABLES = (
    "bench_asset", "bench_caption", "bench_credit", "bench_keywords", "bench_keyword",
    "bench_camera", "bench_planted", "bench_planted_hash", "bench_usage_caption",
    "bench_published",
)  # fmt: skip


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def build(
    database: Database,
    url: str,
    count: int,
    seed: int,
    targets: list[CheckTarget],
    signals: tuple[str, ...] = STORED_SIGNALS,
) -> dict[str, float]:
    """Fill the empty catalog; returns each stage's seconds."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        run = connection.execute
        run("SET session_replication_role = replica")  # no foreign-key triggers during the load
        run("SET maintenance_work_mem = '512MB'")
        run("SET work_mem = '256MB'")
        with stage(timings, "drop secondary indexes"):
            indexes = list(
                run(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
                )
            )
            for name, _ in indexes:
                run(f'DROP INDEX "{name}"')
            # Keys nothing refers to, on the tables of several rows per photo: built
            # once from sorted data afterwards instead of maintained row by row.
            keys = list(
                run(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid::regclass::text "
                    "IN ('asset_hashes', 'asset_keywords', 'asset_search', 'asset_search_stats')"
                )
            )
            for table, name, _ in keys:
                run(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        with stage(timings, "vocabulary (COPY)"):
            captions, generated = caption_vocabulary()
            credits = credit_vocabulary(rng)
            keyword_sets = keyword_vocabulary(rng)
            run(UNIFORM_SQL)
            run("CREATE UNLOGGED TABLE bench_caption (id int, caption text, words text)")
            copy_rows(
                connection,
                "COPY bench_caption FROM STDIN",
                ((i, c, words(c)) for i, c in enumerate(captions, 1)),
            )
            run(
                "CREATE UNLOGGED TABLE bench_credit (id int, credit text, creator text, "
                "source text, credit_words text, creator_words text, source_words text)"
            )
            copy_rows(
                connection,
                "COPY bench_credit FROM STDIN",
                ((i, *c, *(words(v) for v in c)) for i, c in enumerate(credits, 1)),
            )
            run("CREATE UNLOGGED TABLE bench_keywords (id int, keywords text, words text)")
            copy_rows(
                connection,
                "COPY bench_keywords FROM STDIN",
                ((i, json.dumps(k), words(" ; ".join(k))) for i, k in enumerate(keyword_sets, 1)),
            )
            run("CREATE UNLOGGED TABLE bench_keyword (keywords_id int, keyword text)")
            copy_rows(
                connection,
                "COPY bench_keyword FROM STDIN",
                ((i, w) for i, k in enumerate(keyword_sets, 1) for w in k),
            )
            run("CREATE UNLOGGED TABLE bench_camera (id int, make text, model text)")
            copy_rows(
                connection, "COPY bench_camera FROM STDIN", ((i, *c) for i, c in enumerate(CAMERAS))
            )
            run("CREATE UNLOGGED TABLE bench_usage_caption (caption text, words text)")
            copy_rows(
                connection,
                "COPY bench_usage_caption FROM STDIN",
                ((c, words(c)) for c in usage_captions()),
            )
            add_vectors(connection)
        with stage(timings, f"per-photo choices ({count:,} rows, SQL)"):
            run(
                PER_PHOTO_SQL.format(
                    count=count,
                    generated=generated,
                    labelled=len(captions) - generated,
                    scenes=len(gallery_speed.SCENES),
                    places=len(gallery_speed.PLACES),
                    whens=len(gallery_speed.WHEN),
                    years=len(YEARS),
                    first_year=YEARS[0],
                    span=int(len(YEARS) * 365.25 * 86400),
                    credits=len(credits),
                    keyword_sets=KEYWORD_SETS,
                )
            )
        with stage(timings, f"assets ({count:,})"):
            run(ASSETS_SQL)
            run("SELECT setval(pg_get_serial_sequence('assets', 'id'), %s)", (count,))
        with stage(timings, "asset_keywords"):
            run(KEYWORDS_SQL)
        with stage(timings, "near-duplicate clusters, fingerprints (COPY)"):
            planted = plant_near_duplicates(connection, rng, count, targets)
        with stage(timings, "asset_hashes"):
            values = ", ".join(f"('{name}', {101 + i})" for i, name in enumerate(signals))
            run(HASHES_SQL.format(signals=values, version=IMAGEHASH_VERSION))
        with stage(timings, "articles and usages (COPY)"):
            fill_usages(connection, rng, count, planted, targets)
        with stage(timings, "create the secondary indexes"):
            for _, definition in indexes:
                if "USING gin" not in definition:
                    run(definition)
        with stage(timings, "analyze"):
            run("ANALYZE")
    groups_stage = stage(timings, "duplicate groups (membership.rebuild_groups)")
    with groups_stage, database.session_scope() as session:
        membership.rebuild_groups(session)
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        run = connection.execute
        run("SET session_replication_role = replica")
        run("SET maintenance_work_mem = '512MB'")
        run("SET work_mem = '256MB'")
        with stage(timings, "search index (SQL)"):
            run(PUBLISHED_SQL.format(config=search.TS_CONFIG))
            run(SEARCH_SQL)
        with stage(timings, "search lexemes (SQL)"):
            run(LEXEMES_SQL)
        with stage(timings, "usage counts per group (SQL)"):
            run(STATS_SQL)
        with stage(timings, "keys of the per-photo tables, search GIN indexes"):
            for table, name, definition in keys:
                run(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for _, definition in indexes:
                if "USING gin" in definition:
                    run(definition)
    with stage(timings, "the words' index of each id slice"):
        slice_indexes(database)
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        run = connection.execute
        with stage(timings, "drop the build tables"):
            for table in BENCH_TABLES:
                run(f"DROP TABLE IF EXISTS {table}")
            run("DROP FUNCTION bench_u(bigint, bigint)")
        with stage(timings, "vacuum analyze"):
            run("VACUUM ANALYZE")
    with database.session_scope() as session:
        # An admin sees every page, the auditor's included (as in gallery_speed).
        users.create_user(session, "bench", "admin", "bench-password")
    return timings


def slice_indexes(database: Database) -> list[str]:
    """Make the words' index of every id slice that lacks one; returns the names made.

    A library grows them as it grows (`search._keep_slice_ahead`); a catalog made by
    COPY has only those of the empty catalog, as has one kept from a build before
    this step, and a walk over slices without their own index asks the catalog-wide
    one once per slice (0.6-0.9 s a word search at 10^7 instead of 50-80 ms).
    """
    with database.engine.begin() as connection:
        connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        return search.add_slice_indexes(connection)


def add_vectors(connection: psycopg.Connection[Any]) -> None:
    """Each distinct text's tsvector, weighted as `search._index_chunk` weighs its field."""
    config = search.TS_CONFIG
    weights = search.INDEX_FIELDS
    for statement in (
        "ALTER TABLE bench_caption ADD vector tsvector",
        f"UPDATE bench_caption SET vector = setweight(to_tsvector('{config}', words), "
        f"'{weights['caption']}')",
        "ALTER TABLE bench_credit ADD credit_vector tsvector, ADD creator_vector tsvector, "
        "ADD source_vector tsvector",
        f"UPDATE bench_credit SET "
        f"credit_vector = setweight(to_tsvector('{config}', credit_words), '{weights['credit']}'), "
        f"creator_vector = setweight(to_tsvector('{config}', creator_words), "
        f"'{weights['creator']}'), source_vector = to_tsvector('{config}', source_words)",
        "ALTER TABLE bench_keywords ADD vector tsvector",
        f"UPDATE bench_keywords SET vector = to_tsvector('{config}', words)",
    ):
        connection.execute(statement)  # type: ignore[arg-type]


class CheckTarget:
    """A real file `check` is timed on, and what the catalog holds of it."""

    def __init__(self, path: Path, kind: str, asset_id: int | None) -> None:
        self.path = path
        #: "identical", "pixels", "near" or "unknown" (not in the catalog).
        self.kind = kind
        self.asset_id = asset_id
        self.analysis = analyze_file(str(path))
        if self.analysis.error:
            raise SystemExit(f"{path}: cannot be read for the check targets: {self.analysis.error}")


CHECK_KINDS = ("identical", "pixels", "near", "unknown")


def check_targets(count: int, folder: Path) -> list[CheckTarget]:
    """Two files of each kind: corpus photos (UKBench, 640×480) or, without the corpora,
    generated ones written to ``folder``."""
    source = CORPORA / "near-dup" / "imagededup" / "base_images"
    files = sorted(source.glob("*.jpg"))[: 2 * len(CHECK_KINDS)] if source.is_dir() else []
    rng = np.random.default_rng(11)
    while len(files) < 2 * len(CHECK_KINDS):
        field = rng.normal(size=(9, 12, 3)).cumsum(axis=0).cumsum(axis=1)
        field = (field - field.min()) / (np.ptp(field) or 1) * 255
        path = folder / f"check-{len(files)}.jpg"
        Image.fromarray(field.astype(np.uint8)).resize((640, 480)).save(path, quality=90)
        files.append(path)
    targets = []
    for number, path in enumerate(files):
        kind = CHECK_KINDS[number % len(CHECK_KINDS)]
        # Spread over the catalog; the near-duplicate clusters keep away from them.
        asset_id = None if kind == "unknown" else count // 3 + number * max(1, count // 11)
        targets.append(CheckTarget(path, kind, asset_id))
    return targets


def plant_near_duplicates(
    connection: psycopg.Connection[Any],
    rng: random.Random,
    count: int,
    targets: list[CheckTarget],
) -> set[int]:
    """Near-duplicate clusters and the check targets: their signals, fingerprints and the
    verified pairs. Returns the photos planted."""
    rows = gallery_speed.near_pairs(rng, count, count // 100)
    taken = {t.asset_id for t in targets if t.asset_id is not None}
    rows = [r for r in rows if r["asset_a"] not in taken and r["asset_b"] not in taken]
    pool = fingerprint_pool()
    hashes: dict[int, dict[str, int]] = {}
    prints: dict[int, bytes] = {}
    for number, members in enumerate(clusters(rows)):
        base = {name: signed64(rng) for name in STORED_SIGNALS}
        copies = pool[number % len(pool)]
        for position, member in enumerate(members):
            signals = {name: flipped(rng, base[name], rng.randint(0, 3)) for name in base}
            signals.update({name: signed64(rng) for name in QUERY_SIGNALS})
            hashes[member] = signals
            prints[member] = copies[position % len(copies)]
    for row in rows:
        row["distance"] = bin(
            (hashes[row["asset_a"]]["phash"] ^ hashes[row["asset_b"]]["phash"]) & (2**64 - 1)
        ).count("1")
        row["signal"] = "phash→phash"
    for target in targets:
        analysis = target.analysis
        if target.asset_id is None:
            continue
        if target.kind == "identical":
            connection.execute(
                "UPDATE assets SET sha256 = %s, content_digest = %s, file_size = %s WHERE id = %s",
                (analysis.sha256, analysis.content_digest, analysis.size, target.asset_id),
            )
        elif target.kind == "pixels":
            connection.execute(
                "UPDATE assets SET content_digest = %s WHERE id = %s",
                (analysis.content_digest, target.asset_id),
            )
        signals = dict(analysis.hashes)
        if target.kind == "near":
            signals = {name: flipped(rng, value, 2) for name, value in signals.items()}
        if target.kind in ("identical", "near"):
            hashes[target.asset_id] = signals
            assert analysis.fingerprint is not None
            prints[target.asset_id] = analysis.fingerprint
    connection.execute("CREATE UNLOGGED TABLE bench_planted (asset_id int PRIMARY KEY)")
    copy_rows(connection, "COPY bench_planted FROM STDIN", ((i,) for i in sorted(hashes)))
    connection.execute(
        "CREATE UNLOGGED TABLE bench_planted_hash (asset_id int, algorithm text, value bigint)"
    )
    copy_rows(
        connection,
        "COPY bench_planted_hash FROM STDIN",
        ((i, name, value) for i in sorted(hashes) for name, value in sorted(hashes[i].items())),
    )
    copy_rows(
        connection,
        "COPY asset_fingerprints (asset_id, version, data) FROM STDIN",
        ((i, similarity.SIGNALS_VERSION, prints[i]) for i in sorted(prints)),
    )
    found = "2026-11-01 12:00:00"
    fields = ("asset_a", "asset_b", "signal", "distance", "score", "method", "detail")
    copy_rows(
        connection,
        f"COPY duplicate_pairs ({', '.join(fields)}, signals_version, found_at) FROM STDIN",
        (
            (*(row[f] for f in fields), similarity.SIGNALS_VERSION, found)
            for row in sorted(rows, key=lambda r: (r["asset_a"], r["asset_b"]))
        ),
    )
    return set(hashes)


def fill_usages(
    connection: psycopg.Connection[Any],
    rng: random.Random,
    count: int,
    planted: set[int],
    targets: list[CheckTarget],
) -> None:
    """Articles (one per 16 photos) and usages (a quarter of the photo count), as
    gallery_speed makes them: popular photos reused, plus a few for every check target."""
    articles = max(1, count // 16)
    start = time.mktime((2006, 1, 1, 0, 0, 0, 0, 0, -1))
    span = len(YEARS) * 365.25 * 86400
    copy_rows(
        connection,
        "COPY articles (id, key, title, url, published, byline, tags, categories, format, "
        "status, source_path, imported_at) FROM STDIN",
        (
            (
                n,
                f"bench:{n}",
                f"Story {n}",
                f"https://news.example/{n}",
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(start + span * n / articles)),
                rng.choice(FIRST) + " " + rng.choice(LAST),
                "[]",
                "[]",
                "html",
                "publish",
                "bench",
                "2026-11-01 12:00:00",
            )
            for n in range(1, articles + 1)
        ),
    )
    captions = usage_captions()
    popular = rng.sample(range(1, count + 1), min(count, max(2000, count // 500)))
    wanted = [t.asset_id for t in targets if t.asset_id is not None]
    clustered = sorted(planted)[:: max(1, len(planted) // 2000)]

    def rows() -> Iterator[tuple[Any, ...]]:
        total = count // 4
        for n in range(1, total + 1):
            if n <= 3 * len(wanted):
                asset_id = wanted[(n - 1) % len(wanted)]
            elif n % 50 == 0 and clustered:
                asset_id = rng.choice(clustered)
            elif n % 3:
                asset_id = popular[min(len(popular), int(rng.paretovariate(1.2))) - 1]
            else:
                asset_id = rng.randint(1, count)
            caption = rng.choice(captions)
            article = rng.randint(1, articles)
            credit = rng.choice(gallery_speed.CREDITS)
            yield (n, article, asset_id, "inline", n % 5, caption, caption, credit, False, "[]")

    copy_rows(
        connection,
        "COPY usages (id, article_id, asset_id, role, position, caption, description, credit, "
        "archive, dates) FROM STDIN",
        rows(),
    )
    for table in ("articles", "usages"):
        connection.execute(  # type: ignore[call-overload]
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


# --- checking the build against the library ------------------------------------------------


def compare_with_library(database: Database, count: int, sample: int = 400) -> list[int]:
    """Photos whose index row or usage count differs from what the library writes for them
    (`search.reindex_assets`, rolled back): a random sample plus photos that ran."""
    rng = random.Random(3)
    with Session(database.engine) as session:
        used = list(session.scalars(text("SELECT DISTINCT asset_id FROM usages LIMIT 2000")))
        grouped = list(session.scalars(text("SELECT asset_id FROM duplicate_members LIMIT 2000")))
        ids = sorted(
            set(rng.sample(range(1, count + 1), min(count, sample)))
            | set(rng.sample(used, min(len(used), sample // 2)))
            | set(rng.sample(grouped, min(len(grouped), sample // 4)))
        )
        # The library reads a photo's usages in no fixed order, so with several
        # published captions the positions in its row may come in another order:
        # those rows are compared without positions (every lexeme and weight still).
        read = text(
            "SELECT s.asset_id, CASE WHEN (SELECT count(DISTINCT caption) FROM usages u "
            "WHERE u.asset_id = s.asset_id) > 1 THEN array_to_string(tsvector_to_array("
            "s.document), ' ') || ' / ' || array_to_string(tsvector_to_array(ts_filter("
            "s.document, '{a,b,c}')), ' ') ELSE s.document::text END, s.keywords::text, "
            "t.article_count FROM asset_search s JOIN asset_search_stats t USING (asset_id) "
            "WHERE s.asset_id = ANY(:ids)"
        )
        ours = {row[0]: row[1:] for row in session.execute(read, {"ids": ids})}
        lexemes = text("SELECT count(*) FROM search_lexemes")
        known = session.scalar(lexemes)
        search.reindex_assets(session, ids)
        theirs = {row[0]: row[1:] for row in session.execute(read, {"ids": ids})}
        added = (session.scalar(lexemes) or 0) - (known or 0)
        session.rollback()
    if added:
        raise SystemExit(f"search_lexemes lacks {added} lexemes of the sampled photos")
    return [i for i in ids if ours.get(i) != theirs.get(i)]


# --- timing -------------------------------------------------------------------------------


class StatementLog:
    """The SQL one request sends, with each statement's time, for EXPLAIN."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.statements: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on:
            took = (time.perf_counter() - conn.info["bench_began"]) * 1000
            self.statements.append((took, statement, params))

    def slowest(self, request: Callable[[], Any]) -> tuple[float, str, Any, float]:
        """The request's slowest statement: (ms, SQL, parameters, whole request ms)."""
        self.statements = []
        self.on = True
        began = time.perf_counter()
        try:
            request()
        finally:
            self.on = False
        total = (time.perf_counter() - began) * 1000
        return (*max(self.statements, key=lambda s: s[0]), total)


def explain(database: Database, statement: str, params: Any) -> str:
    with database.engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        lines = [row[0] for row in plan]
        connection.rollback()
    return "\n".join(lines)


def timed_pages(
    client: Any, pages: dict[str, list[str]], runs: int, slow_ms: float
) -> list[gallery_speed.Row]:
    """Each page (its URLs asked in turn) ``runs`` times after two warm-up requests; a
    page whose first request takes longer than ``slow_ms`` is asked twice more only."""
    rows: list[gallery_speed.Row] = []
    for label, urls in pages.items():
        began = time.perf_counter()
        response = client.get(urls[0])
        first = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (urls[0], response.status_code)
        if first >= slow_ms:
            shown = response.text.count('<article class="card')
            samples = []
            for url in (urls * 2)[1:3]:
                began = time.perf_counter()
                client.get(url)
                samples.append((time.perf_counter() - began) * 1000)
            rows.append((label, urls[0], shown, min(samples), max(samples)))
        elif len(urls) == 1:
            rows += gallery_speed.time_pages(client, {label: urls[0]}, runs)
        else:
            rows += gallery_speed.time_rotating(client, {label: urls}, runs)[0]
        print(f"  {label:<40} p95 {rows[-1][4]:8.1f} ms", flush=True)
    return rows


def time_check(
    database: Database, targets: list[CheckTarget], runs: int, loads: int
) -> list[tuple[str, float, float, str]]:
    """`check` per kind of file as ``photodesk check FILE`` runs it (`check_files`: the
    candidates asked of the catalog's substring indexes), ``runs`` times, and the look-up
    alone. Baseline in the same run, ``loads`` times: the Hamming index loaded from the
    catalog (what every check call cost before) and the check with it already loaded; then
    both ways must find the same matches for every target, or the run stops."""
    results = []
    with database.session_scope(write=False) as session:

        def one_shot(path: str) -> None:
            check_files(session, [path])

        for kind in CHECK_KINDS:
            paths = [str(t.path) for t in targets if t.kind == kind]
            median, p95 = gallery_speed.measure(
                gallery_speed._rotating(_Caller(one_shot), paths), runs
            )
            levels = ",".join(
                sorted({m.level for m, _ in check_files(session, paths[:1])[0].matches})
            )
            results.append((f"check {kind} file (catalog look-ups)", median, p95, levels or "none"))
        analyses = [analyze_file(str(t.path)) for t in targets]
        lookup = CatalogLookup(session)
        median, p95 = gallery_speed.measure(
            gallery_speed._rotating(_Caller(lambda a: lookup.candidates(a.hashes)), analyses),
            runs,
        )
        results.append(("  of which: candidates from the catalog", median, p95, ""))
        paths = [str(t.path) for t in targets]
        median, p95 = gallery_speed.measure(
            gallery_speed._rotating(_Caller(lambda p: analyze_file(p, render=False)), paths), runs
        )
        results.append(("  of which: analyse the file", median, p95, ""))
    results += time_saved_check(database, targets, analyses, runs)
    with database.session_scope(write=False) as session:
        if not loads:
            return results
        samples = []
        for _ in range(loads):
            began = time.perf_counter()
            index = SignalIndex(session)
            samples.append((time.perf_counter() - began) * 1000)
        samples.sort()
        results.append(
            (
                "before: load the Hamming index per call",
                samples[len(samples) // 2],
                samples[min(len(samples) - 1, int(len(samples) * 0.95))],
                f"{len(index.indexes)}",
            )
        )

        def warm(path: str) -> None:
            analysis = analyze_file(path)
            for match in matches_for(session, analysis, index):
                [
                    records.usage_record(u, a)
                    for u, a in queries.group_usages(session, match.asset_id)
                ]

        for kind in CHECK_KINDS:
            paths = [str(t.path) for t in targets if t.kind == kind]
            median, p95 = gallery_speed.measure(gallery_speed._rotating(_Caller(warm), paths), runs)
            results.append((f"before: check {kind} file, index loaded", median, p95, ""))
        for analysis in analyses:
            loaded = _as_rows(index.candidates(analysis.hashes))
            if _as_rows(CatalogLookup(session).candidates(analysis.hashes)) != loaded:
                raise SystemExit(f"check: the catalog look-up differs from the index: {analysis}")
        results.append(("  same candidates both ways", 0.0, 0.0, f"{len(analyses)} files"))
    return results


def time_saved_check(
    database: Database, targets: list[CheckTarget], analyses: list[Any], runs: int
) -> list[tuple[str, float, float, str]]:
    """`check` with the library's saved signal index (``photodesk dupes index``): building
    it once, then the same files as above, each with the candidates the catalog look-up
    gives (the run stops if any differ), and the look-up alone."""
    root = database.config.root
    began = time.perf_counter()
    with database.session_scope(write=False) as session:
        built = saved_index.update(session, root, rebuild=True)
    took = time.perf_counter() - began
    size = f"{built.size / 2**30:.2f}GiB"
    results = [("  saved index built (dupes index, once)", took * 1000, took * 1000, size)]
    print(f"  saved index built in {took:.1f} s, {size}", flush=True)
    with database.session_scope(write=False) as session:
        saved = saved_index.SavedIndex.open(session, root)
        if saved is None:
            raise SystemExit("check: the saved index just built cannot be opened")
        catalog = CatalogLookup(session)
        for analysis in analyses:
            if _as_rows(saved.candidates(analysis.hashes)) != _as_rows(
                catalog.candidates(analysis.hashes)
            ):
                raise SystemExit(f"check: the saved index differs from the catalog: {analysis}")

        def one_shot(path: str) -> None:
            check_files(session, [path], root)

        for kind in CHECK_KINDS:
            paths = [str(t.path) for t in targets if t.kind == kind]
            median, p95 = gallery_speed.measure(
                gallery_speed._rotating(_Caller(one_shot), paths), runs
            )
            levels = ",".join(
                sorted({m.level for m, _ in check_files(session, paths[:1], root)[0].matches})
            )
            results.append((f"check {kind} file (saved index)", median, p95, levels or "none"))

        def candidates(analysis: Any) -> None:
            # Opened per call, as each `photodesk check` process opens it.
            index = saved_index.SavedIndex.open(session, root)
            assert index is not None
            index.candidates(analysis.hashes)

        median, p95 = gallery_speed.measure(
            gallery_speed._rotating(_Caller(candidates), analyses), runs
        )
        results.append(("  of which: open it, candidates", median, p95, ""))
        results.append(("  same candidates as the catalog", 0.0, 0.0, f"{len(analyses)} files"))
        # What an ingest run's first batch waits for before it can match: the saved
        # index opened, or (without one) every stored signal loaded.
        opened = []
        for _ in range(5):
            began = time.perf_counter()
            saved_index.SavedIndex.open(session, root)
            opened.append((time.perf_counter() - began) * 1000)
        opened.sort()
        results.append(("  ingest's index: saved one opened", opened[2], opened[-1], ""))
        began = time.perf_counter()
        SignalIndex(session)
        took = (time.perf_counter() - began) * 1000
        results.append(("  ingest's index: every signal loaded", took, took, ""))
    return results


def _as_rows(found: list[pairs.Candidate]) -> list[tuple[int, str, int]]:
    return [(c.asset_id, c.rule, c.distance) for c in found]


class _Caller:
    """Looks like a test client to `gallery_speed._rotating`: ``get(x)`` calls ``function(x)``."""

    def __init__(self, function: Callable[[str], Any]) -> None:
        self.get = function


def time_all_pairs(database: Database, planted_pairs: int) -> tuple[float, int, float]:
    """`pairs.rescan` over the whole catalog, rolled back: seconds, pairs stored, and the
    seconds of the group rebuild inside it (timed again alone)."""
    with Session(database.engine) as session:
        began = time.perf_counter()
        stored = pairs.rescan(session)
        seconds = time.perf_counter() - began
        session.rollback()
    with Session(database.engine) as session:
        began = time.perf_counter()
        membership.rebuild_groups(session)
        groups = time.perf_counter() - began
        session.rollback()
    return seconds, stored, groups


def time_one_signal_pairs(database: Database, name: str = "phash") -> tuple[float, float, int, int]:
    """One rule of the full pass alone: ``name``'s values loaded (`pairs.load_signals`)
    and all pairs within the radius found (`HammingIndex.pairs`): seconds of each,
    photos and pairs."""
    with database.session_scope(write=False) as session:
        began = time.perf_counter()
        ids, values = pairs.load_signals(session, [name])[name]
        load = time.perf_counter() - began
    began = time.perf_counter()
    found = HammingIndex(ids, values, max_radius=8).pairs(8)
    return load, time.perf_counter() - began, len(ids), len(found)


def time_cross_rule(
    database: Database, query: str = "lowfreq", stored: str = "lowfreq_c7"
) -> tuple[float, float, int, int, int]:
    """One cross-signal rule of the full pass both ways in the same run: before, one index
    over both sides with ids tagged by side (all pairs, then the pairs within a side
    dropped); now, the stored side's index queried with the query side
    (`HammingIndex.cross_pairs`). Seconds of each (index built and searched), the two
    sides' sizes and the pairs found; the run stops if the two ways differ."""
    with database.session_scope(write=False) as session:
        tables = pairs.load_signals(session, [query, stored])
    (q_ids, q_values), (s_ids, s_values) = tables[query], tables[stored]
    began = time.perf_counter()
    ids = np.concatenate([s_ids * 2, q_ids * 2 + 1])
    found = HammingIndex(ids, np.concatenate([s_values, q_values]), max_radius=8).pairs(8)
    across = found[((found[:, 0] ^ found[:, 1]) & 1 == 1) & (found[:, 0] // 2 != found[:, 1] // 2)]
    before = time.perf_counter() - began
    began = time.perf_counter()
    crossed = HammingIndex(s_ids, s_values, max_radius=8).cross_pairs(q_ids, q_values, 8)
    crossed = crossed[crossed[:, 0] != crossed[:, 1]]
    now = time.perf_counter() - began
    # As (query id, stored id, distance): the odd (query-side) tag is the query photo.
    old = {
        (int(b) // 2, int(a) // 2, int(d)) if a % 2 == 0 else (int(a) // 2, int(b) // 2, int(d))
        for a, b, d in across.tolist()
    }
    new = {(int(a), int(b), int(d)) for a, b, d in crossed.tolist()}
    if old != new:
        raise SystemExit(f"cross_pairs differs from the tagged index on {query}→{stored}")
    return before, now, len(q_ids), len(s_ids), len(new)


def catalog_facts(url: str) -> tuple[list[tuple[str, int, int]], int]:
    """(table, rows, bytes with indexes) for the largest tables, and the database's size."""
    with psycopg.connect(plain_url(url)) as connection:
        tables = list(
            connection.execute(
                "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12"
            )
        )
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return tables, int(size[0]) if size else 0


def is_empty(url: str) -> bool:
    with psycopg.connect(plain_url(url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return bool(row) and row[0] == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000_000, help="photos to build")
    parser.add_argument(
        "--database-url", required=True, help="an empty PostgreSQL database (createdb first)"
    )
    parser.add_argument("--keep", action="store_true", help="time the catalog already built there")
    parser.add_argument("--runs", type=int, default=20, help="requests per page")
    parser.add_argument(
        "--check-runs",
        type=int,
        default=3,
        help="times the Hamming index is loaded for the baseline (the check before the "
        "catalog look-ups); 0: no baseline (CI)",
    )
    parser.add_argument(
        "--signals",
        choices=("all", "main"),
        default="all",
        help="store every index-side signal for every photo (14 rows each), or only "
        "phash, dhash and lowfreq, the 11 crop windows for the planted photos (disk at 10M)",
    )
    parser.add_argument("--only", metavar="REGEX", help="time only what matches REGEX")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--slow-ms", type=float, default=3000, help="pages slower than this are asked 3 times"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest SQL of each page over 100 ms"
    )
    args = parser.parse_args()
    url = args.database_url
    if not url.startswith("postgresql"):
        raise SystemExit(f"--database-url {url}: not a PostgreSQL URL")
    try:
        empty = is_empty(url)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"--database-url {url}: cannot connect ({str(exc).strip()})") from None
    if args.keep and empty:
        raise SystemExit(f"--keep: {url} holds no catalog; build one first without --keep")
    if not args.keep and not empty:
        raise SystemExit(
            f"--database-url {url}: the database is not empty; give a new one "
            "(createdb) or add --keep to time the catalog built there"
        )
    folder = Path(tempfile.mkdtemp(prefix="photodesk-scale-"))
    config = LibraryConfig(folder / "library", url)
    began = time.perf_counter()
    database = init_library(config)
    schema = time.perf_counter() - began
    if args.keep:
        with database.session_scope(write=False) as session:
            args.count = session.scalar(select(func.max(Asset.id))) or 0
        print(f"reusing the catalog of {args.count:,} photos in {url}")
        began = time.perf_counter()
        made = slice_indexes(database)
        if made:
            took = time.perf_counter() - began
            print(f"  made the missing words' slice indexes in {took:.1f} s: {', '.join(made)}")
    targets = check_targets(args.count, folder)
    wanted = re.compile(args.only) if args.only else None
    if not args.keep:
        print(f"building {args.count:,} photos in {url}", flush=True)
        timings = {"schema (Alembic migrations)": schema}
        began = time.perf_counter()
        signals = STORED_SIGNALS if args.signals == "all" else MAIN_SIGNALS
        print(
            f"signals for every photo: {', '.join(signals)}; every signal and a fingerprint "
            "for the photos in near-duplicate clusters and the check targets"
        )
        timings.update(build(database, url, args.count, args.seed, targets, signals))
        total = time.perf_counter() - began
        print(f"  {'total':<44} {total:8.1f} s ({args.count / total:,.0f} photos/s)")
        differ = compare_with_library(database, args.count)
        print(
            f"  search index and usage counts: {len(differ)} sampled photos differ from "
            f"search.reindex_assets{' ' + str(differ[:10]) if differ else ''}"
        )
        if differ:
            raise SystemExit("the built search index differs from the library's")
    tables, size = catalog_facts(url)
    print(f"\ndatabase size {size / 2**30:.2f} GiB")
    for name, rows, size_bytes in tables:
        print(f"  {name:<24} {rows:>13,} rows {size_bytes / 2**20:>10,.0f} MiB")

    from webui import create_app
    from webui.server import freeze_startup_objects

    app = create_app({"LIBRARY": config.root, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    app_database = app.extensions["photodesk"].database
    log = StatementLog(app_database.engine)
    client = gallery_speed._signed_in_client(app, "bench", "bench-password")
    # As `photodesk serve` does before it answers (webui/server.py).
    freeze_startup_objects()
    print("\ntiming pages", flush=True)
    pages = {k: [v] for k, v in gallery_speed.grid_pages(database, args.count).items()}
    pages.update(gallery_speed.detail_pages(database, args.count))
    if wanted:
        pages = {label: urls for label, urls in pages.items() if wanted.search(label)}
    rows = timed_pages(client, pages, args.runs, args.slow_ms)
    checks = []
    if not wanted or wanted.search("check"):
        print("timing check", flush=True)
        checks = time_check(database, targets, args.runs, args.check_runs)
    one_signal = cross_rule = None
    if not wanted or wanted.search("hamming"):
        print("timing the Hamming all-pairs of one signal", flush=True)
        one_signal = time_one_signal_pairs(database)
        print("timing one cross-signal rule both ways", flush=True)
        cross_rule = time_cross_rule(database)
    all_pairs = None
    if not wanted or wanted.search("all-pairs"):
        print("timing the all-pairs pass", flush=True)
        with database.session_scope(write=False) as session:
            planted = session.scalar(text("SELECT count(*) FROM duplicate_pairs")) or 0
        all_pairs = (*time_all_pairs(database, planted), planted)

    print(
        f"\n{args.count:,} photos: server time per page, {args.runs} runs "
        f"(target p95 {TARGET_MS:.0f} ms)"
    )
    print(f"{'page':<40} {'shown':>6} {'median':>9} {'p95':>9}")
    for label, _url, shown, median, p95 in rows:
        flag = "" if p95 < TARGET_MS else "  over target"
        print(f"{label:<40} {shown:>6} {median:>7.1f}ms {p95:>7.1f}ms{flag}")
    for label, median, p95, note in checks:
        flag = "" if p95 < TARGET_MS or label.startswith(" ") else "  over target"
        print(f"{label:<40} {note:>6} {median:>7.1f}ms {p95:>7.1f}ms{flag}")
    if one_signal:
        load, search_s, photos, found = one_signal
        print(
            f"\nhamming all-pairs of one signal (phash, radius 8): load {load:.1f} s, "
            f"pairs {search_s:.1f} s: {found:,} pairs among {photos:,} photos"
        )
    if cross_rule:
        before, now, queries_, stored_, found_ = cross_rule
        print(
            f"one cross-signal rule (lowfreq→lowfreq_c7, radius 8; {queries_:,} × {stored_:,} "
            f"hashes, {found_:,} pairs): index over both sides {before:.1f} s, "
            f"stored side queried (cross_pairs) {now:.1f} s: {before / max(now, 1e-9):.1f}×"
        )
    if all_pairs:
        seconds, stored, groups, planted = all_pairs
        print(
            f"\nall-pairs near-duplicate pass (pairs.rescan, rolled back): {seconds:.1f} s, "
            f"{stored:,} verified pairs ({planted:,} planted); "
            f"of which rebuilding every group: about {groups:.1f} s"
        )
    if args.explain:
        for label, url_, _shown, _median, p95 in rows:
            if p95 < TARGET_MS:
                continue
            took, statement, params, total = log.slowest(lambda u=url_: client.get(u))
            print(
                f"\n--- {label} ({url_}): request {total:.0f} ms, slowest statement {took:.0f} ms"
            )
            print(statement)
            print(explain(app_database, statement, params))
    app_database.dispose()
    database.dispose()


if __name__ == "__main__":
    main()
