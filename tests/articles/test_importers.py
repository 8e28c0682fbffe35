"""The article parsers on the sample exports, pages and dumps, and on arbitrary input."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from library.articles.importers import (
    ArticleFormatError,
    ParsedArticle,
    ParsedImage,
    canonical_media_name,
    media_name_candidates,
    parse_articles,
    parse_html,
    parse_text,
    parse_wxr,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
WXR = FIXTURES / "tehran-bureau.wxr.xml"
SITE = "https://bureau.example.org"
UP = SITE + "/wp-content/uploads"
RALLY = f"{UP}/2018/10/rally-tehran.jpg"
RALLY_ALT = "Crowd with banners in Enghelab Square"
RALLY_DESCRIPTION = "Wide view from the roof of the university gate, looking east."
RALLY_COPYRIGHT = "© Tehran Bureau Weekly"
BAZAAR_CAPTION = "Shopkeepers close their stalls at the Grand Bazaar."
RALLY_LIBRARY = "Demonstrators fill Enghelab Square in Tehran on Oct. 12, 2018."
KEY = "wxr:bureau.example.org#"

Parser = Callable[[Path], list[ParsedArticle]]


def source(name: str) -> str:
    return str((FIXTURES / name).resolve())


def inline(
    position: int, reference: str | None, alt: str | None, caption: str | None, **extra: str | None
) -> ParsedImage:
    return ParsedImage("inline", position, reference, alt, caption, **extra)


def rally(
    position: int, reference: str, alt: str, caption: str, upload: str | None = RALLY
) -> ParsedImage:
    """Attachment 201 as used inline: the post's alt/caption, the attachment's credit."""
    return inline(
        position,
        reference,
        alt,
        caption,
        credit="Reza Farahzadi",
        copyright=RALLY_COPYRIGHT,
        description=RALLY_DESCRIPTION,
        library_caption=RALLY_LIBRARY,
        upload=upload,
    )


# -- WordPress export --------------------------------------------------------------------


@pytest.fixture(scope="module")
def wxr() -> dict[str, ParsedArticle]:
    return {article.title: article for article in parse_wxr(WXR, include_unpublished=True)}


def test_wxr_keeps_posts_and_pages_in_order_and_skips_the_rest() -> None:
    articles = parse_wxr(WXR, include_unpublished=True)
    assert [(a.key, a.title, a.status) for a in articles] == [
        (f"{KEY}101", "Thousands rally in Tehran over fuel prices", "publish"),
        (f"{KEY}102", "Fuel subsidies: what changed", "publish"),
        (f"{KEY}103", "One year after the fuel protests", "publish"),
        (f"{KEY}104", "Iran’s envoy in Zürich for nuclear talks", "publish"),
        (f"{KEY}105", "São Paulo summit draws Iranian trade delegation", "publish"),
        (f"{KEY}106", "Bazaar strike timeline", "draft"),
        (f"{KEY}107", "About the Tehran Bureau", "publish"),
    ]
    # Without asking, the draft is not a publication and is left out.
    assert [a.key for a in parse_wxr(WXR)] == [a.key for a in articles if a.status == "publish"]
    assert articles[0].former_keys == [f"{SITE}/?p=101"]
    assert {a.format for a in articles} == {"wxr"}
    assert {a.source_path for a in articles} == {source("tehran-bureau.wxr.xml")}


def test_wxr_metadata(wxr: dict[str, ParsedArticle]) -> None:
    rows = [(a.url, a.published, a.byline, a.tags, a.categories) for a in wxr.values()]
    assert rows == [
        (
            f"{SITE}/2018/10/14/thousands-rally-in-tehran/",
            datetime(2018, 10, 14, 9, 30),
            "Maryam Kazemi",
            ["Tehran", "protests", "fuel prices"],
            ["Iran"],
        ),
        (
            f"{SITE}/2018/10/20/fuel-subsidies-what-changed/",
            datetime(2018, 10, 20, 16, 45),
            "Dariush Rahimi",
            ["fuel prices", "subsidies"],
            ["Economy", "Iran"],
        ),
        (
            f"{SITE}/2019/11/15/one-year-after/",
            datetime(2019, 11, 15, 6, 0),
            "Stuff Writer",
            ["Tehran", "protests", "anniversary"],
            ["Iran"],
        ),
        (
            f"{SITE}/2020/01/09/envoy-in-zurich/",
            datetime(2020, 1, 9, 7, 15),
            "Maryam Kazemi",
            ["Zürich", "nuclear talks"],
            ["Diplomacy"],
        ),
        (
            f"{SITE}/2021/06/02/sao-paulo-summit/",
            datetime(2021, 6, 2, 11, 30),
            "Dariush Rahimi",
            ["São Paulo", "trade"],
            ["Economy"],
        ),
        (f"{SITE}/?p=106", None, "Stuff Writer", ["bazaar"], ["Iran"]),
        (
            f"{SITE}/about/",
            datetime(2017, 3, 1, 10, 0),
            "Maryam Kazemi",
            [],
            [],
        ),
    ]


def test_wxr_caption_shortcode_plain_image_and_featured(wxr: dict[str, ParsedArticle]) -> None:
    assert wxr["Thousands rally in Tehran over fuel prices"].images == [
        # a featured image shows no caption: the library's is kept apart
        ParsedImage(
            "featured",
            0,
            RALLY,
            RALLY_ALT,
            None,
            credit="Reza Farahzadi",
            copyright=RALLY_COPYRIGHT,
            description=RALLY_DESCRIPTION,
            library_caption=RALLY_LIBRARY,
            upload=RALLY,
        ),
        rally(
            1,
            f"{UP}/2018/10/rally-tehran-1024x683.jpg",
            RALLY_ALT,
            "Demonstrators fill Enghelab Square in Tehran on Oct. 12, 2018. "
            "(Photo: Reza Farahzadi)",
        ),
        # plain <img alt=""> takes attachment 202's alt (wp-image-202) but shows no
        # caption; the emoji is dropped
        inline(
            2,
            f"{UP}/2018/10/bazaar-closing-300x200.jpg",
            "Shuttered stalls in the Grand Bazaar",
            None,
            credit="Shirin Ahmadi",
            library_caption=BAZAAR_CAPTION,
            upload=f"{UP}/2018/10/bazaar-closing.jpg",
        ),
    ]


def test_wxr_gutenberg_figure_keeps_the_posts_own_spelling(wxr: dict[str, ParsedArticle]) -> None:
    assert wxr["Fuel subsidies: what changed"].images == [
        rally(
            1,
            f"{UP}/2018/10/rally-tehran-scaled.jpg",
            RALLY_ALT,  # alt="" in the post, so the attachment's
            "Protesters in Tehran last week. Photo: Reza Farazhzadi",
        )
    ]


def test_wxr_old_wp_caption_div(wxr: dict[str, ParsedArticle]) -> None:
    assert wxr["One year after the fuel protests"].images == [
        rally(
            1,
            RALLY,
            "Protesters in Enghelab Square",
            "Archive photo: Demonstrators in Enghelab Square, October 2018.",
        )
    ]


def test_wxr_html5_caption_and_match_by_url(wxr: dict[str, ParsedArticle]) -> None:
    zurich = "Delegates on a hotel terrace in Zürich"
    assert wxr["Iran’s envoy in Zürich for nuclear talks"].images == [
        ParsedImage(
            "featured",
            0,
            f"{UP}/2020/01/zurich-talks.jpg",
            zurich,
            None,
            library_caption="Delegates arrive at the Hotel Baur au Lac in Zürich.",
            upload=f"{UP}/2020/01/zurich-talks.jpg",
        ),
        inline(
            1,
            f"{UP}/2020/01/zurich-talks-e1578560000-800x533.jpg",
            zurich,
            "Delegates arrive at the Hotel Baur au Lac in Zürich on Jan. 8, 2020.",
            library_caption="Delegates arrive at the Hotel Baur au Lac in Zürich.",
            upload=f"{UP}/2020/01/zurich-talks.jpg",
        ),
        # [caption id=""]: no attachment id, found by its size-variant URL (a guess, so no
        # upload is claimed); the logo is dropped
        rally(
            2,
            f"{UP}/2018/10/rally-tehran-300x200.jpg",
            "Enghelab Square protest",
            "FILE - Demonstrators rally in Tehran on Oct. 12, 2018. Reza Farahzadi/Tehran Bureau",
            upload=None,
        ),
    ]


def test_wxr_caption_attribute_and_reupload_without_credit(wxr: dict[str, ParsedArticle]) -> None:
    # _thumbnail_id 999 names no attachment: no featured image rather than an empty one
    assert wxr["São Paulo summit draws Iranian trade delegation"].images == [
        inline(
            1,
            f"{UP}/2021/06/sao-paulo-summit-1024x576.jpg",
            "Trade delegates in São Paulo",
            "Trade delegates at the São Paulo Expo on June 1, 2021 (Photo: Lucas Pereira)",
            credit="Lucas Pereira",
            library_caption="The São Paulo summit opened on June 1, 2021.",
            upload=f"{UP}/2021/06/sao-paulo-summit.jpg",
        ),
        # rally-tehran-1.jpg is a separate upload (attachment 205) that has no credit; the
        # plain <img> shows no caption
        inline(
            2,
            f"{UP}/2021/06/rally-tehran-1.jpg",
            "Crowd in Enghelab Square",
            None,
            library_caption="Demonstrators in Enghelab Square.",
            upload=f"{UP}/2021/06/rally-tehran-1.jpg",
        ),
    ]


def test_wxr_draft_with_edited_variant_and_bare_image(wxr: dict[str, ParsedArticle]) -> None:
    assert wxr["Bazaar strike timeline"].images == [
        rally(
            1,
            f"{UP}/2018/10/rally-tehran-e1568230000-1024x683.jpg",
            "Enghelab Square, 2018",
            "Archive photo: Enghelab Square protest, 2018 (Photo: Reza Farahzadi)",
            upload=None,
        ),
        inline(
            2,
            f"{UP}/2018/10/bazaar-closing.jpg",
            "Shuttered stalls in the Grand Bazaar",
            None,
            credit="Shirin Ahmadi",
            library_caption=BAZAAR_CAPTION,
            upload=f"{UP}/2018/10/bazaar-closing.jpg",
        ),
    ]


def test_wxr_page_image_without_attachment(wxr: dict[str, ParsedArticle]) -> None:
    assert wxr["About the Tehran Bureau"].images == [
        inline(
            1,
            f"{UP}/2017/03/team-zurich.jpg",
            "The bureau team in Zürich",
            "Our team at the Zürich office.",
        )
    ]


def test_wxr_reused_photo_has_one_original_name_and_many_captions() -> None:
    uses = [
        image
        for article in parse_wxr(WXR, include_unpublished=True)
        for image in article.images
        if image.reference and canonical_media_name(image.reference) == "rally-tehran.jpg"
    ]
    assert len(uses) == 6
    # five captions as published, and the featured use that shows none
    assert len({image.caption for image in uses}) == 6 and None in {i.caption for i in uses}
    assert {image.credit for image in uses} == {"Reza Farahzadi"}


# -- HTML pages --------------------------------------------------------------------------


def test_html_json_ld_graph_page() -> None:
    courier = "https://courier.example.ch"
    url = f"{courier}/2020/01/09/iran-switzerland-talks/"
    zurich_alt = "Delegates on a hotel terrace in Zürich"
    zurich = {"credit": "Lukas Brunner/Zürich Courier", "copyright": "© 2020 Zürich Courier AG"}
    assert parse_html(FIXTURES / "jsonld-graph.html") == [
        ParsedArticle(
            key=url,
            title="Iran and Switzerland reopen talks in Zürich",
            url=url,
            published=datetime(2020, 1, 9, 8, 15, tzinfo=timezone(timedelta(hours=1))),
            byline="Shirin Ahmadi and Lukas Brunner",
            tags=["Zürich", "Iran", "diplomacy"],
            categories=["World"],
            source_path=source("jsonld-graph.html"),
            format="html",
            images=[
                ParsedImage(
                    "featured",
                    0,
                    f"{courier}/media/2020/01/zurich-talks-1200x800.jpg",
                    zurich_alt,
                    "Delegates arrive at the Hotel Baur au Lac in Zürich on Jan. 8, 2020.",
                    **zurich,
                ),
                inline(
                    1,
                    f"{courier}/media/2020/01/zurich-talks-1024x683.jpg",
                    zurich_alt,
                    "Delegates arrive at the Hotel Baur au Lac in Zürich. "
                    "Lukas Brunner/Zürich Courier",
                    **zurich,
                ),
                # pixel, related box, avatar and the teaser article are all left out
                inline(
                    2,
                    f"{courier}/media/2018/10/rally-tehran.jpg",
                    RALLY_ALT,
                    "Protests over fuel prices in Tehran in October 2018 set the backdrop "
                    "for the talks.",
                    credit="Reza Farahzadi",
                    copyright="Tehran Bureau Weekly",
                ),
            ],
        )
    ]


def test_html_figures_only_page() -> None:
    assert parse_html(FIXTURES / "figures-only.html") == [
        ParsedArticle(
            key=source("figures-only.html"),
            title="Rio and São Paulo brace for floods",
            url=None,
            published=date(2022, 2, 3),
            byline="Ana Souza",
            tags=["floods", "Brazil", "São Paulo"],
            categories=[],
            source_path=source("figures-only.html"),
            format="html",
            images=[
                inline(
                    1,
                    "images/sao-paulo-flood.jpg",
                    "Flooded avenue in São Paulo",
                    "A flooded avenue in São Paulo on Feb. 2, 2022. Photo: Ana Souza",
                ),
                # lazy image: data-src wins over the placeholder, the <noscript> twin is dropped
                inline(
                    2,
                    "images/rio-hillside.jpg",
                    "Hillside homes in Rio de Janeiro",
                    "Homes on a hillside in Rio de Janeiro, where landslides are feared.",
                ),
            ],
        )
    ]


def test_html_og_image_only_page() -> None:
    url = "https://diaspora.example.com/stories/fuel-protests-sao-paulo"
    image = "https://diaspora.example.com/wp-content/uploads/2018/10/Rally-Tehran-scaled.jpg"
    assert parse_html(FIXTURES / "og-only.html") == [
        ParsedArticle(
            key=url,
            title="Fuel protests: the view from São Paulo’s Iranian community",
            url=url,
            published=datetime(2018, 10, 16, 18, 0, tzinfo=UTC),
            byline="Leila Moradi",
            tags=["São Paulo", "diaspora", "Tehran"],
            categories=[],
            source_path=source("og-only.html"),
            format="html",
            images=[ParsedImage("featured", 0, image + "?w=1200&ssl=1", RALLY_ALT, None)],
        )
    ]


# -- text dumps --------------------------------------------------------------------------


def text_article(
    name: str,
    index: int,
    title: str,
    byline: str | None,
    tags: list[str],
    categories: list[str],
    images: list[ParsedImage],
    published: date | None = None,
) -> ParsedArticle:
    return ParsedArticle(
        key=f"{source(name)}#{index}",
        title=title,
        url=None,
        published=published,
        byline=byline,
        tags=tags,
        categories=categories,
        source_path=source(name),
        format="text",
        images=images,
    )


def read_text(path: Path) -> list[ParsedArticle]:
    """The text reader's articles without the confidence, which has its own tests."""
    articles = parse_text(path)
    assert all(a.confidence is not None and 0 < a.confidence <= 1 for a in articles)
    return [dataclasses.replace(a, confidence=None) for a in articles]


