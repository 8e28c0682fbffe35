"""WordPress exports as sites write them: galleries, statuses, keys, dates and --media.

The core tests use a hand-written export made to break the importer
(fixtures/articles/harbour-edge-cases.wxr.xml) with generated uploads; the extended ones
use the theme unit test exports and their generated uploads in ../shared/corpora.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image
from sqlalchemy import select

from library.articles.importers import ArticleFormatError, ParsedImage, parse_wxr
from library.articles.importers.media import (
    UploadIndex,
    size_fits,
    stripped_upload_paths,
    upload_path,
)
from library.articles.imports import MediaFolder, import_articles
from library.db.engine import Database
from library.db.models import Article, Asset, AssetPath, Usage
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import CORPORA, FIXTURES, Result, make_jpeg, needs_corpora

EDGE = FIXTURES / "articles" / "harbour-edge-cases.wxr.xml"
OLD = FIXTURES / "articles" / "wxr-1.0-tags.xml"
UP = "https://news.example.net/wp-content/uploads/"
WXR_CORPUS = CORPORA / "articles" / "wxr"
THEME = WXR_CORPUS / "wptt__themeunittestdata.wordpress.xml"
MEDIA = CORPORA / "articles" / "media-wptt"


def by_title(path: Path, include_unpublished: bool = False) -> dict[str, list[ParsedImage]]:
    return {a.title: a.images for a in parse_wxr(path, include_unpublished)}


def shown(images: list[ParsedImage]) -> list[tuple[str, str | None, str | None]]:
    """(upload path as referenced, caption as published, media-library caption)."""
    return [(i.reference.split("/uploads/")[-1], i.caption, i.library_caption) for i in images]


def uploads(root: Path) -> Path:
    """The site's uploads: one name in two months, and map-580x300.jpg beside map.jpg."""
    make_jpeg(root / "2012/06/harbour.jpg", (640, 427), seed=1)
    make_jpeg(root / "2013/09/harbour.jpg", (640, 427), seed=2)
    make_jpeg(root / "2013/03/map-580x300.jpg", (580, 300), seed=3)
    make_jpeg(root / "2013/03/map.jpg", (1200, 620), seed=4)
    make_jpeg(root / "2014/01/stage.jpg", (640, 480), seed=5)
    make_jpeg(root / "2014/01/crowd.jpg", (640, 480), seed=6)
    make_jpeg(root / "2015/05/lighthouse.jpg", (1200, 800), seed=7)
    return root


def files_of(database: Database) -> dict[str, list[str | None]]:
    """Article title → for each usage in order, the media path below uploads/ of its photo."""
    with database.session_scope(write=False) as session:
        paths: dict[int, list[str]] = {}
        for asset_id, path in session.execute(select(AssetPath.asset_id, AssetPath.path)):
            paths.setdefault(asset_id, []).append(path.split("/uploads/")[-1])
        found: dict[str, list[str | None]] = {}
        rows = session.execute(
            select(Article.title, Usage.asset_id)
            .join(Usage, Usage.article_id == Article.id)
            .order_by(Article.id, Usage.position)
        )
        for title, asset_id in rows:
            files = paths.get(asset_id, []) if asset_id is not None else []
            found.setdefault(title, []).append(files[0] if len(files) == 1 else None)
        return found


# -- galleries -----------------------------------------------------------------------------


def test_gallery_shortcode_shows_child_attachments_in_menu_order_then_ids() -> None:
    images = by_title(EDGE)["Summer on the quays"]
    # [gallery]: the post's image attachments by menu order then id (the .mp4 is not an
    # image); [gallery ids="302, 304"]; [[gallery]] is escaped text. A gallery prints the
    # library caption, so there it is the published one.
    assert shown(images) == [
        ("2012/06/harbour.jpg", "Fishing boats in the old harbour at dawn.", "Fishing boats in the old harbour at dawn."),
        ("2013/03/map-580x300.jpg", "Ferry routes, 2013.", "Ferry routes, 2013."),
        ("2014/01/stage.jpg", "The festival stage at night.", "The festival stage at night."),
        ("2014/01/crowd.jpg", None, None),
        ("2013/09/harbour.jpg", "The new harbour wall under construction.", "The new harbour wall under construction."),
        ("2013/03/map.jpg", "The harbour district in 1910.", "The harbour district in 1910."),
    ]  # fmt: skip
    assert [i.alt for i in images][:2] == ["Boats at dawn", None]
    assert all(i.upload == i.reference for i in images)


