"""Full-text search, its filters, sorts and keyset pages (library/search.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from library.catalog import edits, queries, search
from library.db.engine import Database
from library.db.models import Asset, DuplicatePair
from library.duplicates import decisions, membership
from library.errors import InvalidValueError
from tests.webui.webutil import add_article, asset_values, create_asset, create_assets


def find(database: Database, q: str = "", **kw: object) -> list[int]:
    with database.session_scope(write=False) as session:
        page = queries.find_photos(session, q, **kw)  # type: ignore[arg-type]
        return [a.id for a in page.assets]


@pytest.mark.parametrize("q", ["teh", "Tehr", "TEHRAN", "tehran"])
def test_words_match_as_prefixes(database: Database, q: str) -> None:
    hit = create_asset(database, caption="Protesters gather in Tehran on Friday")
    create_asset(database, caption="A quiet street in Tbilisi")
    assert find(database, q) == [hit]


def test_every_word_must_match(database: Database) -> None:
    both = create_asset(database, caption="Fire in the old harbour")
    create_asset(database, caption="Fire drill at school")
    assert find(database, "fire harb") == [both]
    assert find(database, "fire zebra") == []


def test_quoted_phrase_matches_words_in_order(database: Database) -> None:
    phrase = create_asset(database, caption="Rally in New York against the plan")
    create_asset(database, caption="A new bridge opens in York")
    assert find(database, '"new york"') == [phrase]
    assert sorted(find(database, "new york")) == sorted([phrase, phrase + 1])


def test_quoted_single_word_is_exact(database: Database) -> None:
    create_asset(database, caption="Tehran at night")
    assert find(database, '"teh"') == []
    assert len(find(database, '"tehran"')) == 1


def test_accents_and_case_are_folded(database: Database) -> None:
    hit = create_asset(database, caption="Portrait of Gaston Crémieux, MARSEILLE")
    assert find(database, "cremieux marseille") == [hit]
    assert find(database, "Crémieux") == [hit]


@pytest.mark.parametrize(
    "field,value",
    [
        ("headline", "Floods hit the valley"),
        ("title", "Valley floods"),
        ("alt_text", "Flooded valley road"),
        ("credit", "Jane Valley/Reuters"),
        ("creator", "Valerie Valley"),
        ("source", "Valley Gazette"),
    ],
)
def test_every_text_field_is_searched(database: Database, field: str, value: str) -> None:
    hit = create_asset(database, **{field: value})
    create_asset(database, caption="unrelated")
    assert find(database, "valley") == [hit]


def test_keywords_are_searched(database: Database) -> None:
    hit = create_asset(database, keywords=["elections", "parliament"])
    assert find(database, "parliam") == [hit]


def test_captions_as_published_are_searched(database: Database) -> None:
    photo = create_asset(database, caption="DSC_0042")
    other = create_asset(database, caption="Something else")
    add_article(database, "Fire story", [(photo, "Firefighters battle the blaze", "Smoke column")])
    assert find(database, "blaze") == [photo]
    assert find(database, "smoke col") == [photo]
    assert other not in find(database, "firefighters")


def test_reindex_follows_edits(database: Database) -> None:
    photo = create_asset(database, caption="Old words")
    with database.session_scope() as session:
        edits.edit_asset(session, photo, {"caption": "Brand new words"}, "ana")
        search.reindex_assets(session, [photo])
    assert find(database, "brand") == [photo]
    assert find(database, "old") == []


def test_rebuild_and_unindexed(database: Database) -> None:
    ids = [create_asset(database, caption=f"photo number {i}") for i in range(3)]
    with database.session_scope() as session:
        assert search.unindexed_ids(session) == []
        assert search.rebuild_index(session) == 3
    assert sorted(find(database, "number")) == ids


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        '"unclosed phrase',
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "*",
        "te*",
        "caption:fire",
        "a AND OR b",
        "'; DROP TABLE assets; --",
        "(((",
        "^start",
        "-minus",
        "back\\slash",
        "!:&|<->",
        "nul\x00byte",
        "🙂 emoji",
        "x" * 5000,
        " ".join(["word"] * 200),
    ],
)
def test_hostile_input_never_breaks_the_query(database: Database, q: str) -> None:
    create_asset(database, caption="fire AND water near the start")
    with database.session_scope(write=False) as session:
        page = queries.find_photos(session, q)
    assert isinstance(page.assets, list)


def test_punctuation_only_query_lists_everything(database: Database) -> None:
    ids = [create_asset(database) for _ in range(2)]
    assert sorted(find(database, "!!! ???")) == ids


def test_newest_pages_by_key(database: Database) -> None:
    ids = [create_asset(database, caption="same words") for _ in range(5)]
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        with database.session_scope(write=False) as session:
            page = queries.find_photos(session, "same", limit=2, after=after)
        seen += [a.id for a in page.assets]
        pages += 1
        if page.next is None:
            break
        after = page.next
    assert seen == sorted(ids, reverse=True)
    assert pages == 3


def test_most_used_sorts_by_articles_then_newest(database: Database) -> None:
    a, b, c, d = (create_asset(database, caption="match") for _ in range(4))
    add_article(database, "one", [(b, "x", None), (c, "y", None)])
    add_article(database, "two", [(b, "x", None)])
    add_article(database, "three", [(b, "again", None), (b, "twice in one article", None)])
    with database.session_scope(write=False) as session:
        counts = queries.usage_counts(session, [a, b, c, d])
    assert counts == {a: 0, b: 3, c: 1, d: 0}
    assert find(database, sort="most_used") == [b, c, d, a]
    seen: list[int] = []
    after = None
    while True:
        with database.session_scope(write=False) as session:
            page = queries.find_photos(session, "match", sort="most_used", limit=1, after=after)
        seen += [x.id for x in page.assets]
        if not page.next:
            break
        after = page.next
    assert seen == [b, c, d, a]


def test_used_in_at_least(database: Database) -> None:
    a = create_asset(database)
    b = create_asset(database)
    add_article(database, "one", [(a, None, None), (b, None, None)])
    add_article(database, "two", [(a, None, None)])
    assert find(database, filters=queries.PhotoFilter(used_min=2)) == [a]
    assert find(database, filters=queries.PhotoFilter(used_min=1)) == [b, a]


def test_has_duplicates(database: Database) -> None:
    a = create_asset(database, content_digest="pixels:same")
    b = create_asset(database, content_digest="pixels:same")
    alone = create_asset(database)
    chosen = create_asset(database)
    near, other = create_asset(database), create_asset(database)
    with database.session_scope() as session:
        # A master decision alone makes no group; a verified near pair does.
        decisions.decide_master(session, chosen, "ana")
        session.add(
            DuplicatePair(
                asset_a=near,
                asset_b=other,
                signal="phash→phash",
                distance=4,
                score=0.9,
                method="ncc",
                detail="aligned",
                signals_version="test",
            )
        )
        membership.refresh_groups(session, [near, other])
    found = find(database, filters=queries.PhotoFilter(has_duplicates=True))
    assert found == [other, near, b, a] and alone not in found and chosen not in found


def test_catalog_filters_combine_with_words(database: Database) -> None:
    credited = create_asset(database, caption="storm coast", credit="AP")
    missing = create_asset(database, caption="storm coast")
    create_asset(database, caption="calm coast")
    flt = queries.PhotoFilter(missing_credit=True)
    assert find(database, "storm", filters=flt) == [missing]
    assert credited not in find(database, filters=flt)


@pytest.mark.parametrize("after", ["x", "1.2", "-4", ""])
def test_bad_cursor_is_an_invalid_value(database: Database, after: str) -> None:
    create_asset(database)
    with database.session_scope(write=False) as session:
        if after == "":
            queries.find_photos(session, after=after)  # empty means first page
            return
        with pytest.raises(InvalidValueError):
            queries.find_photos(session, after=after)


def test_bad_sort(database: Database) -> None:
    with database.session_scope(write=False) as session, pytest.raises(InvalidValueError):
        queries.find_photos(session, sort="random")


@pytest.mark.parametrize(
    "q,fts,ts",
    [
        ("teh", '"teh"*', "'teh':*"),
        ('"new york" fire', '"new york" AND "fire"*', "('new' <-> 'york') & 'fire':*"),
        ('a"b OR', '"a"* AND "b or"', "'a':* & ('b' <-> 'or')"),
        (
            "cats OR dogs rally",
            '("cats"* OR "dogs"*) AND "rally"*',
            "('cats':* | 'dogs':*) & 'rally':*",
        ),
        ("credit:NASA", 'credit : "nasa"*', "'nasa':*B"),
        ('caption:"space shuttle"', 'caption : "space shuttle"', "('space':A <-> 'shuttle':A)"),
    ],
)
def test_query_building(q: str, fts: str, ts: str) -> None:
    parsed = search.parse_query(q)
    assert search.fts5_query(parsed.groups) == fts
    assert search.tsquery(parsed.groups) == ts


@pytest.mark.parametrize(
    "q,text",
    [
        ("cats", "A cat sleeps on the desk"),
        ("cat", "Two cats on a wall"),
        ("rallies", "Thousands rally in the square"),
        ("rally", "Opposition rallies across the country"),
        ("Hagg", "Coach Peter Häggström after the match"),
        ("häggström", "Coach Peter Haggstrom after the match"),
    ],
)
def test_words_are_stemmed_and_folded(database: Database, q: str, text: str) -> None:
    hit = create_asset(database, caption=text)
    create_asset(database, caption="A dog in the park")
    assert find(database, q) == [hit]


@pytest.mark.parametrize("q", ["reuters", "karimi", "credit:reuters", "known", '"well known"'])
def test_words_split_as_typed(database: Database, q: str) -> None:
    hit = create_asset(database, caption="A well-known square", credit="Sara Karimi/Reuters")
    create_asset(database, caption="Another square", credit="AFP")
    assert find(database, q) == [hit]


def test_stop_words_are_still_words(database: Database) -> None:
    hit = create_asset(database, caption="The Who on stage")
    create_asset(database, caption="Singer on stage")
    assert find(database, "the who") == [hit]


def test_minus_excludes_words_and_phrases(database: Database) -> None:
    cat = create_asset(database, caption="A cat near the rocket")
    plain = create_asset(database, caption="A cat on the sofa")
    york = create_asset(database, caption="A cat in New York")
    assert find(database, "cats -rocket") == [york, plain]
    assert find(database, 'cats -"new york"') == [plain, cat]
    assert find(database, "-rocket") == [york, plain]


def test_or_joins_alternatives(database: Database) -> None:
    cat = create_asset(database, caption="A cat in the rain")
    dog = create_asset(database, caption="A dog in the rain")
    create_asset(database, caption="A horse in the rain")
    create_asset(database, caption="A dog in the sun")
    assert find(database, "cat OR dog rain") == [dog, cat]
    assert find(database, "cat or dog") == []  # lower-case "or" is a word


def test_field_words_match_only_in_that_field(database: Database) -> None:
    nasa = create_asset(database, caption="Shuttle launch", credit="NASA/Bill Ingalls")
    create_asset(database, caption="NASA shuttle on the pad", credit="Sara Karimi/AFP")
    creator = create_asset(database, caption="Launch", creator="Nasa Ahmed")
    assert find(database, "credit:nasa") == [nasa]
    assert find(database, "caption:nasa") == [nasa + 1]
    assert find(database, "creator:nasa") == [creator]
    assert find(database, 'caption:"shuttle launch"') == [nasa]
    assert find(database, "shuttle -credit:nasa") == [nasa + 1]


def test_catalog_fields(database: Database) -> None:
    tagged = create_asset(database, keywords=["Elections", "Parliament"], camera_make="Nikon")
    canon = create_asset(database, camera_make="Canon", camera_model="Canon EOS R5")
    old = create_asset(database, taken_at="2019-05-03T10:00:00", archive=True)
    later = create_asset(database, taken_at="2019-12-31T23:59:00")
    create_asset(database, taken_at="2020-01-01T00:00:00")
    add_article(database, "Budget vote in parliament", [(tagged, None, None), (canon, None, None)])
    add_article(database, "Second story", [(tagged, None, None)])
    add_article(database, "Third story", [(tagged, None, None)])
    assert find(database, "keyword:parliament") == [tagged]
    assert find(database, "camera:eos") == [canon]
    assert find(database, "article:budget") == [canon, tagged]
    assert find(database, "used:>2") == [tagged]
    assert find(database, "used:1") == [canon]
    assert find(database, "used:>=1 -camera:nikon") == [canon]
    never = [old + 2, later, old]
    assert find(database, "used:0") == never
    # Most used joins the usage counts itself; ties (all none here) go newest first.
    assert find(database, "used:0", sort="most_used") == never
    # A photo without a camera or a date is not excluded by asking for another one.
    assert find(database, "used:<2 -camera:nikon", sort="most_used") == [canon, *never]
    assert find(database, "-camera:nikon") == [*never, canon]
    assert find(database, "-taken:2019") == [old + 2, canon, tagged]
    assert find(database, "-taken:2019 -camera:canon") == [old + 2, tagged]
    assert find(database, "taken:2019") == [later, old]
    assert find(database, "taken:2019-05") == [old]
    assert find(database, "taken:2019-12-31") == [later]
    assert find(database, "archive:yes") == [old]
    assert old not in find(database, "archive:no")


@pytest.mark.parametrize(
    "q,understood,ignored",
    [
        ("cats -rocket credit:NASA", "cats, credit:nasa, not rocket", 0),
        ("used:lots fire", "fire", 1),
        ("taken:2019-13 fire", "fire", 1),
        ("archive:maybe", "", 1),
        ("OR fire OR", "fire", 2),
        ("cat OR keyword:pets", "cat, keyword:pets", 1),
        ("10:30 http://x.org", "10, 30, http, x, org", 0),
        ("!!! -", "", 2),
        ("caption: fire archive:", "fire", 2),
        ('-"space shuttle" OR', "not “space shuttle”", 1),
        (" ".join(f"w{i}" for i in range(20)), ", ".join(f"w{i}" for i in range(16)), 1),
    ],
)
def test_parse_says_what_it_understood(q: str, understood: str, ignored: int) -> None:
    parsed = search.parse_query(q)
    assert parsed.describe() == understood
    assert len(parsed.ignored) == ignored


def test_total_counts_every_match(database: Database) -> None:
    ids = [create_asset(database, caption="same words") for _ in range(5)]
    create_asset(database, caption="other")
    with database.session_scope(write=False) as session:
        page = queries.find_photos(session, "same", limit=2, with_total=True)
        assert page.total == 5 and len(page.assets) == 2
        later = queries.find_photos(session, "same", limit=2, after=page.next, with_total=True)
        assert later.total == 5
        assert queries.find_photos(session, "same", limit=2).total is None
    assert len(ids) == 5


def test_a_broad_listing_is_counted_up_to_the_cap(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting stops past TOTAL_CAP; the page says "more than", and stacking still works."""
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    master = create_asset(database, caption="same words, the master", credit="Ana Diaz")
    digest = asset_values(database, master).content_digest
    copy = create_asset(database, caption="same words, a copy", content_digest=digest)
    ids = [create_asset(database, caption="same words") for _ in range(4)]
    stacked = queries.PhotoFilter(stack=True)
    # Word matches read into a set (all of them), then too many to read (asked in SQL).
    for words_read in (1000, 3):
        monkeypatch.setattr(queries, "WORDS_READ", words_read)
        check_capped_listing(database, master, copy, ids, stacked)