def featured(alt: str) -> ParsedImage:
    return ParsedImage("featured", 0, None, alt, None)


def test_text_tag_page() -> None:
    name = "tag-tehran.txt"
    terrace = "Delegates on a hotel terrace in Zürich"
    assert read_text(FIXTURES / name) == [
        text_article(
            name,
            1,
            "Thousands rally in Tehran over fuel prices",
            "Maryam Kazemi",
            ["Tehran", "protests", "fuel prices"],
            [],
            [
                featured(RALLY_ALT),
                inline(
                    1,
                    None,
                    RALLY_ALT,
                    "Demonstrators fill Enghelab Square in Tehran on Oct. 12, 2018. "
                    "(Photo: Reza Farahzadi)",
                ),
                inline(
                    2,
                    None,
                    "Shuttered stalls in the Grand Bazaar",
                    "Shopkeepers close their stalls at the Grand Bazaar. Photo: Shirin Ahmadi",
                ),
            ],
        ),
        text_article(
            name,
            2,
            "One year after the fuel protests",
            "Stuff Writer",
            ["Tehran", "protests", "anniversary"],
            [],
            [
                featured("Protesters in Enghelab Square"),
                inline(
                    1,
                    None,
                    "Protesters in Enghelab Square",
                    "Archive photo: Demonstrators in Enghelab Square, October 2018.",
                ),
            ],
        ),
        text_article(  # no featured image
            name,
            3,
            "Iran’s envoy in Zürich for nuclear talks",
            "By Dariush Rahimi",
            ["Tehran", "Zürich", "nuclear talks"],
            [],
            [
                inline(
                    1,
                    None,
                    terrace,
                    "Delegates arrive at the Hotel Baur au Lac in Zürich on Jan. 8, 2020.",
                ),
                inline(
                    2,
                    None,
                    "Enghelab Square protest",
                    "FILE - Demonstrators rally in Tehran on Oct. 12, 2018. "
                    "Reza Farazhzadi/Tehran Bureau",
                ),
            ],
        ),
        text_article(  # no tags line (the heading's tag is added) and no byline
            name,
            4,
            "Tehran marks three years since the fuel protests",
            None,
            ["Tehran"],
            [],
            [
                featured("Crowd in Enghelab Square"),
                inline(
                    1,
                    None,
                    "Crowd in Enghelab Square",
                    "Demonstrators in Enghelab Square, October 2018.",
                ),
            ],
        ),
        text_article(  # no images at all
            name, 5, "Metro fares rise in Tehran", "Staff Writer", ["Tehran", "transport"], [], []
        ),
    ]


