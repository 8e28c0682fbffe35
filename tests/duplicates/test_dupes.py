"""Duplicate detection: every level, every kind of explanation, decisions that stick."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from library.db.engine import Database
from library.duplicates.builder import suggest_master
from library.duplicates.decisions import decide_master, decide_not_duplicate
from library.duplicates.membership import duplicate_groups, stale_groups
from library.duplicates.pairs import rescan
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import PHOTOS


def photo(name: str) -> Image.Image:
    import skimage.data

    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def make_set(folder: Path) -> dict[str, Path]:
    """An original, its derivatives of several kinds, and unrelated photos."""
    folder.mkdir(parents=True, exist_ok=True)
    base = photo("astronaut")
    files = {
        "original": base,
        "web": base.resize((256, 256), Image.Resampling.LANCZOS),
        "mirror": ImageOps.mirror(base),
        "crop": base.crop((40, 40, 472, 472)),
        "different": photo("coffee"),
        "other": photo("chelsea"),
    }
    bar = Image.new("RGB", (512, 580), "white")
    bar.paste(base, (0, 0))
    ImageDraw.Draw(bar).text((10, 530), "Astronaut portrait. Photo: NASA", fill="black")
    files["caption_bar"] = bar
    paths = {}
    for name, image in files.items():
        paths[name] = folder / f"{name}.jpg"
        image.save(paths[name], quality=88)
    shutil.copy(PHOTOS / "same-pixels-a.jpg", folder / "pixels-a.jpg")
    shutil.copy(PHOTOS / "same-pixels-b.jpg", folder / "pixels-b.jpg")
    return paths


def ingest(database: Database, *paths: Path) -> None:
    """Originals first, as a desk receives them; derivatives come later."""
    ordered = sorted(paths, key=lambda p: p.name != "original.jpg")
    for folder in [p for p in ordered if p.is_dir()]:
        original = folder / "original.jpg"
        if original.exists():
            IngestSession(database, IngestOptions(workers=1)).run([str(original)])
    report = IngestSession(database, IngestOptions(workers=1)).run([str(p) for p in ordered])
    assert not report.failed


def names(database: Database) -> dict[int, str]:
    from sqlalchemy import select

    from library.db.models import Asset

    with database.session_scope(write=False) as session:
        return {a.id: a.original_name for a in session.scalars(select(Asset))}


def by_name(database: Database, level: str | None = None) -> list[dict[str, dict[str, object]]]:
    lookup = names(database)
    with database.session_scope(write=False) as session:
        groups = duplicate_groups(session, level)
    return [
        {
            lookup[m.asset_id]: {"level": m.level, "why": m.why, "distance": m.distance}
            for m in g.members
        }
        for g in groups
    ]


def test_levels_and_explanations(database: Database, tmp_path: Path) -> None:
    make_set(tmp_path / "in")
    ingest(database, tmp_path / "in")
    groups = by_name(database)
    astronaut = next(g for g in groups if "original.jpg" in g)
    assert set(astronaut) == {
        "original.jpg",
        "web.jpg",
        "mirror.jpg",
        "crop.jpg",
        "caption_bar.jpg",
    }
    assert astronaut["original.jpg"]["level"] == "master"
    assert astronaut["web.jpg"]["level"] == "near"
    assert "phash" in str(astronaut["web.jpg"]["why"]) or "dhash" in str(
        astronaut["web.jpg"]["why"]
    )
    assert "mirror" in str(astronaut["mirror.jpg"]["why"])
    assert "verified by" in str(astronaut["crop.jpg"]["why"])
    assert "caption bar" in str(astronaut["caption_bar.jpg"]["why"]) or "trimmed" in str(
        astronaut["caption_bar.jpg"]["why"]
    )
    pixels = next(g for g in groups if "pixels-a.jpg" in g)
    assert pixels["pixels-b.jpg"]["level"] == "pixels"
    assert "content digest" in str(pixels["pixels-b.jpg"]["why"])
    flat = [n for g in groups for n in g]
    assert "different.jpg" not in flat and "other.jpg" not in flat
    with database.session_scope(write=False) as session:
        assert stale_groups(session) == []  # ingest kept the stored groups current


def test_identical_files_level(database: Database, tmp_path: Path) -> None:
    paths = make_set(tmp_path / "in")
    copy = tmp_path / "elsewhere" / "copy.jpg"
    copy.parent.mkdir()
    shutil.copy(paths["different"], copy)
    ingest(database, tmp_path / "in", copy)
    groups = by_name(database, "identical")
    assert len(groups) == 1
    member = groups[0]["different.jpg"]
    assert member["level"] == "identical" and "same bytes" in str(member["why"])
    assert all(
        m["level"] in ("pixels", "master") for g in by_name(database, "pixels") for m in g.values()
    )


def test_low_detail_frames_do_not_match(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "dark"
    folder.mkdir()
    rng = np.random.default_rng(7)
    Image.new("RGB", (400, 300), (0, 0, 0)).save(folder / "black.jpg")
    Image.new("RGB", (400, 300), (3, 3, 3)).save(folder / "almost-black.png")
    for i in range(3):
        noise = rng.normal(12, 6, (300, 400, 3)).clip(0, 255).astype("uint8")
        Image.fromarray(noise).save(folder / f"night{i}.jpg", quality=85)
    Image.new("RGB", (400, 300), (128, 128, 128)).save(folder / "grey.jpg")
    ingest(database, folder)
    groups = by_name(database)
    nights = [g for g in groups if any(n.startswith("night") for n in g)]
    assert nights == [], f"different night shots grouped: {nights}"


def test_decisions_survive_reruns(database: Database, tmp_path: Path) -> None:
    make_set(tmp_path / "in")
    ingest(database, tmp_path / "in")
    lookup = {v: k for k, v in names(database).items()}
    with database.session_scope() as session:
        decide_not_duplicate(session, lookup["original.jpg"], lookup["mirror.jpg"], "ana")
        decide_master(session, lookup["web.jpg"], "ana")
    with database.session_scope() as session:
        assert rescan(session) > 0
    ingest(database, tmp_path / "in")  # a re-run changes nothing
    with database.session_scope(write=False) as session:
        groups = duplicate_groups(session)
    astronaut = next(
        g for g in groups if any(m.asset_id == lookup["original.jpg"] for m in g.members)
    )
    assert astronaut.master == lookup["web.jpg"] and astronaut.master_chosen_by == "ana"
    members = {m.asset_id for m in astronaut.members}
    # The mirror is still linked to the web copy, but never directly to the original.
    for member in astronaut.members:
        if member.asset_id == lookup["mirror.jpg"]:
            assert str(lookup["original.jpg"]) not in member.why.split(":")[0]
    assert lookup["original.jpg"] in members
    with database.session_scope(write=False) as session:
        assert stale_groups(session) == []


def test_suggested_master_prefers_large_and_described(database: Database, tmp_path: Path) -> None:
    make_set(tmp_path / "in")
    ingest(database, tmp_path / "in")
    with database.session_scope(write=False) as session:
        group = next(g for g in duplicate_groups(session) if len(g.members) >= 4)
        assert names(database)[group.master] == "original.jpg"
        from library.db.models import Asset

        assets = [session.get(Asset, m.asset_id) for m in group.members]
        assert suggest_master([a for a in assets if a is not None]).id == group.master


def test_cli_dupes_json_decide_and_check(run: object, tmp_path: Path) -> None:
    paths = make_set(tmp_path / "in")
    assert run("ingest", str(tmp_path / "in")).exit_code == 0  # type: ignore[operator]
    data = json.loads(run("dupes", "--json").stdout)  # type: ignore[operator]
    group = next(g for g in data["groups"] if len(g["members"]) >= 4)
    assert set(group) >= {"id", "master", "members"}
    member = group["members"][1]
    assert set(member) >= {"asset_id", "paths", "level", "distance", "why"}
    assert member["paths"] and member["paths"][0].startswith(str(tmp_path))
    near = json.loads(run("dupes", "--json", "--level", "near").stdout)  # type: ignore[operator]
    assert all(any(m["level"] == "near" for m in g["members"]) for g in near["groups"])
    other = group["members"][-1]["asset_id"]
    result = run("dupes", "decide", "master", str(other), "--user", "ana")  # type: ignore[operator]
    assert result.exit_code == 0
    again = json.loads(run("dupes", "--json").stdout)  # type: ignore[operator]
    assert any(g["master"] == other for g in again["groups"])
    # A new file: resized and recompressed, not in the library.
    incoming = tmp_path / "incoming.jpg"
    Image.open(paths["original"]).resize((300, 300)).save(incoming, quality=70)
    checked = json.loads(run("check", str(incoming), "--json").stdout)  # type: ignore[operator]
    levels = {m["level"] for m in checked[0]["matches"]}
    assert levels == {"near"} and len(checked[0]["matches"]) >= 3
    exact = json.loads(run("check", str(paths["original"]), "--json").stdout)  # type: ignore[operator]
    assert exact[0]["matches"][0]["level"] == "identical"
    missing = run("check", str(tmp_path / "nope.jpg"))  # type: ignore[operator]
    assert missing.exit_code == 3 and "nope.jpg" in missing.stderr
    assert run("dupes", "decide", "not-duplicate", "1", "1").exit_code == 1  # type: ignore[operator]
    # Parting a member from the master, whatever path linked them, then undoing it.
    master, member = group["master"], group["members"][-1]["asset_id"]
    parted = run("dupes", "decide", "not-duplicate", str(member), str(master))  # type: ignore[operator]
    assert parted.exit_code == 0
    assert parted.stdout.startswith(f"photo {member} and {master}: not duplicates; photo {member}")
    after = json.loads(run("dupes", "--json").stdout)  # type: ignore[operator]
    together = [
        g for g in after["groups"] if {m["asset_id"] for m in g["members"]} >= {master, member}
    ]
    assert together == []
    undone = run("dupes", "decide", "not-duplicate", str(member), str(master), "--undo")  # type: ignore[operator]
    assert undone.exit_code == 0 and "decisions removed" in undone.stdout


@pytest.mark.parametrize("level", ["identical", "pixels", "near"])
def test_every_level_is_a_valid_filter(database: Database, level: str) -> None:
    with database.session_scope(write=False) as session:
        assert duplicate_groups(session, level) == []
