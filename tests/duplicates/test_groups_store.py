"""Stored duplicate groups: kept equal to a rebuild through every change, read per photo."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from library.catalog import edits
from library.catalog.photos import record_path
from library.db.engine import Database, alembic_config, make_engine, migrate
from library.db.models import Asset, AssetPath, DuplicateGroup, DuplicateMember, DuplicatePair
from library.duplicates import decisions, membership
from library.duplicates.builder import build_groups
from library.files.verify import verify_library


def create_asset(
    database: Database,
    width: int = 160,
    content_digest: str | None = None,
    caption: str | None = None,
) -> int:
    """A photo row and its first path, then its groups, as ingest's store stage does."""
    with database.session_scope() as session:
        number = (session.scalar(select(func.max(Asset.id))) or 0) + 1
        sha = f"{number:064x}"
        asset = Asset(
            sha256=sha,
            content_digest=content_digest or f"pixels:{sha}",
            format="jpeg",
            width=width,
            height=120,
            file_size=1000,
            store_path=f"originals/{sha}.jpg",
            original_name=f"photo-{number}.jpg",
            keywords=[],
            field_sources={},
            embedded={},
            caption=caption,
            paths=[AssetPath(path=f"/in/photo-{number}.jpg")],
        )
        session.add(asset)
        session.flush()
        membership.refresh_groups(session, [asset.id])
        return asset.id


def stored(database: Database) -> list[dict[str, Any]]:
    with database.session_scope(write=False) as session:
        return [g.to_json() for g in membership.duplicate_groups(session)]


def rebuilt(database: Database) -> list[dict[str, Any]]:
    with database.session_scope(write=False) as session:
        return [g.to_json() for g in build_groups(session)]


def add_pair(database: Database, a: int, b: int, distance: int, detail: str = "aligned") -> None:
    """Store a verified pair the way update_pairs does: pair row, then the groups."""
    a, b = min(a, b), max(a, b)
    with database.session_scope() as session:
        if session.scalar(
            select(DuplicatePair.id).where(DuplicatePair.asset_a == a, DuplicatePair.asset_b == b)
        ):
            return
        session.add(
            DuplicatePair(
                asset_a=a,
                asset_b=b,
                signal="phash→phash",
                distance=distance,
                score=round(1 - distance / 64, 4),
                method="orb",
                detail=detail,
                signals_version="test",
            )
        )
        membership.refresh_groups(session, [a, b])