def test_text_category_page() -> None:
    name = "category-world.txt"
    sao_paulo = "Trade delegates in São Paulo"
    terrace = "Delegates on a hotel terrace in Zürich"
    assert read_text(FIXTURES / name) == [
        text_article(
            name,
            1,
            "São Paulo summit draws Iranian trade delegation",
            "By Dariush Rahimi",
            ["Brazil", "São Paulo", "trade"],
            ["World"],
            [
                featured(sao_paulo),
                inline(
                    1,
                    None,
                    sao_paulo,
                    "Trade delegates at the São Paulo Expo on June 1, 2021 (Photo: Lucas Pereira)",
                ),
                inline(
                    2,
                    None,
                    "Crowd in Enghelab Square",
                    "Archive photo: Enghelab Square, Tehran, in October 2018.",
                ),
            ],
        ),
        text_article(
            name,
            2,
            "Talks resume in Zürich after a two-year pause",
            "Staff Writer",
            ["Switzerland", "Zürich", "diplomacy"],
            ["World"],
            [
                featured(terrace),
                inline(
                    1,
                    None,
                    terrace,
                    "Delegates arrive for the talks in Zürich, Switzerland. REUTERS/Lukas Brunner",
                ),
            ],
        ),
        text_article(  # no featured image, no byline
            name,
            3,
            "Protest anniversary passes quietly in Tehran",
            None,
            ["Iran", "protests", "anniversary"],
            ["World"],
            [
                inline(
                    1,
                    None,
                    "Enghelab Square protest",
                    "FILE PHOTO: Demonstrators rally in Tehran, Iran, Oct. 12, 2018. "
                    "Photo: Reza Farahzadi",
                ),
            ],
        ),
        text_article(
            name,
            4,
            "Floods close roads around São Paulo",
            "Ana Souza",
            ["Brazil", "floods"],
            ["World"],
            [],
            published=date(2022, 2, 3),
        ),
    ]


