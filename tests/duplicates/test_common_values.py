"""Values common across the library are discounted; copies of a popular photo are not (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance
from sqlalchemy import select
from sqlalchemy.orm import Session

from assets import similarity
from library.db.engine import Database
from library.db.models import DuplicatePair
from library.duplicates import common_values
from library.duplicates.common_values import common_limit, supported
from library.duplicates.membership import duplicate_groups
from library.duplicates.pairs import (
    RULE_NAMES,
    Matched,
    full_pass_hits,
    load_signals,
    match_all,
    rescan,
)
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.duplicates.test_dupes import names
from tests.duplicates.test_shared_layouts import frame, matched_afresh, meme, page, scene

DHASH = RULE_NAMES.index("dhash→dhash")
PHASH = RULE_NAMES.index("phash→phash")
LOWFREQ = RULE_NAMES.index("lowfreq→lowfreq")
WINDOW = RULE_NAMES.index("lowfreq→lowfreq_tl16")


def clique(ids: range, *rules: int) -> list[tuple[int, int, int, int]]:
    """Every photo's value of each rule finding every other photo: (query, stored, rule,
    distance), each photo nearest to the photo after it (the last to the first)."""

    def distance(a: int, b: int) -> int:
        return 1 if b == ids[(ids.index(a) + 1) % len(ids)] else 5

    return [(a, b, rule, distance(a, b)) for rule in rules for a, b in permutations(ids, 2)]


def kept(
    hits: list[tuple[int, int, int, int]], links: Sequence[tuple[int, int]] = ()
) -> set[tuple[int, int]]:
    """The pairs `supported` keeps among (query, stored, rule, distance) hits in a
    library of 1,000."""
    rows = np.array(hits, dtype=np.int64)
    joined = np.array(links, dtype=np.int64).reshape(-1, 2)
    mask = supported(
        rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], 1000, (joined[:, 0], joined[:, 1])
    )
    return {(min(a, b), max(a, b)) for a, b, _, _ in rows[mask].tolist()}


def ring(ids: range) -> set[tuple[int, int]]:
    """Each photo with its nearest (the photo after it), as `clique` places them."""
    return {tuple(sorted((a, ids[(i + 1) % len(ids)]))) for i, a in enumerate(ids)}  # type: ignore[misc]


def test_a_value_shared_by_many_different_photos_supports_only_its_nearest() -> None:
    template = clique(range(10), DHASH)
    assert kept(template) == ring(range(10))  # 10 pairs of 45
    # A small family of values is not common: below the limit every pair stays.
    assert len(kept(clique(range(common_limit(1000) + 1), DHASH))) == 10


def test_an_uncommon_hit_or_a_second_family_keeps_a_pair() -> None:
    template = clique(range(10), DHASH)
    assert kept([*template, (0, 5, LOWFREQ, 3), (5, 0, LOWFREQ, 3)]) == ring(range(10)) | {(0, 5)}
    assert kept([*template, (2, 7, PHASH, 3), (7, 2, PHASH, 3)]) == ring(range(10)) | {(2, 7)}


def test_copies_of_one_photo_count_once_among_what_a_value_finds() -> None:
    crop = 99
    found_by_crop = [(crop, copy, WINDOW, 2 + copy % 3) for copy in range(10)]
    every = {(copy, crop) for copy in range(10)}
    copies = clique(range(10), PHASH, DHASH, LOWFREQ)  # two families: one picture
    assert every <= kept([*copies, *found_by_crop])
    # Ten different photos in one template, found by one family: the crop's value is
    # common, and only its nearest is verified.
    assert kept([*clique(range(10), LOWFREQ), *found_by_crop]) & every == {(0, crop)}
    # Already grouped (a stored group, as a look-up sees it): one picture again.
    group = [(copy, -1) for copy in range(10)]
    assert kept(found_by_crop, group) == every


def test_every_rule_has_a_family() -> None:
    families = common_values.rule_families()
    assert len(families) == len(similarity.CANDIDATE_RULES)
    assert set(families.tolist()) == set(range(len(common_values.FAMILIES)))


def _ingest(database: Database, folder: Path, photos: dict[str, Image.Image]) -> None:
    folder.mkdir(parents=True)
    for name, picture in photos.items():
        picture.save(folder / f"{name}.jpg", quality=88)
    assert not IngestSession(database, IngestOptions(workers=1)).run([str(folder)]).failed


def _groups(database: Database) -> list[set[str]]:
    lookup = names(database)
    with database.session_scope(write=False) as session:
        return [{lookup[m.asset_id][:-4] for m in g.members} for g in duplicate_groups(session)]


def _paired_with_original(database: Database) -> set[str]:
    """The photos with a verified pair of their own with the original."""
    lookup = {asset: name[:-4] for asset, name in names(database).items()}
    with database.session_scope(write=False) as session:
        rows = session.execute(select(DuplicatePair.asset_a, DuplicatePair.asset_b)).all()
    return {lookup[a] if lookup[b] == "original" else lookup[b] for a, b in rows} - {"original"}


@pytest.mark.slow
def test_a_popular_photo_keeps_every_copy(database: Database, tmp_path: Path) -> None:
    """Many versions of one photo make each of its values find many photos. Its crops,
    page and frame are each found by one family only, so until they are known to be
    copies they look like different photos sharing a template: the full pass
    verifies them in a second round, once the first has joined the copies it found,
    and loses none of them."""
    photo = scene(3)
    width, height = photo.size
    copies = {"original": photo}
    copies |= {f"small{side}": photo.resize((side, side * 3 // 4)) for side in range(320, 440, 20)}
    copies |= {f"bright{i}": ImageEnhance.Brightness(photo).enhance(1 + i / 20) for i in (1, 2, 3)}
    copies |= {f"contrast{i}": ImageEnhance.Contrast(photo).enhance(1 + i / 10) for i in (1, 2)}
    copies["meme"] = meme(photo)
    others = {f"other{seed}": scene(seed) for seed in range(10, 16)}
    _ingest(database, tmp_path / "copies", copies | others)
    side = (round(width * 0.84), round(height * 0.84))
    heavy = {
        f"crop{x}{y}": photo.crop((x, y, x + side[0], y + side[1]))
        for x in (0, (width - side[0]) // 2, width - side[0])
        for y in (0, (height - side[1]) // 2, height - side[1])
    }
    heavy["crop56"] = photo.crop((width // 8, height // 8, width * 7 // 8, height * 7 // 8))
    heavy["page"] = page(photo, 3)
    heavy["frame"] = frame(photo)
    _ingest(database, tmp_path / "heavy", heavy)
    everything = set(copies) | set(heavy)
    assert everything in _groups(database)
    assert _paired_with_original(database) >= set(heavy)

    lookup = {name[:-4]: asset for asset, name in names(database).items()}
    with database.session_scope() as session:
        tables = load_signals(
            session, sorted({n for r in similarity.CANDIDATE_RULES for n in r[:2]})
        )
        hits = full_pass_hits(tables)
        families = common_values.rule_families()
        for name in ("crop56", "page"):
            mine = hits[hits[:, 0] == lookup[name]]
            # Found by one family only, and its values find more photos than the limit.
            assert set(families[mine[:, 3]].tolist()) == {common_values.FAMILIES.index("lowfreq")}
            found = max(len(set(mine[mine[:, 3] == r, 1].tolist())) for r in set(mine[:, 3]))
            assert found > common_limit(len(lookup))

        def full_pass(s: Session, discount: bool) -> Matched:
            return match_all(s, discount=discount)

        every = matched_afresh(session, full_pass, discount=False)
        kept = matched_afresh(session, full_pass, discount=True)
        assert sorted(kept.stored) == sorted(every.stored)
        assert kept.rounds >= 2, kept
        rescan(session)
    assert everything in _groups(database)
    assert _paired_with_original(database) >= set(heavy)