def check_capped_listing(
    database: Database, master: int, copy: int, ids: list[int], stacked: queries.PhotoFilter
) -> None:
    with database.session_scope(write=False) as session:
        # Words alone (read from the index), then words with a filter (counted in SQL).
        for q, filters in (("same", None), ("same", stacked), ("same -nothing", None)):
            page = queries.find_photos(session, q, filters, limit=10, with_total=True)
            assert (page.total, page.total_capped) == (3, True), (q, filters)
        page = queries.find_photos(session, "same", stacked, limit=10, with_total=True)
        # More matches than the cap: the group still shows once, as its master.
        assert [a.id for a in page.assets] == [*reversed(ids), master]
        # Under the cap the count is exact and says so.
        narrow = queries.PhotoFilter(missing_credit=True, archive=False)
        exact = queries.find_photos(session, "copy", narrow, with_total=True)
        assert (exact.total, exact.total_capped) == (1, False)
        assert [a.id for a in exact.assets] == [copy]


@pytest.mark.parametrize(
    "q,text,marked",
    [
        ("cats", "A cat and two cats.", ["cat", "cats"]),
        ("rallies", "Rally, rallies", ["Rally", "rallies"]),
        ("hagg", "Peter Häggström", ["Häggström"]),
        ('"new york" -rocket', "New York rocket", ["New", "York"]),
        ("credit:nasa", "NASA photo", ["NASA"]),
        ("", "nothing", []),
    ],
)
def test_highlight_marks_matched_words(q: str, text: str, marked: list[str]) -> None:
    segments = search.highlight(text, q)
    assert "".join(part for part, _ in segments) == text
    assert [part for part, hit in segments if hit] == marked