def test_text_tolerates_missing_blank_lines_and_a_lost_boilerplate(tmp_path: Path) -> None:
    dump = tmp_path / "archive.txt"
    dump.write_text(
        "Archive for the ‘Economy’ Category\n"
        "Iran, oil\nTankers off Bandar Abbas\nOil exports slump\nTankers off Bandar Abbas\n"
        "Tankers wait off Bandar Abbas, Iran. REUTERS/Amir Farazhzadi\n"
        "Exports fell for a third month, the oil ministry said on Monday.\nStaff Writer\n"
        "Iran, currency\nRial hits record low\n"
        "The rial fell to a record low against the dollar on the open market.\nBy Jane Roe\n"
        "Continue Reading\n© 2020 Tehran Bureau Weekly\n",
        encoding="utf-8",
    )
    articles = read_text(dump)
    assert [(a.title, a.tags, a.categories, a.byline) for a in articles] == [
        ("Oil exports slump", ["Iran", "oil"], ["Economy"], "Staff Writer"),
        ("Rial hits record low", ["Iran", "currency"], ["Economy"], "By Jane Roe"),
    ]
    assert articles[0].images == [
        featured("Tankers off Bandar Abbas"),
        inline(
            1,
            None,
            "Tankers off Bandar Abbas",
            "Tankers wait off Bandar Abbas, Iran. REUTERS/Amir Farazhzadi",
        ),
    ]


