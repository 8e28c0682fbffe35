"""The saved signal index gives exactly the catalog's candidates, however old it is."""

from __future__ import annotations

import json
import random
import shutil
from itertools import pairwise, product
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import delete, insert, select

from library.db.engine import Database
from library.db.models import Asset, AssetHash, DuplicatePair
from library.duplicates import backlog, pairs, saved_index
from library.duplicates import matcher as matcher_module
from library.duplicates.lookup import CatalogLookup
from library.duplicates.pairs import SignalIndex
from library.duplicates.saved_index import SavedIndex
from library.duplicates.stored import signals_of
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg
from tests.duplicates.hashdata import add_photos, as_rows, flip, queries_near, signed

CENTRES_SEED = 23


def _centres(rng: random.Random) -> list[int]:
    # Extremes in the high bits: the sign bit set, every bit set, none.
    return [rng.getrandbits(64) for _ in range(3)] + [1 << 63, (1 << 64) - 1, 0]


def _compare(database: Database, queries: list[dict[str, int]]) -> tuple[int, int]:
    """Both ways give the same rows; returns (matches found, photos read from the catalog).

    The reference is the index loaded from the catalog (`SignalIndex`), which
    tests/duplicates/test_lookup.py holds equal to the catalog's own look-up
    (`CatalogLookup`); that one plans some 80 unions per question (0.2 s), so it is
    asked only the first question here.
    """
    with database.session_scope(write=False) as session:
        saved = SavedIndex.open(session, database.config.root)
        assert saved is not None
        loaded = SignalIndex(session)
        for query in queries:
            assert as_rows(saved.candidates(query)) == as_rows(loaded.candidates(query))
            # Ingest's look-ups take every hit, in rule order, as the loaded index does.
            assert saved.hits(query) == sorted(loaded.hits(query), key=_rule_order)
        first = as_rows(CatalogLookup(session).candidates(queries[0]))
        assert as_rows(saved.candidates(queries[0])) == first
        some = first[0][0]
        assert as_rows(saved.candidates(queries[0], exclude=some)) == as_rows(
            loaded.candidates(queries[0], exclude=some)
        )
        assert saved.hits(queries[0], exclude=some) == sorted(
            loaded.hits(queries[0], exclude=some), key=_rule_order
        )
        return sum(len(loaded.candidates(q)) for q in queries), len(saved.changed)


def _rule_order(hit: tuple[int, int, int]) -> tuple[int, int, int]:
    position, asset_id, distance = hit
    return position, distance, asset_id


def test_a_batch_look_up_gives_each_photos_hits_in_order(database: Database) -> None:
    """Ingest asks the index once per rule for a whole batch (`hits_many`); the rows must
    be each photo's own `hits`, itself left out, photos in the batch's order."""
    rng = random.Random(CENTRES_SEED + 1)
    centres = _centres(rng)
    stored = add_photos(database, rng, centres, 60, matched=True)
    _update(database, rebuild=True)
    with database.session_scope(write=False) as session:
        saved = SavedIndex.open(session, database.config.root)
        assert saved is not None
        loaded = SignalIndex(session)
        own = signals_of(session, stored[::7])
        # Stored photos (each must not find itself), a photo with no signals and
        # outside queries, in an order that is not the ids' order.
        batch = [(i, own[i]) for i in sorted(own, reverse=True)]
        batch += [(-1, {}), *((-2 - n, q) for n, q in enumerate(queries_near(rng, centres)[:4]))]
        expected = [
            [photo, found, distance, position]
            for photo, values in batch
            for position, found, distance in loaded.hits(values, exclude=photo)
        ]
        assert loaded.hits_many(batch).tolist() == expected
        assert saved.hits_many(batch).tolist() == expected
        assert loaded.hits_many([]).shape == (0, 4)
    assert len({row[0] for row in expected}) > len(batch) // 2  # most photos found some


def _update(database: Database, rebuild: bool = False) -> saved_index.UpdateResult:
    with database.session_scope(write=False) as session:
        return saved_index.update(session, database.config.root, rebuild=rebuild)