class RandomDesk:
    """A desk's life in random steps: photos, copies, pairs, decisions and edits."""

    def __init__(self, database: Database, seed: int) -> None:
        self.database = database
        self.rng = random.Random(seed)
        self.ids: list[int] = []
        self.log: list[str] = []

    def photo(self) -> None:
        digest = f"pixels:{self.rng.randrange(8)}" if self.rng.random() < 0.4 else None
        caption = "a caption" if self.rng.random() < 0.5 else None
        width = self.rng.choice([160, 320, 640])
        asset = create_asset(self.database, width, digest, caption)
        self.ids.append(asset)
        self.log.append(f"photo {asset} {digest}")

    def step(self) -> None:
        if len(self.ids) < 4 or self.rng.random() < 0.2:
            self.photo()
            return
        a, b = self.rng.sample(self.ids, 2)
        roll = self.rng.random()
        if roll < 0.3:
            detail = self.rng.choice(["aligned", "A trimmed by a bar", "B trimmed border"])
            self.log.append(f"pair {a} {b} {detail}")
            add_pair(self.database, a, b, self.rng.randrange(1, 12), detail)
            return
        with self.database.session_scope() as session:
            if roll < 0.45:
                self.log.append(f"path {a}")
                if record_path(session, a, f"/copies/{self.rng.randrange(3)}/{a}.jpg"):
                    membership.refresh_groups(session, [a])
            elif roll < 0.65:
                self.log.append(f"not-duplicate {a} {b}")
                decisions.decide_not_duplicate(session, a, b, "ana")
            elif roll < 0.75:
                self.log.append(f"undo {a} {b}")
                decisions.undo_not_duplicate(session, a, b)
            elif roll < 0.88:
                self.log.append(f"master {a}")
                decisions.decide_master(session, a, "ben")
            else:
                caption = None if self.rng.random() < 0.5 else "edited"
                self.log.append(f"edit {a} caption={caption}")
                edits.edit_asset(session, a, {"caption": caption, "credit": caption}, "ana")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_groups_equal_a_rebuild_after_every_step(database: Database, seed: int) -> None:
    if seed > 1 and not database.config.is_sqlite:
        # The walks differ in their Python decisions, not in SQL: one on PostgreSQL.
        pytest.skip("one random walk on PostgreSQL")
    desk = RandomDesk(database, seed)
    seen: set[str] = set()
    for _ in range(100):
        desk.step()
        groups = stored(database)
        assert groups == rebuilt(database), desk.log
        # And each photo reads the same group on its own (the photo page's query).
        by_photo = {m["asset_id"]: g for g in groups for m in g["members"]}
        with database.session_scope(write=False) as session:
            for asset_id in desk.rng.sample(desk.ids, min(5, len(desk.ids))):
                mine = membership.group_of(session, asset_id)
                assert (mine and mine.to_json()) == by_photo.get(asset_id)
                if mine:
                    assert membership.group_by_key(session, mine.id) == mine
        seen |= {m["level"] for g in groups for m in g["members"]}
        seen |= {"via" for g in groups if "via photo" in str(g)}
    # The walk met every kind of link, and members explained through another one.
    assert seen == {"master", "identical", "pixels", "near", "via"}


def test_photo_reads_its_group_and_decisions_split_it(database: Database) -> None:
    a, b, c, d = (create_asset(database, w) for w in (640, 320, 320, 160))
    add_pair(database, a, b, 4)
    add_pair(database, b, c, 6)
    lone = create_asset(database)
    with database.session_scope(write=False) as session:
        group = membership.group_of(session, c)
        assert group is not None and group.id == f"g{a}" and group.master == a
        assert [m.asset_id for m in group.members] == [a, b, c]
        assert group.members[2].why.startswith(f"via photo {b}: near-duplicate")
        assert membership.group_by_key(session, f"g{a}") == group
        assert (
            membership.group_of(session, d) is None and membership.group_of(session, lone) is None
        )
    with database.session_scope() as session:
        decisions.decide_not_duplicate(session, b, c, "ana")
    with database.session_scope() as session:
        assert membership.group_of(session, c) is None
        assert [m.asset_id for m in membership.group_of(session, a).members] == [a, b]  # type: ignore[union-attr]
        decisions.decide_master(session, b, "ben")
    with database.session_scope(write=False) as session:
        group = membership.group_of(session, a)
        assert group is not None and group.master == b and group.master_chosen_by == "ben"
        assert group.members[0].why.startswith("master chosen by ben")


def test_level_filter_reads_stored_levels(database: Database) -> None:
    a = create_asset(database, content_digest="pixels:x")
    create_asset(database, content_digest="pixels:x")
    c, d = create_asset(database), create_asset(database)
    add_pair(database, c, d, 3)
    with database.session_scope(write=False) as session:
        assert [g.id for g in membership.duplicate_groups(session, "pixels")] == [f"g{a}"]
        assert [g.id for g in membership.duplicate_groups(session, "near")] == [f"g{c}"]
        assert membership.duplicate_groups(session, "identical") == []