# -- identity, sniffing and errors -------------------------------------------------------

SAMPLES = [
    "tehran-bureau.wxr.xml",
    "jsonld-graph.html",
    "figures-only.html",
    "og-only.html",
    "tag-tehran.txt",
    "category-world.txt",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_reparse_gives_identical_unique_keys(name: str) -> None:
    first = [a.key for a in parse_articles(FIXTURES / name)]
    assert first == [a.key for a in parse_articles(FIXTURES / name)]
    assert len(set(first)) == len(first) > 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tehran-bureau.wxr.xml", "wxr"),
        ("jsonld-graph.html", "html"),
        ("og-only.html", "html"),
        ("tag-tehran.txt", "text"),
    ],
)
def test_auto_format_matches_explicit_format(name: str, expected: str) -> None:
    auto = parse_articles(FIXTURES / name)
    assert {a.format for a in auto} == {expected}
    assert auto == parse_articles(FIXTURES / name, format=expected)  # type: ignore[arg-type]


def test_sniffing_reads_content_when_the_name_misleads(tmp_path: Path) -> None:
    export = tmp_path / "export.dat"
    export.write_bytes(WXR.read_bytes())
    page = tmp_path / "saved-page"
    page.write_bytes((FIXTURES / "og-only.html").read_bytes())
    assert len(parse_articles(export)) == 6  # the draft is left out
    assert parse_articles(page)[0].title.startswith("Fuel protests")
    unknown = tmp_path / "photo.jpg"
    unknown.write_bytes(b"\xff\xd8\xff\xe0JFIF")
    with pytest.raises(ArticleFormatError, match=r"^photo\.jpg: unknown article format"):
        parse_articles(unknown)