def test_saved_index_equals_the_catalog_before_and_after_changes(database: Database) -> None:
    rng = random.Random(CENTRES_SEED)
    centres = _centres(rng)
    first = add_photos(database, rng, centres, 60, matched=True)
    queries = queries_near(rng, centres)
    built = _update(database)
    assert (built.action, built.photos, built.layers) == ("built", 60, 1)
    found, changed = _compare(database, queries)
    assert found > 100 and changed == 0

    # New photos, some still in the backlog and some matched since: read from the catalog.
    add_photos(database, rng, centres, 15)
    add_photos(database, rng, centres, 15, matched=True)
    more, changed = _compare(database, queries)
    assert more > found and changed == 30

    # A photo's signals replaced (as refresh does): its old values must not match any more,
    # its new ones must. Another photo deleted: never a candidate.
    refreshed, deleted = first[0], first[1]
    far = [signed(flip(c ^ 0xFFFF_0000_FFFF_0000, rng, (0, 0, 0))) for c in centres]
    with database.session_scope() as session:
        names = list(
            session.scalars(select(AssetHash.algorithm).where(AssetHash.asset_id == refreshed))
        )
        session.execute(delete(AssetHash).where(AssetHash.asset_id == refreshed))
        session.execute(
            insert(AssetHash),
            [
                {"asset_id": refreshed, "algorithm": n, "value": far[i % len(far)]}
                | {"library_version": "test"}
                for i, n in enumerate(names)
            ],
        )
        backlog.add(session, [refreshed])
        backlog.mark_matched(session, [refreshed])
        session.execute(delete(Asset).where(Asset.id == deleted))
    queries.append({"phash": far[0], "lowfreq": far[1], "dhash": far[2]})
    with database.session_scope(write=False) as session:
        rows = as_rows(CatalogLookup(session).candidates(queries[-1]))
    assert refreshed in {asset_id for asset_id, _, _ in rows}
    _compare(database, queries)

    # Appending a layer leaves nothing to read from the catalog but the backlog. Half as
    # many photos as the first layer: the two are folded into one.
    appended = _update(database)
    assert (appended.action, appended.layers, appended.photos) == ("folded", 1, 31)
    assert _compare(database, queries)[1] == 15
    assert _update(database).action == "appended"  # the backlog is always read again
    assert _compare(database, queries)[1] == 15


def test_layers_fold_as_the_library_grows(database: Database) -> None:
    """Each update appends the photos changed since; the newest layers fold into one once
    they hold half the photos of the layer before them, the first layer included."""
    rng = random.Random(CENTRES_SEED + 1)
    centres = _centres(rng)
    add_photos(database, rng, centres, 20, matched=True)
    queries = queries_near(rng, centres)
    _update(database)
    folder = database.config.root / saved_index.FOLDER
    steps = []
    for _ in range(8):
        add_photos(database, rng, centres, 4, matched=True)
        result = _update(database)
        manifest = json.loads((folder / saved_index.MANIFEST).read_text())
        steps.append((result.action, [layer["photos"] for layer in manifest["layers"]]))
        # The folded layers' files are gone; every layer in the manifest is there.
        files = sorted(path.name for path in folder.glob("layer-*.bin"))
        assert files == sorted(layer["file"] for layer in manifest["layers"])
        assert _compare(database, queries)[1] == 0
    assert steps == [
        ("appended", [20, 4]),
        ("folded", [20, 8]),
        ("folded", [32]),
        ("appended", [32, 4]),
        ("folded", [32, 8]),
        ("folded", [32, 12]),
        ("appended", [32, 12, 4]),
        ("folded", [52]),
    ]


def test_a_growing_library_rewrites_each_photo_a_few_times() -> None:
    """From 1,000 photos to 400,000 in appends of 200 (a hot folder's jobs): layers stay
    few and each at least twice the next newer one, and the folds write each photo a
    handful of times. Folding every later layer into one, as before, wrote 200 times the
    library."""
    sizes, written = [1_000], 0
    while sum(sizes) < 400_000:
        sizes.append(200)
        folded = saved_index.fold_plan(sizes)
        if folded:
            written += sum(sizes[-folded:])
            sizes = [*sizes[:-folded], sum(sizes[-folded:])]
        assert len(sizes) <= saved_index.MAX_LAYERS
        assert all(newer < older * saved_index.FOLD_SHARE for older, newer in pairwise(sizes))
    assert written < 15 * sum(sizes)
    assert saved_index.fold_plan([100]) == 0 and saved_index.fold_plan([]) == 0
    # Too many layers fold even when each is small against the one before.
    many = [4**power for power in range(saved_index.MAX_LAYERS + 1, 0, -1)]
    assert saved_index.fold_plan(many) == 2


