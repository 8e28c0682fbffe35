"""Search in the gallery and the API: what was understood, the total, marked words, clean URLs."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from library.catalog import queries
from library.config import LibraryConfig
from library.db.engine import Database
from tests.webui.webutil import (
    add_article,
    app_fixture,  # noqa: F401
    client_fixture,  # noqa: F401
    create_asset,
    make_app,
    signed_in,
)


def test_gallery_shows_total_understood_query_and_marks(
    config: LibraryConfig, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(config, PAGE_SIZE=2)
    client = app.test_client()
    cats = [create_asset(database, caption=f"A cat on roof {i}", credit="NASA") for i in range(3)]
    rocket = create_asset(database, caption="Cats near a rocket", credit="NASA")
    create_asset(database, caption="A cat at home", credit="AFP")
    signed_in(client, database, "viewer")
    page = client.get("/?q=cats+-rocket+credit:NASA+used:lots").text
    assert "Searching for <strong>cats, credit:nasa, not rocket</strong>" in page
    assert "ignored: used:lots (expected a number" in page
    assert "<span data-total>3</span> photos match · showing 2" in page
    assert "A <mark>cat</mark> on roof 2" in page and "<mark>NASA</mark>" in page
    assert f'href="/photos/{cats[2]}?q=cats' in page  # the photo page marks the same words
    assert f"/photos/{rocket}/thumb" not in page
    assert "<span data-total>1</span> photo matches" in client.get("/?q=home").text
    # A listing broader than the count's cap says so, and so does the API.
    monkeypatch.setattr(queries, "TOTAL_CAP", 2)
    page = client.get("/?q=cat").text
    assert "More than <span data-total>2</span> photos match · showing 2" in page
    answer = client.get("/api/photos?q=cat").get_json()
    assert answer["total"] == 2 and answer["total_capped"] is True
    app.extensions["photodesk"].database.dispose()


def test_malformed_query_is_a_page_not_an_error(client: FlaskClient, database: Database) -> None:
    create_asset(database, caption="Anything")
    signed_in(client, database, "viewer")
    for q in ['"', "OR", "taken:2019-99", "-", "archive:", "used:>", "((("]:
        response = client.get("/", query_string={"q": q})
        assert response.status_code == 200, q
    assert "Nothing to search for" in client.get("/?q=-").text


def test_empty_parameters_leave_the_url(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "viewer")
    response = client.get("/?q=cat&status=&format=&camera=+&sort=newest")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?q=cat&sort=newest"
    assert client.get("/?q=&status=").headers["Location"] == "/"
    assert "data-omit-empty" in client.get("/").text


def test_photo_page_marks_what_the_search_matched(client: FlaskClient, database: Database) -> None:
    photo = create_asset(database, caption="Rallies in the square", credit="Jon Reyes")
    add_article(database, "Protest", [(photo, "Thousands rally downtown", None)])
    signed_in(client, database, "viewer")
    page = client.get(f"/photos/{photo}?q=rally").text
    assert "<mark>Rallies</mark> in the square" in page
    assert "Thousands <mark>rally</mark> downtown" in page
    assert "← Back to the search" in page
    assert "<mark>" not in client.get(f"/photos/{photo}").text


def test_marks_keep_text_escaped(client: FlaskClient, database: Database) -> None:
    photo = create_asset(database, caption="<script>alert(1)</script> script kiddie")
    signed_in(client, database, "viewer")
    for page in (client.get("/?q=script").text, client.get(f"/photos/{photo}?q=script").text):
        assert "<script>alert" not in page
        assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in page


def test_api_gives_total_and_understood_query(client: FlaskClient, database: Database) -> None:
    for _ in range(3):
        create_asset(database, caption="A cat")
    signed_in(client, database, "viewer")
    body = client.get("/api/photos?q=cats+taken:20xx&limit=1").json
    assert body["total"] == 3 and len(body["photos"]) == 1
    assert body["query"]["understood"] == "cats"
    assert body["query"]["ignored"][0].startswith("taken:20xx")