@pytest.mark.parametrize(
    ("name", "parser", "message"),
    [
        ("truncated.xml", parse_wxr, r"^truncated\.xml: line 33, column \d+: malformed XML \("),
        ("entity-bomb.xml", parse_wxr, r"^entity-bomb\.xml: refused: the XML declares entities"),
        ("plain-rss.xml", parse_wxr, r"^plain-rss\.xml: not a WordPress export \(no wp:"),
        ("garbage.txt", parse_wxr, r"^garbage\.txt: line 1, column \d+: malformed XML"),
        ("jsonld-graph.html", parse_wxr, r"^jsonld-graph\.html: line \d+, column \d+: malformed"),
        ("no-article.html", parse_html, r"^no-article\.html: no article content \("),
        ("garbage.txt", parse_html, r"^garbage\.txt: not an HTML page \(binary data\)$"),
        ("garbage.txt", parse_text, r"^garbage\.txt: not a text dump \(binary data\)$"),
        ("not-a-dump.txt", parse_text, r"^not-a-dump\.txt: not a saved tag or category page"),
        ("og-only.html", parse_text, r"^og-only\.html: not a saved tag or category page"),
    ],
)
def test_malformed_files_raise_one_clean_line(name: str, parser: Parser, message: str) -> None:
    with pytest.raises(ArticleFormatError, match=message) as caught:
        parser(FIXTURES / name)
    error = caught.value
    assert "\n" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_xml_root_that_is_not_rss(tmp_path: Path) -> None:
    feed = tmp_path / "posts.xml"
    feed.write_text("<feed><entry/></feed>", encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"^posts\.xml: not a WordPress export \(no <rss"):
        parse_articles(feed)