def test_gallery_and_cover_blocks_without_img_are_completed_from_their_attributes() -> None:
    images = by_title(EDGE)["Festival week in pictures"]
    assert shown(images) == [
        # cover with a CSS background (its overlay text is not a caption); video cover left out
        ("2015/05/lighthouse.jpg", None, "The lighthouse after the storm."),
        # gallery block saved without HTML: its ids, captions not shown
        ("2014/01/crowd.jpg", None, None),
        ("2014/01/stage.jpg", None, "The festival stage at night."),
        # nested image blocks keep their own captions; the gallery's caption is not theirs
        ("2012/06/harbour-1024x683.jpg", "Boats leave before sunrise.", "Fishing boats in the old harbour at dawn."),
        ("2013/09/harbour.jpg", None, "The new harbour wall under construction."),
    ]  # fmt: skip
    assert images[3].upload == UP + "2012/06/harbour.jpg"  # wp-image-301: its original


# -- keys, statuses, dates, tags -----------------------------------------------------------


def test_posts_sharing_a_guid_are_two_articles(database: Database) -> None:
    keys = [a.key for a in parse_wxr(EDGE)]
    assert keys == [
        "wxr:news.example.net#401",
        "wxr:news.example.net#402",
        "wxr:news.example.net#407",
    ]
    report = import_articles(database, [EDGE])
    assert (report.articles_created, report.articles_updated) == (3, 0)
    again = import_articles(database, [EDGE])
    assert (again.articles_created, again.articles_updated) == (0, 3)


def test_unpublished_posts_are_skipped_unless_asked_and_then_flagged(database: Database) -> None:
    import_articles(database, [EDGE])
    with database.session_scope(write=False) as session:
        assert set(session.scalars(select(Article.status))) == {"publish"}
    report = import_articles(database, [EDGE], include_unpublished=True)
    assert (report.articles_created, report.articles_updated) == (4, 3)
    with database.session_scope(write=False) as session:
        statuses = dict(session.execute(select(Article.title, Article.status)).all())
    assert statuses == {
        "Summer on the quays": "publish",
        "Festival week in pictures": "publish",
        "The harbour, then and now": "publish",
        "Maps of the old town": "draft",
        "Regatta preview": "future",
        "Letters to the editor": "pending",
        "Staff notes": "private",
    }  # the trashed post never comes in


def test_dates_are_the_sites_local_dates() -> None:
    dates = {a.title: a.published for a in parse_wxr(EDGE, include_unpublished=True)}
    assert dates["Summer on the quays"] == datetime(2014, 7, 1, 23, 30)  # not 21:30 GMT
    # zero GMT date and a "-0001" pubDate: the local date still holds
    assert dates["The harbour, then and now"] == datetime(2016, 1, 5, 12, 0)
    assert dates["Maps of the old town"] == datetime(2015, 2, 3, 10, 0)


def test_wxr_1_0_tags_and_domainless_categories() -> None:
    [article] = parse_wxr(OLD)
    assert (article.tags, article.categories) == (["ferries", "Storm & flood"], ["Harbour"])
    assert article.key == "wxr:old.example.org#1"
    assert article.published == datetime(2008, 3, 1, 18, 20)


def test_guid_keyed_rows_from_earlier_imports_are_taken_over(database: Database) -> None:
    with database.session_scope() as session:
        session.add(
            Article(
                key="https://news.example.net/?p=400",
                title="Festival week in pictures",
                url="https://news.example.net/2014/08/festival-week/",
                format="wxr",
                source_path=str(EDGE),
            )
        )
    report = import_articles(database, [EDGE])
    assert (report.articles_created, report.articles_updated) == (2, 1)
    with database.session_scope(write=False) as session:
        keys = sorted(session.scalars(select(Article.key)))
    assert keys == [f"wxr:news.example.net#{n}" for n in (401, 402, 407)]


# -- captions ------------------------------------------------------------------------------


