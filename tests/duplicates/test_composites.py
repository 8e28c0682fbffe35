"""Composites (collages, pages showing several photos) contain photos; they join no groups."""

from __future__ import annotations

import json
import random
from pathlib import Path

from PIL import Image
from sqlalchemy import delete, select

from assets import similarity
from library.db.engine import Database
from library.db.models import Asset, AssetRegion, ContainedPhoto
from library.duplicates.containment import RegionIndex
from library.duplicates.hashbits import hamming_distance
from library.duplicates.membership import duplicate_groups, group_of, stale_groups
from library.duplicates.pairs import rescan
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.duplicates.hashdata import signed
from tests.duplicates.test_dupes import names
from tests.duplicates.test_shared_layouts import scene


def collage(photos: list[Image.Image], gutter: int = 10) -> Image.Image:
    """Photos side by side at one height, with white gutters between them."""
    height = 360
    scaled = [p.resize((round(p.width * height / p.height), height)) for p in photos]
    out = Image.new("RGB", (sum(s.width for s in scaled) + gutter * (len(scaled) - 1), height))
    out.paste("white", (0, 0, out.width, out.height))
    x = 0
    for s in scaled:
        out.paste(s, (x, 0))
        x += s.width + gutter
    return out


def ingest(database: Database, *paths: Path) -> None:
    report = IngestSession(database, IngestOptions(workers=1)).run([str(p) for p in paths])
    assert not report.failed


def write_set(folder: Path) -> dict[str, Path]:
    """Two photos, a copy of the first, an unrelated photo and a collage of the two."""
    folder.mkdir(parents=True, exist_ok=True)
    first, second, other = scene(1), scene(2), scene(3)
    files = {
        "first.jpg": first,
        "first-web.jpg": first.resize((320, 240)),
        "second.jpg": second,
        "other.jpg": other,
        "collage.jpg": collage([first, second]),
    }
    paths = {}
    for name, image in files.items():
        paths[name] = folder / name
        image.save(paths[name], quality=88)
    return paths


def groups_by_name(database: Database) -> list[dict[str, str]]:
    lookup = names(database)
    with database.session_scope(write=False) as session:
        return [{lookup[m.asset_id]: m.level for m in g.members} for g in duplicate_groups(session)]


def check_collage_groups(database: Database) -> None:
    groups = sorted(groups_by_name(database), key=lambda g: sorted(g))
    assert groups == [
        {"first.jpg": "master", "first-web.jpg": "near", "collage.jpg": "contains"},
        {"second.jpg": "master", "collage.jpg": "contains"},
    ]
    with database.session_scope(write=False) as session:
        assert stale_groups(session) == []


def test_a_collage_of_two_library_photos_is_in_both_groups(
    database: Database, tmp_path: Path
) -> None:
    paths = write_set(tmp_path / "in")
    ingest(database, *(p for name, p in paths.items() if name != "collage.jpg"))
    ingest(database, paths["collage.jpg"])
    check_collage_groups(database)
    lookup = {name: asset_id for asset_id, name in names(database).items()}
    with database.session_scope(write=False) as session:
        group = group_of(session, lookup["first.jpg"])
        assert group is not None
        shown = next(m for m in group.members if m.asset_id == lookup["collage.jpg"])
        assert shown.why.startswith("shown inside a collage of 2 pictures, at ")
        # The collage is a copy of nothing: it has no group of its own.
        assert group_of(session, lookup["collage.jpg"]) is None
    # A full pass finds the same, and a copy of the first photo changes nothing else.
    with database.session_scope() as session:
        rescan(session)
    check_collage_groups(database)


def test_a_collage_arriving_before_its_photos_is_found(database: Database, tmp_path: Path) -> None:
    paths = write_set(tmp_path / "in")
    ingest(database, paths["collage.jpg"])
    ingest(database, *(p for name, p in paths.items() if name != "collage.jpg"))
    check_collage_groups(database)


def test_a_plain_photo_has_no_regions(database: Database, tmp_path: Path) -> None:
    paths = write_set(tmp_path / "in")
    ingest(database, *paths.values())
    lookup = names(database)
    with database.session_scope(write=False) as session:
        owners = {lookup[a] for a in session.scalars(select(AssetRegion.asset_id))}
        links = {
            (lookup[c], lookup[p])
            for c, p in session.execute(
                select(ContainedPhoto.composite_id, ContainedPhoto.photo_id)
            )
        }
    assert owners == {"collage.jpg"}
    assert links == {
        ("collage.jpg", "first.jpg"),
        ("collage.jpg", "first-web.jpg"),
        ("collage.jpg", "second.jpg"),
    }