def test_verify_finds_stale_groups_and_repair_rebuilds_them(database: Database) -> None:
    a, b = create_asset(database), create_asset(database)
    add_pair(database, a, b, 2)
    c = create_asset(database)
    with database.session_scope() as session:
        # A pair written behind the store's back, and a master edited by hand.
        session.add(
            DuplicatePair(
                asset_a=b,
                asset_b=c,
                signal="dhash→dhash",
                distance=3,
                score=0.9,
                method="orb",
                detail="aligned",
                signals_version="test",
            )
        )
    report = verify_library(database, check_contents=False)
    stale = [p for p in report.problems if p.kind == "stale_group"]
    assert [p.detail for p in stale] == [
        f"group g{a} differs: stored photos {a}, {b}, expected {a}, {b}, {c}"
    ]
    assert stored(database) != rebuilt(database)
    repaired = verify_library(database, repair=True, check_contents=False)
    assert all(p.repaired for p in repaired.problems if p.kind == "stale_group")
    assert stored(database) == rebuilt(database)
    with database.session_scope() as session:
        session.execute(delete(DuplicateMember).where(DuplicateMember.asset_id == c))
    problems = [p.detail for p in verify_library(database).problems if p.kind == "stale_group"]
    assert problems == [f"group g{a} differs: stored photos {a}, {b}, expected {a}, {b}, {c}"]
    with database.session_scope() as session:
        session.execute(update(DuplicateGroup).values(master_id=b))
    problems = [p.detail for p in verify_library(database).problems if p.kind == "stale_group"]
    assert len(problems) == 1
    verify_library(database, repair=True)
    assert [p for p in verify_library(database).problems if p.kind == "stale_group"] == []


def test_upgrade_builds_groups_of_an_existing_library(database: Database) -> None:
    """A library at 0003 gets its groups stored by the 0004 upgrade."""
    from alembic import command

    engine = make_engine(database.config.url)
    config = alembic_config(engine)
    command.downgrade(config, "0003")
    row = {
        "content_digest": "pixels:old",
        "format": "jpeg",
        "width": 10,
        "height": 10,
        "file_size": 1,
        "store_path": "x",
        "original_name": "old.jpg",
        "keywords": [],
        "archive": False,
        "status": "new",
        "field_sources": {},
        "embedded": {},
        "version": 1,
    }
    with engine.begin() as connection:
        for sha in ("a" * 64, "b" * 64):
            connection.execute(insert(Asset.__table__), [{**row, "sha256": sha}])
    engine.dispose()
    migrate(database)
    groups = stored(database)
    assert len(groups) == 1 and groups[0]["level"] == "pixels"
    assert groups == rebuilt(database)


def test_not_a_duplicate_splits_a_member_linked_through_another_copy(database: Database) -> None:
    """Issue 13, bug 2: the decision against the master must take effect whatever the path."""
    master, copy, recompressed = (create_asset(database, w) for w in (640, 320, 320))
    add_pair(database, master, copy, 2)
    add_pair(database, copy, recompressed, 4)
    add_pair(database, master, recompressed, 6)
    with database.session_scope() as session:
        decisions.decide_not_duplicate(session, recompressed, master, "ana")
    with database.session_scope(write=False) as session:
        assert membership.group_of(session, recompressed) is None
        group = membership.group_of(session, master)
        assert group is not None and [m.asset_id for m in group.members] == [master, copy]
    assert stored(database) == rebuilt(database)
    with database.session_scope() as session:
        decisions.undo_not_duplicate(session, recompressed, master)
    with database.session_scope(write=False) as session:
        group = membership.group_of(session, recompressed)
        assert group is not None and len(group.members) == 3


def test_a_member_linked_to_both_sides_follows_its_stronger_link(database: Database) -> None:
    a, b, middle = (create_asset(database, w) for w in (640, 630, 320))
    add_pair(database, a, middle, 2)
    add_pair(database, b, middle, 9)
    with database.session_scope() as session:
        decisions.decide_not_duplicate(session, a, b, "ana")
    with database.session_scope(write=False) as session:
        assert [m.asset_id for m in membership.group_of(session, a).members] == [a, middle]  # type: ignore[union-attr]
        assert membership.group_of(session, b) is None
        # The explanation never leans on a link to a photo outside the group.
        assert all(f"photo {b}" not in m.why for m in membership.group_of(session, a).members)  # type: ignore[union-attr]
    assert stored(database) == rebuilt(database)