def test_library_caption_is_the_photos_not_the_published_one(
    database: Database, tmp_path: Path
) -> None:
    import_articles(database, [EDGE], media=uploads(tmp_path / "uploads"))
    with database.session_scope(write=False) as session:
        usage = session.scalar(
            select(Usage)
            .join(Article)
            .where(Article.title == "The harbour, then and now", Usage.position == 2)
        )
        assert usage is not None and usage.caption is None  # a plain <img> shows none
        asset = session.get(Asset, usage.asset_id)
        assert asset is not None
        assert asset.caption == "The new harbour wall under construction."
        assert asset.field_sources["caption"].startswith("media-library:")


# -- --media -------------------------------------------------------------------------------


def test_media_resolves_by_upload_path_before_any_size_suffix(
    database: Database, tmp_path: Path
) -> None:
    report = import_articles(database, [EDGE], media=uploads(tmp_path / "uploads"))
    assert report.errors == []
    assert report.ingested == 7
    found = files_of(database)
    assert found["The harbour, then and now"] == [
        "2012/06/harbour.jpg",  # the same name in two months is two photos
        "2013/09/harbour.jpg",
        "2013/03/map-580x300.jpg",  # a real upload, not a size of map.jpg
        "2015/05/lighthouse.jpg",  # a size the attachment's metadata declares
        "2014/01/stage.jpg",  # no such file: stripped, 300x225 fits the 640x480 upload
        None,  # 1200x4002 cannot be a size of the 640x480 crowd.jpg
    ]
    # wp-image-301 ties harbour-1024x683.jpg to its upload, in its own month
    assert found["Festival week in pictures"][3] == "2012/06/harbour.jpg"
    assert found["Summer on the quays"][1] == "2013/03/map-580x300.jpg"
    assert found["Summer on the quays"][5] == "2013/03/map.jpg"


def test_catalog_without_media_keeps_months_apart(database: Database, tmp_path: Path) -> None:
    media = uploads(tmp_path / "uploads")
    IngestSession(database, IngestOptions(workers=1)).run([str(media)])
    import_articles(database, [EDGE])
    found = files_of(database)["The harbour, then and now"]
    assert found[:3] == ["2012/06/harbour.jpg", "2013/09/harbour.jpg", "2013/03/map-580x300.jpg"]


def test_a_stripped_suffix_needs_the_pixels_to_agree(tmp_path: Path) -> None:
    stage = make_jpeg(tmp_path / "same/2014/01/stage.jpg", (640, 480), seed=5)
    reference = UP + "2014/01/stage-150x150.jpg"
    with Image.open(stage) as picture:
        # WordPress's hard crop: centre square, scaled down; two undated copies of it
        square = picture.crop((80, 0, 560, 480)).resize((150, 150))
        for folder in ("a", "b"):
            (tmp_path / "same" / folder).mkdir()
            square.save(tmp_path / "same" / folder / "stage-150x150.jpg", quality=90)
    image = ParsedImage("inline", 1, reference, None, None)
    assert MediaFolder(tmp_path / "same").find(image) == (stage.absolute(), 2)

    make_jpeg(tmp_path / "other/2014/01/stage.jpg", (640, 480), seed=5)
    make_jpeg(tmp_path / "other/a/stage-150x150.jpg", (150, 150), seed=11)
    make_jpeg(tmp_path / "other/b/stage-150x150.jpg", (150, 150), seed=12)
    assert MediaFolder(tmp_path / "other").find(image) is None


def test_upload_paths_and_size_rules() -> None:
    assert upload_path(UP + "2013/09/Harbour%20Wall.JPG?w=640") == "2013/09/harbour wall.jpg"
    assert upload_path("https://x.files.wordpress.com/2008/06/a.jpg") == "2008/06/a.jpg"
    assert upload_path("https://x.org/wp-content/uploads/sites/3/2019/02/a.jpg") == "2019/02/a.jpg"
    assert upload_path("a.jpg") == "a.jpg"
    assert stripped_upload_paths(UP + "2013/03/map-e1568230000-1024x683.jpg") == [
        ("2013/03/map-e1568230000.jpg", (1024, 683)),
        ("2013/03/map.jpg", (1024, 683)),
    ]
    assert stripped_upload_paths(UP + "2013/03/map-1.jpg") == []
    assert size_fits((580, 300), (1200, 620)) and not size_fits((1200, 4002), (1200, 900))
    index: UploadIndex[str] = UploadIndex()
    index.add("/m/2012/06/harbour.jpg", "june")
    index.add("/m/2013/09/harbour.jpg", "september")
    index.add("/archive/harbour.jpg", "archive")
    assert index.find("2013/09/harbour.jpg") == ["september"]
    assert index.find("2014/01/harbour.jpg") == ["archive"]  # undated copies may be it
    assert index.find("harbour.jpg") == ["june", "september", "archive"]