def _walk(database: Database, start: int, q: str, sort: str, **filters: object) -> list[int]:
    """Step with `neighbours` from ``start`` to the end, as ] on the photo page does."""
    seen = [start]
    with database.session_scope(write=False) as session:
        while True:
            found = queries.neighbours(
                session,
                seen[-1],
                q,
                queries.PhotoFilter(**filters),
                sort,  # type: ignore[arg-type]
            )
            if found.next is None:
                return seen
            seen.append(found.next)


@pytest.mark.parametrize("sort", ["newest", "most_used"])
def test_neighbours_follow_the_listing_order(database: Database, sort: str) -> None:
    a, b, c, d = (create_asset(database, caption="harbour fire") for _ in range(4))
    other = create_asset(database, caption="quiet street")
    create_asset(database, caption="harbour fire", status="killed")
    add_article(database, "one", [(b, "x", None), (a, "y", None), (other, "z", None)])
    add_article(database, "two", [(b, "x", None)])
    listing = find(database, "harbour", sort=sort, filters=queries.PhotoFilter(status="new"))
    assert len(listing) == 4 and other not in listing
    assert _walk(database, listing[0], "harbour", sort, status="new") == listing
    with database.session_scope(write=False) as session:
        first = queries.neighbours(
            session, listing[0], "harbour", queries.PhotoFilter(status="new"), sort
        )
        middle = queries.neighbours(
            session, listing[2], "harbour", queries.PhotoFilter(status="new"), sort
        )
    assert first == queries.Neighbours(None, listing[1])
    assert middle == queries.Neighbours(listing[1], listing[3])
    assert {a, b, c, d} == set(listing)


