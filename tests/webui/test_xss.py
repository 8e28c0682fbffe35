"""Hostile text in every field and in imported articles is shown as text, never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from library.articles.imports import import_articles
from library.catalog.edits import edit_asset
from library.db.engine import Database
from library.db.models import EDITABLE_FIELDS
from tests.webui.webutil import (  # noqa: F401
    add_user,
    app_fixture,
    client_fixture,
    create_asset,
    sign_in,
)

PAYLOAD = '<script>alert("pd")</script><img src=x onerror=alert(1)>"\'&'
RAW_MARKERS = ("<script>alert", "<img src=x onerror")

TEXT_FIELDS = [
    f for f in EDITABLE_FIELDS if f not in ("keywords", "archive", "original_date", "status")
]


def article_file(folder: Path) -> Path:
    """A saved article page whose title, byline, tags, alt text and caption are hostile."""
    page = folder / "hostile.html"
    escaped = PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;")
    page.write_text(
        f"""<!doctype html><html><head><title>{escaped}</title>
<meta property="og:title" content="{escaped}">
<meta name="author" content="{escaped}">
<meta property="article:published_time" content="2024-05-01T10:00:00Z">
<meta property="article:tag" content="{escaped}">
<link rel="canonical" href="https://example.org/hostile"></head>
<body><article><h1>{escaped}</h1>
<figure><img src="https://example.org/wp-content/uploads/hostile.jpg" alt="{escaped}">
<figcaption>{escaped} Photo: {escaped}</figcaption></figure>
<p>Body text.</p></article></body></html>""",
        encoding="utf-8",
    )
    return page


@pytest.fixture
def hostile(database: Database, tmp_path: Path) -> int:
    asset_id = create_asset(database, files=True, caption="plain")
    with database.session_scope() as session:
        values: dict[str, object] = {field: PAYLOAD for field in TEXT_FIELDS}
        values["keywords"] = [PAYLOAD]
        edit_asset(session, asset_id, values, "mallory")
    report = import_articles(database, [article_file(tmp_path)])
    assert report.errors == [] and report.usages == 1
    return asset_id


def pages(client: FlaskClient, asset_id: int) -> dict[str, str]:
    found = {
        "gallery": client.get("/").text,
        "search": client.get("/?q=alert").text,
        "photo": client.get(f"/photos/{asset_id}").text,
        "articles": client.get("/articles").text,
    }
    article_link = found["articles"].split('href="/articles/', 1)[1].split('"', 1)[0]
    found["article"] = client.get(f"/articles/{article_link}").text
    return found


@pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
def test_no_page_renders_hostile_text_as_markup(
    client: FlaskClient, database: Database, hostile: int, role: str
) -> None:
    add_user(database, role, role)
    sign_in(client, role)
    for name, text in pages(client, hostile).items():
        for marker in RAW_MARKERS:
            assert marker not in text, f"{name} page renders {marker!r} as markup"
    photo = pages(client, hostile)["photo"]
    assert "&lt;script&gt;alert(" in photo
    # The importer keeps published text as text (tags dropped); what is left is escaped.
    assert "&#34;&#39;&amp;" in pages(client, hostile)["article"]


def test_api_returns_hostile_text_as_data(
    client: FlaskClient, database: Database, hostile: int
) -> None:
    add_user(database, "viewer", "viewer")
    sign_in(client, "viewer")
    response = client.get(f"/api/photos/{hostile}")
    assert response.mimetype == "application/json"
    assert response.json["caption"] == PAYLOAD