# -- the real exports ----------------------------------------------------------------------


def _image_children(path: Path, parent: str) -> int:
    root = ElementTree.parse(path).getroot()
    count = 0
    for item in root.iter("item"):
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in item}
        if (
            fields.get("post_type") == "attachment"
            and fields.get("post_parent") == parent
            and re.search(r"\.(jpe?g|png|gif)$", fields.get("attachment_url", ""), re.I)
        ):
            count += 1
    return count


@pytest.mark.extended
@needs_corpora
def test_theme_unit_test_galleries_and_covers() -> None:
    images = {a.key.rsplit("#", 1)[1]: a.images for a in parse_wxr(THEME)}
    children = _image_children(THEME, "555")
    assert children > 10
    assert len(images["555"]) == 10 * children  # ten [gallery] shortcodes, no ids=
    assert all(i.caption == i.library_caption for i in images["555"])
    assert len(images["1745"]) == 4  # four image covers; the three video covers are not photos
    gallery_block = [i for i in images["1752"] if i.role == "inline"]
    assert len(gallery_block) == 80
    assert len(images["1031"]) == 5  # [gallery columns=2 ids="770,771"] … in the tiled post


@pytest.mark.extended
@needs_corpora
def test_theme_unit_test_keys_statuses_and_dates() -> None:
    published = parse_wxr(THEME)
    everything = parse_wxr(THEME, include_unpublished=True)
    keys = [a.key for a in everything]
    assert len(keys) == len(set(keys))
    ids = {k.rsplit("#", 1)[1] for k in keys}
    assert {"568", "1158", "582", "1161"} <= ids  # two pairs of posts sharing a guid
    assert {a.status for a in published} == {"publish"}
    assert {a.status for a in everything} - {"publish"} == {"draft", "future"}
    scheduled = next(a for a in everything if a.status == "future")
    assert scheduled.published == datetime(2030, 1, 1, 12, 0, 18)  # local, not 19:00:18 GMT


@pytest.mark.slow
@pytest.mark.extended
@needs_corpora
def test_theme_unit_test_media_every_usage_is_its_own_upload(
    database: Database, tmp_path: Path
) -> None:
    report = import_articles(database, [THEME], media=MEDIA)
    assert report.errors == [] and report.articles_updated == 0
    media = {str(p.relative_to(MEDIA)).casefold(): p for p in MEDIA.rglob("*") if p.is_file()}
    with database.session_scope(write=False) as session:
        paths: dict[int, set[str]] = {}
        for asset_id, path in session.execute(select(AssetPath.asset_id, AssetPath.path)):
            paths.setdefault(asset_id, set()).add(path)
        checked = 0
        for usage in session.scalars(select(Usage)):
            file = media.get(upload_path(usage.reference or ""))
            if file is None:
                continue
            checked += 1
            assert usage.asset_id is not None, usage.reference
            assert str(file.absolute()) in paths[usage.asset_id], usage.reference
    assert checked > 300


@pytest.mark.extended
@needs_corpora
def test_every_corpus_export_parses_or_fails_in_one_line() -> None:
    failures = 0
    for path in sorted(WXR_CORPUS.glob("*.xml")):
        try:
            parse_wxr(path, include_unpublished=True)
        except ArticleFormatError as error:
            failures += 1
            assert str(error).startswith(path.name + ": ") and "\n" not in str(error)
    assert failures >= 1  # the importer's malformed test exports


@pytest.mark.extended
@needs_corpora
def test_wxr_1_0_export_tags() -> None:
    articles = parse_wxr(WXR_CORPUS / "wpimporter__phpunit_data_valid-wxr-1.0.xml")
    tags = {tag for article in articles for tag in article.tags}
    assert {"news", "roar", "chicken", "face"} <= tags