def test_broken_markup_declaration_reports_its_line(tmp_path: Path) -> None:
    markup = "<html>\n<head><title>x</title></head>\n<body>\n<article><h1>T</h1>\n<p><![1x]></p>\n"
    try:
        HTMLParser().feed(markup)
    except AssertionError:
        pass
    else:
        pytest.skip("this Python's html.parser accepts the declaration")
    page = tmp_path / "page.html"
    page.write_text(markup, encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"^page\.html: line 5: unreadable markup"):
        parse_html(page)


def test_empty_text_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(ArticleFormatError, match=r"^empty\.txt: empty file$"):
        parse_text(empty)


# -- media names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "canonical"),
    [
        ("rally-tehran.jpg", "rally-tehran.jpg"),
        (f"{UP}/2018/10/rally-tehran-1024x683.jpg", "rally-tehran.jpg"),
        (f"{UP}/2018/10/rally-tehran-scaled.jpg", "rally-tehran.jpg"),
        ("rally-tehran-e1568230000.jpg", "rally-tehran.jpg"),
        ("rally-tehran-e1568230000123.jpg", "rally-tehran.jpg"),
        ("rally-tehran-e1568230000-1024x683.jpg", "rally-tehran.jpg"),
        ("rally-tehran-scaled-150x150.jpg", "rally-tehran.jpg"),
        ("rally-tehran-rotated.jpg", "rally-tehran.jpg"),
        ("Rally-Tehran-SCALED.JPG?w=1200&ssl=1", "rally-tehran.jpg"),
        ("rally-tehran-1.jpg", "rally-tehran-1.jpg"),
        ("rally-tehran-1-1024x683.jpg", "rally-tehran-1.jpg"),
        ("photo-1024x683-1.jpg", "photo-1024x683-1.jpg"),
        ("rally-tehran-e15.jpg", "rally-tehran-e15.jpg"),
        ("/uploads/S%C3%A3o%20Paulo%20summit-300x200.jpg#top", "são paulo summit.jpg"),
        ("Sa\u0303o-Paulo.JPG", "são-paulo.jpg"),
        ("C:\\Photos\\Zürich-Talks.jpeg", "zürich-talks.jpeg"),
        ("https://example.org/uploads/2018/10/", "10"),
        ("", ""),
    ],
)
def test_canonical_media_name(reference: str, canonical: str) -> None:
    assert canonical_media_name(reference) == canonical


def test_media_name_candidates_go_from_original_to_as_referenced() -> None:
    assert media_name_candidates("/x/Rally-Tehran-e1568230000-1024x683.jpg?v=2") == [
        "rally-tehran.jpg",
        "rally-tehran-e1568230000.jpg",
        "rally-tehran-e1568230000-1024x683.jpg",
    ]
    assert media_name_candidates("map-300x200.png") == ["map.png", "map-300x200.png"]
    assert media_name_candidates("photo-1.jpg") == ["photo-1.jpg"]
    assert media_name_candidates("") == []


# -- nothing but ArticleFormatError, whatever the input ----------------------------------

_FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _only_format_errors(scratch: Path, parser: Parser, data: bytes, suffix: str) -> None:
    path = scratch / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        articles = parser(path)
    except ArticleFormatError as error:
        assert str(error).startswith(path.name + ": ")
        assert "\n" not in str(error)
        return
    assert all(isinstance(a, ParsedArticle) for a in articles)