def test_neighbours_of_a_photo_that_left_the_search(database: Database) -> None:
    """A caption edited away from the search keeps its place, so ] still goes on."""
    first, edited, last = (create_asset(database, caption="flood") for _ in range(3))
    with database.session_scope() as session:
        edits.edit_asset(session, edited, {"caption": "dry riverbed"}, "ana")
    with database.session_scope(write=False) as session:
        found = queries.neighbours(session, edited, "flood")
    assert found == queries.Neighbours(last, first)


def test_neighbours_refuse_an_unknown_sort(database: Database) -> None:
    with database.session_scope(write=False) as session, pytest.raises(InvalidValueError):
        queries.neighbours(session, 1, sort="oldest")


@pytest.mark.parametrize("sort", ["newest", "most_used"])
def test_cursor_at_starts_a_page_with_the_photo(database: Database, sort: str) -> None:
    ids = [create_asset(database, caption="harbour") for _ in range(5)]
    add_article(database, "one", [(ids[1], "x", None), (ids[3], "y", None)])
    add_article(database, "two", [(ids[3], "x", None)])
    listing = find(database, "harbour", sort=sort)
    for position, asset_id in enumerate(listing):
        with database.session_scope(write=False) as session:
            cursor = queries.cursor_at(session, asset_id, sort)
        assert find(database, "harbour", sort=sort, after=cursor) == listing[position:]


