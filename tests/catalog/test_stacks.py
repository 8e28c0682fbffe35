"""Duplicate stacks in listings: one card per group, the first matching member standing for it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from library.catalog import queries, search
from library.catalog.queries import PhotoFilter
from library.catalog.stacks import Stack
from library.db.engine import Database
from tests.webui.webutil import add_article, asset_values, create_asset, create_assets


def desk(database: Database) -> dict[str, int]:
    """A described master, a bare copy with its pixels, a copy from the wire, and a stranger."""
    master = create_asset(database, caption="Harbour at dawn", credit="Ana Diaz")
    digest = asset_values(database, master).content_digest
    bare = create_asset(database, content_digest=digest)
    wire = create_asset(database, content_digest=digest, caption="Boats, copy from the wire")
    other = create_asset(database, caption="Harbour crane at night", credit="Jon Reyes")
    return {"master": master, "bare": bare, "wire": wire, "other": other}


def listing(database: Database, q: str = "", **kw: object) -> queries.PhotoPage:
    with database.session_scope(write=False) as session:
        page = queries.find_photos(session, q, **kw)  # type: ignore[arg-type]
        session.expunge_all()
        return page


def test_a_group_shows_once_as_its_master_with_its_size(database: Database) -> None:
    ids = desk(database)
    page = listing(database, filters=PhotoFilter(stack=True), with_total=True)
    assert [a.id for a in page.assets] == [ids["other"], ids["master"]]
    assert page.stacks == {ids["master"]: Stack(f"g{ids['master']}", 3)}
    # The total still counts photos: four match, in two cards.
    assert page.total == 4
    unstacked = listing(database)
    assert [a.id for a in unstacked.assets] == [ids[n] for n in ("other", "wire", "bare", "master")]
    assert set(unstacked.stacks) == {ids["master"], ids["bare"], ids["wire"]}


def test_a_copy_stands_for_its_group_when_only_it_matches(database: Database) -> None:
    ids = desk(database)
    page = listing(database, "wire", filters=PhotoFilter(stack=True))
    assert [a.id for a in page.assets] == [ids["wire"]]
    assert page.stacks[ids["wire"]].size == 3
    # When the master matches too, the master is the card.
    assert [a.id for a in listing(database, "harbour", filters=PhotoFilter(stack=True)).assets] == [
        ids["other"],
        ids["master"],
    ]


def test_the_card_is_the_first_member_matching_words_exclusions_and_filters(
    database: Database,
) -> None:
    """Words, an exclusion and a filter together decide which member stands for the group."""
    ids = desk(database)
    stacked = PhotoFilter(stack=True)
    # The master has "harbour" but the wire copy is excluded by "-wire": the master shows.
    page = listing(database, "harbour OR boats -wire", filters=stacked, with_total=True)
    assert [a.id for a in page.assets] == [ids["other"], ids["master"]] and page.total == 2
    # The master is excluded ("-dawn"): the wire copy, which has "boats", stands for it.
    page = listing(database, "harbour OR boats -dawn", filters=stacked, with_total=True)
    assert [a.id for a in page.assets] == [ids["other"], ids["wire"]] and page.total == 2
    # Words and a filter: the master has a credit, so under "no credit" the copy shows.
    no_credit = PhotoFilter(stack=True, missing_credit=True)
    page = listing(database, "harbour OR boats", filters=no_credit, with_total=True)
    assert [a.id for a in page.assets] == [ids["wire"]] and page.total == 1
    # A field condition instead of a filter, the same way.
    page = listing(database, "boats OR harbour -credit:diaz", filters=stacked)
    assert [a.id for a in page.assets] == [ids["other"], ids["wire"]]


def test_pages_fill_up_past_hidden_copies(database: Database) -> None:
    ids = desk(database)
    extra = create_asset(database, caption="Harbour wall", credit="Lena Holm")
    stacked = PhotoFilter(stack=True)
    first = listing(database, filters=stacked, limit=2)
    assert [a.id for a in first.assets] == [extra, ids["other"]]
    second = listing(database, filters=stacked, limit=2, after=first.next)
    assert [a.id for a in second.assets] == [ids["master"]] and second.next is None


def test_most_used_order_stacks_too(database: Database) -> None:
    ids = desk(database)
    add_article(database, "Port story", [(ids["bare"], "At the port", None)])
    page = listing(database, filters=PhotoFilter(stack=True), sort="most_used", limit=1)
    # A usage counts for the whole picture (issue 13): the group, shown by its master,
    # sorts as used once, ahead of the unused photo.
    assert [a.id for a in page.assets] == [ids["master"]]
    rest = listing(database, filters=PhotoFilter(stack=True), sort="most_used", after=page.next)
    assert [a.id for a in rest.assets] == [ids["other"]]


def test_stepping_skips_hidden_copies(database: Database) -> None:
    ids = desk(database)
    with database.session_scope(write=False) as session:
        step = queries.neighbours(session, ids["other"], filters=PhotoFilter(stack=True))
        assert (step.previous, step.next) == (None, ids["master"])
        back = queries.neighbours(session, ids["master"], filters=PhotoFilter(stack=True))
        assert (back.previous, back.next) == (ids["other"], None)
        every = queries.neighbours(session, ids["other"], filters=PhotoFilter())
        assert every.next == ids["wire"]


def test_a_group_opens_into_its_members_master_first(database: Database) -> None:
    ids = desk(database)
    key = f"g{ids['master']}"
    # The search and other filters are set aside: the group shows whole.
    group = PhotoFilter(group=key, missing_credit=True)
    page = listing(database, "nothing matches this", filters=group, with_total=True)
    assert [a.id for a in page.assets] == [ids["master"], ids["bare"], ids["wire"]]
    assert page.total == 3
    first = listing(database, filters=group, limit=2)
    assert [a.id for a in first.assets] == [ids["master"], ids["bare"]]
    assert [a.id for a in listing(database, filters=group, after=first.next).assets] == [
        ids["wire"]
    ]
    with database.session_scope(write=False) as session:
        step = queries.neighbours(session, ids["bare"], filters=group)
        assert (step.previous, step.next) == (ids["master"], ids["wire"])
        assert queries.cursor_at(session, ids["master"], filters=group) == ""
        assert queries.cursor_at(session, ids["wire"], filters=group) == first.next
    assert listing(database, filters=PhotoFilter(group="g999999")).assets == []


@pytest.mark.parametrize("bits", [search.SLICE_BITS, 0])
def test_has_duplicates_narrows_a_word_search_and_its_total(
    database: Database, monkeypatch: pytest.MonkeyPatch, bits: int
) -> None:
    """With "has duplicates", words lists and counts grouped photos only: the words' own
    match list, which made the total (and on PostgreSQL, walked slice by slice, the
    page), holds the stranger too."""
    if bits != search.SLICE_BITS and database.config.is_sqlite:
        pytest.skip("FTS5 has no slices")
    monkeypatch.setattr(search, "SLICE_BITS", bits)  # 0: a slice per photo
    ids = desk(database)
    if not database.config.is_sqlite:
        # Harbours rare enough to be read slice by slice (`queries._BySlice`).
        create_assets(database, 40, caption="Quiet street")
        with database.session_scope() as session:
            session.execute(text("ANALYZE asset_search"))
            parsed = search.parse_query("harbour")
            assert (queries._BySlice.of(session, parsed) is None) is (bits != 0)
    for stack in (False, True):
        page = listing(
            database,
            "harbour",
            filters=PhotoFilter(has_duplicates=True, stack=stack),
            with_total=True,
        )
        assert [a.id for a in page.assets] == [ids["master"]], stack
        assert page.total == 1, stack