_TEXT_LINES = st.sampled_from(
    [
        "Posts Tagged ‘Tehran’",
        "Category: World",
        "Tehran, protests",
        "Crowd in Enghelab Square",
        "Archive photo: Enghelab Square, October 2018.",
        "Demonstrators in Tehran. (Photo: Reza Farahzadi)",
        "REUTERS/Lukas Brunner",
        "October 14, 2018",
        "Staff Writer",
        "By Jane Roe",
        "Please follow and like us:",
        "Continue Reading",
        "Facebook Twitter",
        "© 2020 Tehran Bureau Weekly",
        "Powered by WordPress",
        "« Older Entries",
        "1 2 3 … 9 Next »",
        "The talks resumed on Thursday in Zürich, officials said.",
        "",
        ",",
        "(",
    ]
)
_HTML_PARTS = st.sampled_from(
    [
        "<article>",
        "</article>",
        "<main>",
        "<figure>",
        "</figure>",
        "<figcaption>",
        "</figcaption>",
        '<img src="a-300x200.jpg" alt="A">',
        '<img data-src="b.jpg" width="10">',
        "<noscript>",
        '<div class="wp-caption" id="attachment_5">',
        '<p class="wp-caption-text">',
        "</div>",
        "<h1>Title</h1>",
        '<meta property="og:image" content="a.jpg">',
        '<meta property="og:type" content="article">',
        '<script type="application/ld+json">',
        "</script>",
        '{"@graph": [{"@type": "NewsArticle", "image": {"@id": "x"}}, {"@id": "x", "url": 1}]}',
        '<time datetime="2020-13-45">',
        "<![if !IE]>",
        "<!--",
        "&amp;&#0;&#x110000;",
        "[caption]",
        "[/caption]",
        "text ",
    ]
)


@_FUZZ
@given(st.text())
def test_text_parser_on_any_text(scratch: Path, text: str) -> None:
    _only_format_errors(scratch, parse_text, text.encode(), ".txt")


@_FUZZ
@given(st.lists(_TEXT_LINES, max_size=40))
def test_text_parser_on_dump_like_lines(scratch: Path, lines: list[str]) -> None:
    _only_format_errors(scratch, parse_text, "\n\n".join(lines).encode(), ".txt")


@_FUZZ
@given(st.binary())
def test_all_parsers_on_any_bytes(scratch: Path, data: bytes) -> None:
    for parser, suffix in ((parse_text, ".txt"), (parse_html, ".html"), (parse_wxr, ".xml")):
        _only_format_errors(scratch, parser, data, suffix)


@_FUZZ
@given(st.lists(_HTML_PARTS, max_size=40), st.text(max_size=20))
def test_html_parser_on_markup_soup(scratch: Path, parts: list[str], noise: str) -> None:
    _only_format_errors(scratch, parse_html, ("".join(parts) + noise).encode(), ".html")


_WXR_HEAD = (
    '<rss xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
    "<wp:wxr_version>1.2</wp:wxr_version>"
)


@_FUZZ
@given(
    st.sampled_from(["post", "page", "attachment", "revision", ""]),
    st.lists(_HTML_PARTS, max_size=20),
    st.text(max_size=30),
)
def test_wxr_parser_on_random_items(scratch: Path, kind: str, parts: list[str], text: str) -> None:
    content = ("".join(parts) + text).replace("]]>", "")
    item = (
        f"<item><title>{text.encode('ascii', 'xmlcharrefreplace').decode()}</title>"
        f"<wp:post_type>{kind}</wp:post_type><wp:post_id>5</wp:post_id>"
        f"<wp:post_date_gmt>{text[:19]}</wp:post_date_gmt><pubDate>{text[:30]}</pubDate>"
        f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>5"
        f"</wp:meta_value></wp:postmeta>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
    )
    _only_format_errors(
        scratch, parse_wxr, (_WXR_HEAD + item + "</channel></rss>").encode(), ".xml"
    )


@_FUZZ
@given(st.integers(min_value=0, max_value=len(WXR.read_bytes())))
def test_wxr_parser_on_truncated_exports(scratch: Path, cut: int) -> None:
    _only_format_errors(scratch, parse_wxr, WXR.read_bytes()[:cut], ".xml")


@_FUZZ
@given(st.text())
def test_media_names_never_fail(reference: str) -> None:
    candidates = media_name_candidates(reference)
    assert canonical_media_name(reference) == (candidates[0] if candidates else "")
    assert len(candidates) == len(set(candidates))


def test_text_dump_date_lines_accept_full_and_ap_month_names() -> None:
    from datetime import date

    from library.articles.importers.textlines import _parse_date_line

    assert _parse_date_line("September 25, 2020") == date(2020, 9, 25)
    assert _parse_date_line("Sept. 25, 2020") == date(2020, 9, 25)
