"""Bad edits are refused before the write transaction opens: a held SQLite lock cannot delay them.

Another connection holds the catalog's write lock (as a running ingest batch
would). A request that checked its input inside the lock would wait the busy
timeout and answer 503; checked first, it answers 400 at once.
"""

from __future__ import annotations

import sqlite3

import pytest
from flask.testing import FlaskClient

from library.catalog.edits import MAX_KEYWORDS
from library.db.engine import Database
from tests.webui.webutil import (  # noqa: F401  (fixtures)
    add_user,
    app_fixture,
    client_fixture,
    create_asset,
    csrf,
    new_token,
    signed_in,
)


def test_api_refuses_too_many_keywords_while_another_writer_holds_the_lock(
    client: FlaskClient, database: Database
) -> None:
    asset = create_asset(database, caption="x")
    add_user(database, "bot", "editor")
    auth = {"Authorization": f"Bearer {new_token(database, 'bot')}"}
    if not database.config.is_sqlite:
        pytest.skip("the write lock under test is SQLite's")
    keywords = [f"k{i}" for i in range(MAX_KEYWORDS + 1)]
    holder = sqlite3.connect(database.config.sqlite_path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.patch(
            f"/api/photos/{asset}", json={"version": 1, "keywords": keywords}, headers=auth
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 400
    assert str(MAX_KEYWORDS) in response.json["error"]


@pytest.fixture
def editor(client: FlaskClient, database: Database) -> int:
    asset = create_asset(database, caption="x")
    signed_in(client, database, "editor")
    return asset


def test_form_post_with_an_impossible_date_is_refused_under_a_held_lock(
    client: FlaskClient, database: Database, editor: int
) -> None:
    if not database.config.is_sqlite:
        pytest.skip("the write lock under test is SQLite's")
    token = csrf(client)
    holder = sqlite3.connect(database.config.sqlite_path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            f"/photos/{editor}",
            data={"csrf_token": token, "version": "1", "original_date": "2023-02-30"},
            headers={"Accept": "application/json"},
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 400
    assert "original_date" in response.get_data(as_text=True)