def test_an_index_that_does_not_fit_is_not_read(database: Database) -> None:
    rng = random.Random(CENTRES_SEED + 2)
    add_photos(database, rng, _centres(rng), 5, matched=True)
    _update(database)
    manifest_path = database.config.root / saved_index.FOLDER / saved_index.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    for key, value in (
        ("signals_version", "sim-0"),
        ("catalog", "sqlite:///elsewhere.sqlite3"),
        ("generation", manifest["generation"] + 1),  # a catalog restored from an older backup
        ("format", 0),
    ):
        manifest_path.write_text(json.dumps({**manifest, key: value}))
        with database.session_scope(write=False) as session:
            assert SavedIndex.open(session, database.config.root) is None, key
    manifest_path.write_text("{not json")
    with database.session_scope(write=False) as session:
        assert SavedIndex.open(session, database.config.root) is None
    with pytest.raises(saved_index.SavedIndexError, match="dupes index --rebuild"):
        saved_index.keep_current(database)
    # It is built again from the catalog, not appended to.
    assert _update(database).action == "built"
    assert saved_index.keep_current(database) is None


def test_cli_index_and_check(run, database: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for seed in range(4):
        make_jpeg(tmp_path / "in" / f"photo-{seed}.jpg", (640, 480), seed=seed)
    assert run("ingest", str(tmp_path / "in")).exit_code == 0
    resized = tmp_path / "probe" / "small.jpg"
    resized.parent.mkdir()
    Image.open(tmp_path / "in" / "photo-2.jpg").resize((320, 240)).save(resized, quality=60)
    probe = [str(resized), str(tmp_path / "in" / "photo-1.jpg")]
    before = run("check", "--json", *probe)
    assert [m["level"] for r in json.loads(before.stdout) for m in r["matches"]] == [
        "near",
        "identical",
    ]
    result = run("dupes", "index")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("signal index built: 4 photos in it, 1 layer")
    assert run("check", "--json", *probe).stdout == before.stdout

    # A folder that cannot hold the index: one line naming it, and check still answers.
    folder = database.config.root / saved_index.FOLDER
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("in the way")
    failed = run("dupes", "index")
    assert failed.exit_code != 0
    assert failed.stderr.count("\n") == 1 and str(folder) in failed.stderr
    assert "Traceback" not in failed.stderr
    assert run("check", "--json", *probe).stdout == before.stdout


@pytest.mark.parametrize("directory", ["small", "full"])
@pytest.mark.parametrize("count", [4, 3])
def test_every_split_of_the_bits_over_the_substrings(
    database: Database, monkeypatch: pytest.MonkeyPatch, count: int, directory: str
) -> None:
    """Distances 7-9 spread over a layer's substrings every way, the ones only one
    substring can find (2/2/2/2 over four: only the first probes radius 2) included; for
    the four 16-bit substrings of a small layer and the three of a large one, each with
    the small directory a small layer has and the full one of a large layer."""
    if count == 3:
        monkeypatch.setattr(saved_index, "THREE_PARTS_FROM", 0)
    if directory == "full":
        monkeypatch.setattr(saved_index, "_directory_bits", lambda photos, part: part.bits)
    parts = saved_index.parts_for(1)
    assert len(parts) == count
    rng = random.Random(CENTRES_SEED + 3)
    centre = rng.getrandbits(64)
    splits = sorted(
        {p for total in (7, 8, 9) for p in product(range(6), repeat=count) if sum(p) == total}
    )
    ids = add_photos(database, rng, [centre], len(splits), matched=True)
    rows = [
        {
            "asset_id": asset_id,
            "algorithm": "phash",
            "value": signed(flip(centre, rng, split, parts)),
        }
        for asset_id, split in zip(ids, splits, strict=True)
    ]
    with database.session_scope() as session:
        session.execute(delete(AssetHash))
        session.execute(insert(AssetHash), [r | {"library_version": "test"} for r in rows])
    _update(database, rebuild=True)
    manifest = json.loads((database.config.root / saved_index.FOLDER / "manifest.json").read_text())
    layer = manifest["layers"][0]
    assert len(layer["parts"]) == count
    full = [bits for _, bits in layer["parts"]]
    assert (layer["directories"] == full) == (directory == "full")
    query = {"phash": signed(centre)}
    with database.session_scope(write=False) as session:
        saved = SavedIndex.open(session, database.config.root)
        assert saved is not None and not saved.changed
        found = as_rows(saved.candidates(query))
        assert found == as_rows(CatalogLookup(session).candidates(query))
    within = sum(1 for split in splits if sum(split) <= 8)
    assert len(found) == within > 30


def test_kept_current_after_many_changes_and_skipped_when_far_behind(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(CENTRES_SEED + 4)
    centres = _centres(rng)
    add_photos(database, rng, centres, 10, matched=True)
    assert saved_index.keep_current(database) is None  # no saved index: nothing to keep
    assert saved_index.keep_current(database, build=True) is None  # a small library
    monkeypatch.setattr(saved_index, "BUILD_FROM", 10)
    assert saved_index.keep_current(database) is None  # check never builds one
    built = saved_index.keep_current(database, build=True)  # ingest and rescan do
    assert built is not None and (built.action, built.photos) == ("built", 10)
    shutil.rmtree(database.config.root / saved_index.FOLDER)
    _update(database)
    monkeypatch.setattr(saved_index, "APPEND_AT", 5)
    monkeypatch.setattr(saved_index, "FOLD_SHARE", 1.0)  # five new photos stay a layer
    add_photos(database, rng, centres, 4, matched=True)
    assert saved_index.keep_current(database) is None  # too few changed to bother
    add_photos(database, rng, centres, 1, matched=True)
    kept = saved_index.keep_current(database)
    assert kept is not None and (kept.action, kept.photos, kept.layers) == ("appended", 5, 2)

    monkeypatch.setattr(saved_index, "MAX_CHANGED", 3)
    add_photos(database, rng, centres, 4)  # a bulk ingest not matched yet
    with database.session_scope(write=False) as session:
        assert SavedIndex.open(session, database.config.root) is None


def test_a_full_pass_records_the_generation_that_matched_the_backlog(database: Database) -> None:
    rng = random.Random(CENTRES_SEED + 5)
    earlier = add_photos(database, rng, _centres(rng), 2, matched=True)
    waiting = add_photos(database, rng, _centres(rng), 3)
    with database.session_scope() as session:
        before = backlog.generation(session)
        assert backlog.changed_since(session, before) == waiting  # pending counts as changed
        backlog.clear(session)
    with database.session_scope(write=False) as session:
        assert backlog.pending(session) == []
        assert backlog.changed_since(session, before) == waiting
        assert backlog.changed_since(session, before + 1) == []
        assert set(backlog.changed_since(session, 0)) == set(earlier + waiting)


def _originals_indexed_and_copies(database: Database, folder: Path, count: int) -> Path:
    """``count`` photos ingested and saved in the index; two smaller copies of each in a
    folder (returned) not yet ingested."""
    for seed in range(count):
        make_jpeg(folder / "originals" / f"photo-{seed}.jpg", (640, 480), seed=seed)
    options = IngestOptions(workers=1, batch_size=2, batch_bytes=0)
    IngestSession(database, options).run([str(folder / "originals")])
    _update(database)
    (folder / "copies").mkdir()
    for seed in range(count):
        source = Image.open(folder / "originals" / f"photo-{seed}.jpg")
        source.resize((320, 240)).save(folder / "copies" / f"small-{seed}.jpg", quality=70)
        source.resize((480, 360)).save(folder / "copies" / f"mid-{seed}.jpg", quality=80)
    return folder / "copies"


def _pairs_of_a_full_pass_too(database: Database) -> list[Any]:
    """The stored pairs, after checking that a full pass stores exactly these."""
    with database.session_scope(write=False) as read:
        stored = sorted(read.execute(select(DuplicatePair.asset_a, DuplicatePair.asset_b)))
    with database.session_scope() as write:
        pairs.rescan(write)
    with database.session_scope(write=False) as read:
        assert sorted(read.execute(select(DuplicatePair.asset_a, DuplicatePair.asset_b))) == (
            stored
        )
    return stored


def test_ingest_matches_through_the_saved_index(database: Database, tmp_path: Path) -> None:
    """A library with a saved index: ingest reads no signal but the changed photos', and
    stores the pairs a full pass stores; batches after the first find earlier ones."""
    copies = _originals_indexed_and_copies(database, tmp_path, 6)
    session = IngestSession(database, IngestOptions(workers=1, batch_size=2, batch_bytes=0))
    session.run([str(copies)])
    assert isinstance(session._index, SavedIndex)  # not every signal loaded
    # Each original with its two copies, the copies together.
    assert len(_pairs_of_a_full_pass_too(database)) >= 18


def test_jobs_run_here_keep_it_current(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hot folder's jobs, a local `--queue` and the gallery's uploads run here without a
    broker: they build the saved index once the library is large enough and append to it,
    as `photodesk ingest` does; they used to leave it to grow stale."""
    from library.jobs import plans, running  # noqa: PLC0415

    monkeypatch.setattr(saved_index, "BUILD_FROM", 6)
    monkeypatch.setattr(saved_index, "APPEND_AT", 3)

    def job(name: str, count: int, seed: int) -> None:
        folder = tmp_path / name
        for n in range(count):
            make_jpeg(folder / f"{n}.jpg", (160, 120), seed=seed + n)
        with database.session_scope() as session:
            job_id = plans.plan_ingest(session, [folder], "ana").id
        running.dispatch(database, job_id, None, workers=1)

    job("first", 4, 100)
    assert not saved_index.exists(database.config.root)  # 4 photos: too small a library
    job("second", 3, 200)
    assert saved_index.exists(database.config.root)  # 7: built
    job("third", 3, 300)
    manifest = json.loads((database.config.root / saved_index.FOLDER / "manifest.json").read_text())
    assert [layer["photos"] for layer in manifest["layers"]] == [7, 3]
    with database.session_scope(write=False) as session:
        saved = SavedIndex.open(session, database.config.root)
        assert saved is not None and not saved.changed


def test_the_matcher_keeps_it_current_for_a_team(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a broker, photos are matched by the matcher queue, not by ingest: the matcher
    builds the saved index for a large library and appends to it afterwards."""
    from library.jobs import broker  # noqa: PLC0415

    rng = random.Random(CENTRES_SEED + 6)
    centres = _centres(rng)
    monkeypatch.setattr(saved_index, "BUILD_FROM", 8)
    monkeypatch.setattr(saved_index, "APPEND_AT", 4)
    monkeypatch.setattr(broker, "_MATCHER", None)
    add_photos(database, rng, centres, 6)
    assert broker.match_backlog(database) == 6
    assert not saved_index.exists(database.config.root)  # 6 photos: too small a library
    add_photos(database, rng, centres, 4)
    assert broker.match_backlog(database) == 4
    assert saved_index.exists(database.config.root)  # 10 photos: built
    add_photos(database, rng, centres, 4)
    assert broker.match_backlog(database) == 4
    manifest = json.loads((database.config.root / saved_index.FOLDER / "manifest.json").read_text())
    assert [layer["photos"] for layer in manifest["layers"]] == [10, 4]
    with database.session_scope(write=False) as session:
        saved = SavedIndex.open(session, database.config.root)
        assert saved is not None and not saved.changed
        queries = queries_near(rng, centres)
        found = [as_rows(saved.candidates(q)) for q in queries]
        assert found == [as_rows(CatalogLookup(session).candidates(q)) for q in queries]
        assert sum(map(len, found)) > 10


def test_a_hidden_photo_is_found_only_once_added(database: Database) -> None:
    """The matcher hides the backlog, so photos find each other in commit order."""
    rng = random.Random(CENTRES_SEED + 7)
    centres = _centres(rng)
    add_photos(database, rng, centres, 8, matched=True)
    _update(database)
    waiting = add_photos(database, rng, centres, 4)
    with database.session_scope(write=False) as session:
        query = signals_of(session, waiting[:1])[waiting[0]]
        open_ = SavedIndex.open(session, database.config.root)
        hidden = SavedIndex.open(session, database.config.root, hide=set(waiting))
        loaded = SignalIndex(session, exclude=set(waiting))
        assert open_ is not None and hidden is not None
        assert waiting[0] in {c.asset_id for c in open_.candidates(query)}
        assert as_rows(hidden.candidates(query)) == as_rows(loaded.candidates(query))
        assert waiting[0] not in {c.asset_id for c in hidden.candidates(query)}
        hidden.add_assets(session, waiting[:2])
        loaded.add_assets(session, waiting[:2])
        assert waiting[0] in {c.asset_id for c in hidden.candidates(query)}
        assert hidden.hits(query) == sorted(loaded.hits(query), key=_rule_order)


def test_the_matcher_opens_the_saved_index(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold matcher (a worker restarted, or after another matcher's run) opens the saved
    index instead of loading every signal, and stores the pairs a full pass stores."""
    from library.jobs import broker  # noqa: PLC0415

    copies = _originals_indexed_and_copies(database, tmp_path, 5)
    # As a team's ingest leaves them: committed, waiting for the matcher queue.
    options = IngestOptions(workers=1, batch_size=2, batch_bytes=0, match_near=False)
    IngestSession(database, options).run([str(copies)])
    monkeypatch.setattr(broker, "_MATCHER", None)
    monkeypatch.setattr(matcher_module, "CHUNK", 3)  # several runs, the index kept warm
    loaded: list[int] = []
    monkeypatch.setattr(
        pairs.SignalIndex, "__init__", _counting(pairs.SignalIndex.__init__, loaded)
    )
    assert broker.match_backlog(database) == 10
    assert isinstance(broker._MATCHER.index, SavedIndex)
    assert loaded == []  # no signal loaded from the catalog
    assert len(_pairs_of_a_full_pass_too(database)) >= 15


def _counting(function: Any, calls: list[int]) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return function(*args, **kwargs)

    return counted