def test_cli_include_unpublished_flag(database: Database, run: Callable[..., Result]) -> None:
    first = run("import-articles", str(EDGE), "--json")
    assert first.exit_code == 0 and json.loads(first.stdout)["articles_created"] == 3
    second = run("import-articles", str(EDGE), "--include-unpublished", "--json")
    assert json.loads(second.stdout)["articles_created"] == 4
    listed = json.loads(run("articles", "--json").stdout)
    statuses = sorted(row["status"] for row in listed)
    assert statuses == ["draft", "future", "pending", "private", "publish", "publish", "publish"]
    lines = run("articles").stdout.splitlines()
    assert any("Maps of the old town" in line and line.endswith("[draft]") for line in lines)
    assert not any("Summer on the quays" in line and "[" in line for line in lines)


def test_media_folder_given_with_dot_dot_still_ties_usages(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads(tmp_path / "site" / "uploads")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    import_articles(database, [EDGE], media=Path("../site/uploads"))
    assert files_of(database)["The harbour, then and now"][0] == "2012/06/harbour.jpg"


def test_unresolved_references_are_named_by_their_upload(database: Database) -> None:
    import_articles(database, [EDGE])
    with database.session_scope(write=False) as session:
        names = list(
            session.scalars(
                select(Usage.reference_name)
                .join(Article)
                .where(Article.title == "The harbour, then and now")
                .order_by(Usage.position)
            )
        )
    assert names == [
        "2012/06/harbour.jpg",
        "2013/09/harbour.jpg",
        "2013/03/map-580x300.jpg",
        "2015/05/lighthouse.jpg",  # a declared size of attachment 308: its upload
        "2014/01/stage-300x225.jpg",
        "2014/01/crowd-1200x4002.jpg",
    ]


WP = (
    'xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def attachment_item(post_id: int, path: str) -> str:
    return (
        f"<item><wp:post_id>{post_id}</wp:post_id><wp:post_type>attachment</wp:post_type>"
        f"<wp:status>inherit</wp:status><excerpt:encoded>Library {post_id}</excerpt:encoded>"
        f"<wp:attachment_url>{UP}{path}</wp:attachment_url></item>"
    )


def test_an_attachment_id_ties_only_its_own_upload_and_sizes(tmp_path: Path) -> None:
    content = "".join(
        f'<img src="{UP}{src}" class="wp-image-{ident}" alt="x">'
        for src, ident in [
            ("2019/02/quay-1024x683.jpg", 501),  # a size of quay.jpg, uploaded as -scaled
            ("2013/03/map-150x150.jpg", 303),  # not a size of map-580x300.jpg
            ("2013/03/map-580x300.jpg", 999),  # unknown id: the file shown decides
        ]
    )
    export = tmp_path / "ties.xml"
    export.write_text(
        f'<?xml version="1.0"?><rss version="2.0" {WP}><channel>'
        "<wp:base_blog_url>https://news.example.net</wp:base_blog_url>"
        + attachment_item(501, "2019/02/quay-scaled.jpg")
        + attachment_item(303, "2013/03/map-580x300.jpg")
        + "<item><title>Ties</title><wp:post_id>9</wp:post_id><wp:post_type>post</wp:post_type>"
        f"<wp:status>publish</wp:status><content:encoded><![CDATA[{content}]]></content:encoded>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    [article] = parse_wxr(export)
    assert [(i.upload, i.library_caption) for i in article.images] == [
        (UP + "2019/02/quay-scaled.jpg", "Library 501"),
        (None, "Library 303"),
        (UP + "2013/03/map-580x300.jpg", "Library 303"),
    ]


def test_a_draft_fills_no_photo_field_but_the_library_caption(
    database: Database, tmp_path: Path
) -> None:
    media = uploads(tmp_path / "uploads")
    import_articles(database, [EDGE], media=media, include_unpublished=True)
    with database.session_scope(write=False) as session:
        usage = session.scalar(
            select(Usage).join(Article).where(Article.title == "Maps of the old town")
        )
        assert usage is not None and usage.alt == "Ferry routes"
        asset = session.get(Asset, usage.asset_id)
        assert asset is not None and asset.caption == "Ferry routes, 2013."
        # not the draft's alt text: the first published one (the gallery gave none)
        assert asset.alt_text == "Routes"