# --- prefixes looked up as lexemes (PostgreSQL, migration 0018) ---------------------------


def test_a_word_indexed_in_the_same_session_is_found_by_its_prefix(database: Database) -> None:
    """The lexemes a prefix stood for are looked up again once the session indexes more."""
    first = create_asset(database, caption="Protesters gather in Tehran")
    later = create_asset(database, caption="A quiet street")
    with database.session_scope() as session:
        assert [a.id for a in queries.find_photos(session, "teh").assets] == [first]
        asset = session.get(Asset, later)
        assert asset is not None
        asset.caption = "Tehrangeles at night"
        session.flush()
        search.reindex_assets(session, [later])
        assert [a.id for a in queries.find_photos(session, "teh").assets] == [later, first]


@pytest.mark.parametrize("most", [0, 1, 64])
def test_a_prefix_of_many_lexemes_finds_them_all(
    database: Database, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    """Past PREFIX_LEXEMES a prefix is left to GIN's own prefix match: the same photos."""
    monkeypatch.setattr(search, "PREFIX_LEXEMES", most)
    ids = [
        create_asset(database, caption=caption, credit=credit)
        for caption, credit in [
            ("Tehran by night", "Reuters"),
            ("Tehrani family at home", "Reuters"),
            ("Teheran spelled the old way", "AFP"),
            ("Kabul market", "Reuters"),
        ]
    ]
    assert find(database, "tehr") == [ids[1], ids[0]]
    assert find(database, "teh -tehrani") == [ids[2], ids[0]]
    assert find(database, "teh OR kab credit:reut") == [ids[3], ids[1], ids[0]]
    assert find(database, "-tehr") == [ids[3], ids[2]]
    assert find(database, "nothingstartslikethis") == []
    if not database.config.is_sqlite:
        # Such a prefix is not asked slice by slice: GIN would read all its postings each time.
        monkeypatch.setattr(search, "SLICE_BITS", 0)  # a slice per photo: several slices
        with database.session_scope(write=False) as session:
            for q, broad in [("tehr", most < 2), ("kab", most < 1), ("nothingstartslike", False)]:
                groups = search.parse_query(q).groups
                assert search.broad_prefixes(session, groups, []) is broad, q
                assert (queries._BySlice.of(session, search.parse_query(q)) is None) is broad


def test_every_indexed_lexeme_is_listed(database: Database) -> None:
    """`search_lexemes` holds every lexeme of the index, after indexing and a rebuild."""
    if database.config.is_sqlite:
        pytest.skip("FTS5 keeps its own prefix indexes")
    create_asset(database, caption="Firefighters battle the blaze", credit="Ana Diaz/AFP")
    photo = create_asset(database, caption="DSC_0042", keywords=["wildfire"])
    add_article(database, "Fire story", [(photo, "Smoke over the ridge", "Smoke column")])
    missing = text(
        "SELECT count(*) FROM (SELECT DISTINCT unnest(tsvector_to_array(document)) AS lexeme "
        "FROM asset_search) AS indexed WHERE lexeme NOT IN (SELECT lexeme FROM search_lexemes)"
    )
    with database.session_scope() as session:
        assert session.scalar(text("SELECT count(*) FROM search_lexemes")) > 10
        assert session.scalar(missing) == 0
        search.rebuild_index(session)
        assert session.scalar(missing) == 0
        session.execute(text("DELETE FROM search_lexemes"))
        search.fill_lexemes(session)
        assert session.scalar(missing) == 0


def test_a_long_session_finds_words_indexed_elsewhere_in_its_next_transaction(
    database: Database,
) -> None:
    first = create_asset(database, caption="Protesters gather in Tehran")
    session = database.session(write=False)
    try:
        assert [a.id for a in queries.find_photos(session, "teh").assets] == [first]
        session.commit()
        later = create_asset(database, caption="Tehrangeles at night")
        assert [a.id for a in queries.find_photos(session, "teh").assets] == [later, first]
    finally:
        session.close()


@pytest.mark.parametrize(
    "q", ["teh", "protest -kabul", "teh OR kabul credit:reuters", '"new york"']
)
def test_matching_among_is_matching_ids_for_the_photos_asked(database: Database, q: str) -> None:
    """Stacking's question by key answers as the index query would, on either database."""
    ids = [
        create_asset(database, caption=caption, credit=credit)
        for caption, credit in [
            ("Protesters gather in Tehran", "Reuters"),
            ("Protest in Kabul", "Reuters"),
            ("Rally in New York", "AFP"),
            ("Tehran at night", "AFP"),
            ("Kabul market", "Jane Doe/Reuters"),
        ]
    ]
    parsed = search.parse_query(q)
    excluded = [(term,) for term in parsed.excluded]
    with database.session_scope(write=False) as session:
        every = set(session.scalars(search.matching_ids(session, parsed.groups, excluded)))
        asked = set(ids[1:4])
        among = search.matching_among(session, parsed.groups, excluded, asked)
    assert every and among == every & asked


def test_common_words_are_not_read_slice_by_slice(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's share of the photos a search matches decides whether a listing walks
    the id slices: words in most photos are scanned for as before. So does a catalog
    held by one slice."""
    if database.config.is_sqlite:
        pytest.skip("FTS5 has no slices")
    for number in range(40):
        create_asset(database, caption=f"Fire in the harbour, day {number}")
    create_asset(database, caption="A rare kingfisher")
    with database.session_scope() as session:
        session.execute(text("ANALYZE asset_search"))
    with database.session_scope(write=False) as session:
        common, rare = (search.parse_query(q) for q in ("fire", "kingfisher"))
        assert search.estimated_share(session, common.groups, []) > queries.COMMON_SHARE
        assert search.estimated_share(session, rare.groups, []) < queries.COMMON_SHARE / 2
        # 41 photos lie in the first slice of 2^20: the catalog-wide index is the slice's.
        assert queries._BySlice.of(session, rare) is None
        monkeypatch.setattr(search, "SLICE_BITS", 3)
        assert queries._BySlice.of(session, common) is None
        assert queries._BySlice.of(session, rare) is not None


def test_a_slice_walk_reads_the_newest_slices_whole_and_knows_where_it_stopped(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_BySlice.read` under a cap: every match of the slices newer than the one the cap
    ended in, the ids from there up in order, and whether the newest slice alone held
    the cap (the page then walks photo by photo)."""
    if database.config.is_sqlite:
        pytest.skip("FTS5 has no slices")
    monkeypatch.setattr(search, "SLICE_BITS", 3)  # slices of eight ids
    create_assets(database, 3, caption="Quiet street")  # no match, in the oldest slice
    ids = create_assets(database, 21, caption="Harbour at dawn")
    groups = search.parse_query("harbour").groups
    with database.session_scope(write=False) as session:
        newest_slice = search.id_slice(max(ids))
        walker = queries._BySlice(session, newest_slice)

        def build(number: int) -> Any:
            return search.matching_ids(session, groups, [], number)

        for cap in (1, 5, 13, 21):
            read = walker.read(build, cap)
            assert len(read.ids) == cap and set(read.ids) <= set(ids), cap
            oldest = search.id_slice(min(read.ids))
            newer = [i for i in ids if search.id_slice(i) > oldest]
            assert set(newer) <= set(read.ids), cap  # newest slices first, read whole
            assert read.start == (oldest + 1) << 3, cap
            assert read.newest == sorted(newer, reverse=True), cap
            assert read.dense is (oldest == newest_slice), cap
        assert walker.read(build, 1).dense  # the newest slice holds one match
        # Under the cap, every match is read and known.
        read = walker.read(build, 22)
        assert (read.start, read.newest, read.dense) == (0, sorted(ids, reverse=True), False)
