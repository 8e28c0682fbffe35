"""Heavy crops and small turns in the catalog: stored features, one group, said in words."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from assets import features
from library.db.engine import Database
from library.db.models import AssetFingerprint
from library.duplicates.membership import duplicate_groups
from library.duplicates.pairs import rescan
from library.duplicates.review import review_group
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.assets.test_features import crop_to, original, turn
from tests.duplicates.test_dupes import by_name, names


def test_a_half_crop_and_a_turned_copy_join_their_original(
    database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    whole = original("astronaut")
    whole.save(folder / "original.jpg", quality=92)
    crop_to(whole, 0.71, 0.0, 1.0).save(folder / "half.jpg", quality=90)
    turn(whole, 7.0).save(folder / "turned.jpg", quality=90)
    original("coffee").save(folder / "other.jpg", quality=92)
    report = IngestSession(database, IngestOptions(workers=1)).run([str(folder)])
    assert not report.failed

    with database.session_scope(write=False) as session:
        stored = session.scalars(select(AssetFingerprint)).all()
    assert len(stored) == 4
    for row in stored:
        assert row.features is not None and 0 < len(row.features) <= features.MAX_BYTES
        features.parse_features(row.features)

    def check() -> None:
        groups = by_name(database)
        assert [set(g) for g in groups] == [{"original.jpg", "half.jpg", "turned.jpg"}]
        group = groups[0]
        assert group["original.jpg"]["level"] == "master"
        assert "a crop of about 50 % of the original" in str(group["half.jpg"]["why"])
        assert "turned about 7°" in str(group["turned.jpg"]["why"])

    check()
    with database.session_scope() as session:
        rescan(session)
    check()

    # The group page says it in a desk's words.
    lookup = {name: asset_id for asset_id, name in names(database).items()}
    with database.session_scope(write=False) as session:
        key = duplicate_groups(session)[0].id
        review = review_group(session, key)
        assert review is not None
        said = {
            lookup_name: m.words
            for lookup_name, asset_id in lookup.items()
            for m in review.members
            if m.member.asset_id == asset_id
        }
    assert "cropped to about 50 %" in said["half.jpg"]
    assert "turned about 7°" in said["turned.jpg"]


def test_photos_ingested_without_features_are_still_compared(
    database: Database, tmp_path: Path
) -> None:
    """A library from before local features (NULL column) keeps its fingerprint matches."""
    folder = tmp_path / "in"
    folder.mkdir()
    whole = original("chelsea")
    whole.save(folder / "original.jpg", quality=92)
    whole.resize((whole.width // 2, whole.height // 2)).save(folder / "small.jpg", quality=80)
    IngestSession(database, IngestOptions(workers=1)).run([str(folder)])
    with database.session_scope() as session:
        for row in session.scalars(select(AssetFingerprint)):
            row.features = None
        session.flush()
        rescan(session)
    groups = by_name(database)
    assert [set(g) for g in groups] == [{"original.jpg", "small.jpg"}]