def test_dupes_json_lists_the_collage_at_level_contains(run: object, tmp_path: Path) -> None:
    write_set(tmp_path / "in")
    assert run("ingest", str(tmp_path / "in")).exit_code == 0  # type: ignore[operator]
    data = json.loads(run("dupes", "--json").stdout)  # type: ignore[operator]
    contains = [
        (g["master"], m["asset_id"])
        for g in data["groups"]
        for m in g["members"]
        if m["level"] == "contains"
    ]
    assert len(contains) == 2 and len({composite for _, composite in contains}) == 1
    masters = {master for master, _ in contains}
    assert len(masters) == 2  # two groups, never one
    only = json.loads(run("dupes", "--json", "--level", "contains").stdout)  # type: ignore[operator]
    assert [g["master"] for g in only["groups"]] == [
        g["master"] for g in data["groups"] if g["level"] == "contains"
    ]
    # Checking another collage of the two photos (not in the library) names both.
    incoming = tmp_path / "incoming.jpg"
    collage([scene(2), scene(1)], gutter=0).save(incoming, quality=80)
    checked = json.loads(run("check", str(incoming), "--json").stdout)  # type: ignore[operator]
    found = {m["asset_id"]: m for m in checked[0]["matches"] if m["level"] == "contains"}
    assert set(found) >= masters
    assert all(
        m["why"].startswith("this file shows the photo inside a collage") for m in found.values()
    )


def _links(database: Database) -> set[tuple[str, str]]:
    lookup = names(database)
    with database.session_scope(write=False) as session:
        return {
            (lookup[c], lookup[p])
            for c, p in session.execute(
                select(ContainedPhoto.composite_id, ContainedPhoto.photo_id)
            )
        }


def test_a_run_keeps_its_region_index_current_between_batches(
    database: Database, tmp_path: Path
) -> None:
    """One photo per batch, composites early and in the middle: the run's region index,
    kept between batches, finds every link a full pass finds."""
    write_set(tmp_path / "in")
    collage([scene(2), scene(3)]).save(tmp_path / "in" / "collage-2.jpg", quality=88)
    order = ["collage.jpg", "first.jpg", "collage-2.jpg", "first-web.jpg", "second.jpg"]
    order += ["other.jpg"]
    options = IngestOptions(workers=1, batch_size=1, batch_bytes=0)
    report = IngestSession(database, options).run([str(tmp_path / "in" / n) for n in order])
    assert not report.failed
    found = _links(database)
    assert {("collage.jpg", "first.jpg"), ("collage.jpg", "second.jpg")} <= found
    assert {("collage-2.jpg", "second.jpg"), ("collage-2.jpg", "other.jpg")} <= found
    with database.session_scope() as session:
        rescan(session)
    assert _links(database) == found


def test_a_refreshed_region_index_is_the_catalogs(database: Database, tmp_path: Path) -> None:
    """Regions added since are read by id; a deleted region makes it read them all again."""
    paths = write_set(tmp_path / "in")
    ingest(database, paths["collage.jpg"])
    with database.session_scope(write=False) as session:
        warm = RegionIndex(session)
    first_regions = dict(warm.owner)
    assert len(first_regions) == 2
    collage([scene(2), scene(3)]).save(tmp_path / "collage-2.jpg", quality=88)
    ingest(database, tmp_path / "collage-2.jpg")
    for change in ("added", "deleted"):
        if change == "deleted":
            with database.session_scope() as session:
                session.execute(delete(Asset).where(Asset.id == next(iter(first_regions.values()))))
        with database.session_scope(write=False) as session:
            warm.refresh(session)
            fresh = RegionIndex(session)
            assert warm.owner == fresh.owner
            assert warm.newest == fresh.newest
            queries = [s for (s,) in session.execute(select(AssetRegion.signals))]
        assert queries
        assert [warm.candidates(q) for q in queries] == [fresh.candidates(q) for q in queries]
    assert not set(first_regions) & set(warm.owner)
    assert len(warm.owner) == 2


def test_a_batch_of_photos_finds_the_regions_each_photo_finds() -> None:
    """`candidates_many` asks each rule once for a batch: every photo must get exactly
    the regions some rule brings within its radius, counted here by brute force."""
    rng = random.Random(5)
    signal_names = sorted({stored for _, stored, _ in similarity.CANDIDATE_RULES})
    centres = [rng.getrandbits(64) for _ in range(4)] + [1 << 63, (1 << 64) - 1]

    def near(centre: int) -> int:
        value = centre
        for bit in rng.sample(range(64), rng.choice([0, 2, 5, 8, 9, 14])):
            value ^= 1 << bit
        return signed(value)

    rows = [
        (
            region,
            region % 7,
            {n: near(rng.choice(centres)) for n in signal_names if rng.random() < 0.7},
        )
        for region in range(1, 161)
    ]
    index = RegionIndex()
    index._add(rows)
    queries = {
        photo: {n: near(rng.choice(centres)) for n in signal_names if rng.random() < 0.5}
        for photo in range(40)
    }
    queries[40] = {}
    expected = {
        photo: {
            region
            for region, _, stored in rows
            for query, name, radius in similarity.CANDIDATE_RULES
            if query in signals
            and name in stored
            and hamming_distance(signals[query], stored[name]) <= radius
        }
        for photo, signals in queries.items()
    }
    assert index.candidates_many(queries) == expected
    assert index.candidates(queries[0]) == expected[0]
    assert sum(map(len, expected.values())) > 100  # the check had teeth
