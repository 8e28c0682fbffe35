"""The demo site's articles import cleanly and show every planted reuse problem.

The library is built once for the module: ingesting the demo photos and variants
takes a couple of seconds, and every test only reads it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from library.articles.imports import ImportReport, import_articles
from library.catalog import search
from library.catalog.queries import find_photos, group_usages, usage_counts, usages_of
from library.config import LibraryConfig
from library.db.engine import Database, init_library
from library.db.models import Article, Asset, Usage
from library.ingest.pipeline import IngestOptions, IngestSession
from library.text.captions import normalize_credit

DEMO = Path(__file__).resolve().parents[2] / "library" / "demo_data"
ARTICLES = DEMO / "articles"

ROCKET = "rocket-falcon9-dscovr-launch.jpg"
CAMERAMAN = "file-cameraman-tripod-1998.jpg"
COFFEE = "coffee-espresso-cup.jpg"
RETINA = "retina-fundus-photograph.jpg"
HUBBLE = "hubble-extreme-deep-field.jpg"


@dataclass
class DemoLibrary:
    database: Database
    report: ImportReport
    ids: dict[str, int]  # original file name → asset id

    def published(self, name: str) -> list[tuple[str, str, str, str | None, bool]]:
        """(date, role, caption, credit, archive) of every use of a photo, in date order."""
        with self.database.session_scope(write=False) as session:
            return [
                (
                    article.published.date().isoformat() if article.published else "",
                    usage.role,
                    usage.caption or "",
                    usage.credit,
                    usage.archive,
                )
                for usage, article in usages_of(session, [self.ids[name]])
            ]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoLibrary]:
    config = LibraryConfig(tmp_path_factory.mktemp("demo") / "library")
    database = init_library(config)
    ingest = IngestSession(database, IngestOptions(workers=1)).run(
        [str(DEMO / "photos"), str(DEMO / "variants")]
    )
    assert ingest.failed == []
    report = import_articles(database, [str(ARTICLES)])
    with database.session_scope(write=False) as session:
        ids = {
            name: asset_id
            for asset_id, name in session.execute(select(Asset.id, Asset.original_name))
        }
    yield DemoLibrary(database, report, ids)
    database.dispose()


def test_every_file_imports_without_errors(demo: DemoLibrary) -> None:
    report = demo.report
    assert report.errors == []
    assert report.files == 5
    assert report.articles_created == 21
    assert report.usages == 29
    assert report.resolved == 28


def test_articles_per_source(demo: DemoLibrary) -> None:
    with demo.database.session_scope(write=False) as session:
        formats = [a.format for a in session.scalars(select(Article))]
    assert sorted(formats) == ["html"] * 3 + ["text"] * 4 + ["wxr"] * 14


def test_only_the_ferry_terminal_drawing_stays_unresolved(demo: DemoLibrary) -> None:
    assert demo.report.unresolved == [
        {
            "article": "Ferry terminal plans go on show at the harbour office",
            "reference": "https://harbourcourier.example/wp-content/uploads/2024/03/"
            "ferry-terminal-plans-1024x576.jpg",
            "alt": "Architect’s drawing of the new ferry terminal",
        }
    ]
    with demo.database.session_scope(write=False) as session:
        unresolved = session.scalars(select(Usage.reference).where(Usage.asset_id.is_(None)))
        assert [(r or "").rsplit("/", 1)[-1] for r in unresolved] == [
            "ferry-terminal-plans-1024x576.jpg"
        ]


def test_photos_reused_across_articles(demo: DemoLibrary) -> None:
    with demo.database.session_scope(write=False) as session:
        pairs = session.execute(
            select(Usage.asset_id, Usage.article_id).where(Usage.asset_id.is_not(None)).distinct()
        )
        counts = Counter(asset_id for asset_id, _ in pairs)
    names = {asset_id: name for name, asset_id in demo.ids.items()}
    reused = {names[asset_id]: n for asset_id, n in counts.items() if n >= 2}
    assert reused == {ROCKET: 5, CAMERAMAN: 3, COFFEE: 2, RETINA: 2, HUBBLE: 2}
    # The derivatives are published under their own names, once each.
    for variant in (
        "rocket-falcon9-dscovr-launch--crop80.jpg",
        "coffee-espresso-cup--caption-bar.jpg",
        "astronaut-eileen-collins--mirrored.jpg",
    ):
        assert counts[demo.ids[variant]] == 1


def test_text_dump_images_resolve_by_alt_text(demo: DemoLibrary) -> None:
    with demo.database.session_scope(write=False) as session:
        rows = session.execute(
            select(Usage.alt, Usage.asset_id)
            .join(Article, Usage.article_id == Article.id)
            .where(Article.format == "text")
        ).all()
    assert sorted((alt, asset_id) for alt, asset_id in rows) == sorted(
        [
            ("Cameraman with a tripod on the harbour lawn", demo.ids[CAMERAMAN]),
            ("Espresso in a red cup on a wooden counter", demo.ids[COFFEE]),
            ("Falcon 9 rocket on the launch pad at dusk", demo.ids[ROCKET]),
        ]
    )


def test_rocket_credits_conflict_and_one_use_has_none(demo: DemoLibrary) -> None:
    uses = demo.published(ROCKET)
    assert [(date, credit) for date, _, _, credit, _ in uses] == [
        ("2015-02-12", "SpaceX"),
        ("2015-02-12", "SpaceX"),
        ("2017-05-18", None),
        ("2019-02-11", "NASA/SpaceX"),
        ("2020-02-11", None),
        ("2023-02-27", "SpaceX via AP"),
        ("2023-02-27", "SpaceX via AP"),
    ]
    keys = {normalize_credit(credit) for *_, credit, _ in uses if credit}
    assert len(keys) == 3
    captions = {caption for _, _, caption, _, _ in uses}
    assert (
        "A SpaceX Falcon 9 rocket carrying the DSCOVR satellite lifts off at Cape Canaveral "
        "on Feb. 11, 2015. (SpaceX)" in captions
    )
    assert (
        "A Falcon 9 rocket lifts off with DSCOVR at Vandenberg on Feb. 12, 2015. "
        "Photo: NASA/SpaceX" in captions
    )
    archive = [(date, caption) for date, _, caption, _, is_archive in uses if is_archive]
    assert {date for date, _ in archive} == {"2023-02-27"}
    assert all(caption.startswith("Archive photo: launch in March 2016") for _, caption in archive)


def test_cameraman_archive_notes(demo: DemoLibrary) -> None:
    uses = demo.published(CAMERAMAN)
    assert uses == [
        (
            "2016-06-20",
            "inline",
            "File photo: Courier cameraman Reza Farahzadi films the regatta from the harbour "
            "lawn in 2001. (Photo: Courier Archive)",
            "Courier Archive",
            True,
        ),
        (
            "2021-03-19",
            "inline",
            "Courier cameraman Reza Farazhzadi lines up a shot on the harbour lawn. "
            "Photo: Lav Varshney",
            "Lav Varshney",
            False,
        ),
        (
            "2023-10-03",
            "inline",
            "Archive photo: Reza Farahzadi films on the harbour lawn, October 1998. "
            "Photo: Courier Archive",
            "Courier Archive",
            True,
        ),
    ]


def test_name_and_credit_spellings_differ(demo: DemoLibrary) -> None:
    retina = demo.published(RETINA)
    assert [credit for *_, credit, _ in retina] == ["Mikael Häggström", "Mikael Häggstrom"]
    assert "Hosseinzadeh" in retina[0][2] and "Hossein-Zadeh" in retina[1][2]
    coffee = [caption for _, role, caption, _, _ in demo.published(COFFEE) if role == "inline"]
    assert "Parisa Shaqaqi (پریسا شقاقی)" in coffee[0]
    assert "Parisa Shaghaghi" in coffee[1]


def test_derivatives_lose_the_original_credit(demo: DemoLibrary) -> None:
    crop = demo.published("rocket-falcon9-dscovr-launch--crop80.jpg")
    assert [(date, credit) for date, _, _, credit, _ in crop] == [("2020-12-10", None)]
    bar = demo.published("coffee-espresso-cup--caption-bar.jpg")
    assert [(date, credit) for date, _, _, credit, _ in bar] == [("2020-06-16", "Harbour Courier")]
    mirrored = demo.published("astronaut-eileen-collins--mirrored.jpg")
    assert {(date, credit) for date, _, _, credit, _ in mirrored} == {("2024-05-10", "NASA")}


def test_bylines_include_the_typo(demo: DemoLibrary) -> None:
    with demo.database.session_scope(write=False) as session:
        bylines = {a.title: a.byline for a in session.scalars(select(Article))}
    assert bylines["Five years since the launch our readers stayed up for"] == "Stuff Writer"
    assert bylines["The Courier starts filming: our video desk goes live"] == "Staff Writer"
    assert bylines["Space weather: why the bay’s radio amateurs keep an eye on the sun"] == (
        "Zoé Marchand"
    )


def test_importing_again_updates_instead_of_duplicating(demo: DemoLibrary) -> None:
    again = import_articles(demo.database, [str(ARTICLES)])
    assert again.errors == []
    assert (again.articles_created, again.articles_updated) == (0, 21)
    assert (again.usages, again.resolved) == (29, 28)
    with demo.database.session_scope(write=False) as session:
        assert len(list(session.scalars(select(Usage.id)))) == 29


def test_a_copy_shows_where_its_picture_ran(demo: DemoLibrary) -> None:
    """Issue 13, bug 1: every member of a duplicate group shares the group's usages."""
    from library.duplicates.membership import group_of

    with demo.database.session_scope(write=False) as session:
        group = group_of(session, demo.ids[ROCKET])
        assert group is not None
        members = [m.asset_id for m in group.members]
        everywhere = {
            (u.article_id, u.asset_id) for m in members for u, _ in usages_of(session, [m])
        }
        articles = {article for article, _ in everywhere}
        assert len(articles) >= 5 and len(members) >= 3
        for member in members:
            shared = group_usages(session, member)
            # Every usage of the group, each naming the copy that was published.
            assert {(u.article_id, u.asset_id) for u, _ in shared} == everywhere
            assert usage_counts(session, [member]) == {member: len(articles)}
        # A copy nobody published still counts as used, in search and in its badge.
        unpublished = [m for m in members if not usages_of(session, [m])]
        assert unpublished, "the demo has a copy of the rocket that no article used"
        found = find_photos(session, f"used:>{len(articles) - 1}", limit=100)
        assert set(members) <= {a.id for a in found.assets}
        assert all(found.usage_counts[m] == len(articles) for m in members)
        # The search index's stored counts agree with a recount.
        stats = search.stats_table
        stored = dict(
            session.execute(
                select(stats.c.asset_id, stats.c.article_count).where(stats.c.asset_id.in_(members))
            ).all()
        )
        assert stored == {m: len(articles) for m in members}
