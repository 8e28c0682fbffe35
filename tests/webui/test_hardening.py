"""Issue 15 at the gallery's door: redirects after sign-in, HEAD /login, bad input as 400,
keyword limits, downloads with odd names and their temporary folders, and upload caps."""

from __future__ import annotations

import io
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import waitress
from flask import Flask
from flask.testing import FlaskClient
from waitress import wasyncore

from library.catalog.edits import MAX_KEYWORD_LENGTH, MAX_KEYWORDS
from library.config import LibraryConfig
from library.db.engine import Database
from library.jobs import running
from tests.conftest import SQLITE_ONLY
from tests.webui.webutil import (
    PASSWORD,
    add_user,
    app_fixture,  # noqa: F401
    asset_values,
    client_fixture,  # noqa: F401
    create_asset,
    csrf,
    finished_job,
    form_fields,
    jpeg,
    make_app,
    new_token,
    post,
    signed_in,
)
from webui.server import waitress_settings

HUGE = "9" * 25  # past 64 bits

#: Security headers and redirects are the gallery's, whatever the catalog's database.
pytestmark = SQLITE_ONLY


def _login(client: FlaskClient, next_url: str, name: str = "ana") -> Any:
    client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "next": next_url, "csrf_token": csrf(client)},
    )


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


# --- 1. open redirect after sign-in -------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["/\t/evil.example/x", "/\n/evil.example/x", "/\r/evil.example", "/ /evil.example", "/\x0b/e"],
)
def test_next_with_control_characters_or_spaces_is_refused(
    client: FlaskClient, database: Database, next_url: str
) -> None:
    add_user(database, "ana", "viewer")
    response = _login(client, next_url)
    assert response.status_code == 400
    assert "evil" not in response.headers.get("Location", "")
    assert "next" in response.text
    # Refused before the password was even looked at: nobody is signed in.
    assert not _signed_in(client)


def test_the_tab_trick_from_the_issue(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "viewer")
    response = client.get("/login?next=/%09/evil.example/x")
    assert response.status_code == 400
    assert "Location" not in response.headers
    newline = client.get("/login?next=/%0a/x")
    assert newline.status_code == 400 and "line breaks" in newline.text


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/x",
        "///evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example/x",
        "/%5C/evil.example",  # fine as a path: stays on this site, see below
    ],
)
def test_next_that_leaves_the_site_goes_home(
    client: FlaskClient, database: Database, next_url: str
) -> None:
    add_user(database, "ana", "viewer")
    response = _login(client, next_url)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location in ("/", next_url)
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


def test_a_local_next_is_kept(client: FlaskClient, database: Database) -> None:
    add_user(database, "ana", "viewer")
    response = _login(client, "/photos/7?size=web#history")
    assert response.status_code == 303
    assert response.headers["Location"] == "/photos/7?size=web#history"


# --- 9. HEAD /login -----------------------------------------------------------------------


def test_head_login_with_a_form_body_signs_nobody_in(
    client: FlaskClient, database: Database
) -> None:
    add_user(database, "ana", "admin")
    client.get("/login")
    response = client.open(
        "/login",
        method="HEAD",
        data={"name": "ana", "password": PASSWORD, "csrf_token": csrf(client)},
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert not _signed_in(client)


# --- 8. no 500 on bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/?after={HUGE}",
        f"/?sort=most_used&after=1.{HUGE}",
        f"/?used_min={HUGE}",
        "/?used_min=²",
        f"/api/photos?page={HUGE}",
        f"/api/photos?sort=most_used&page={HUGE}.1",
        f"/api/photos?used_min={HUGE}",
        f"/api/photos?limit={HUGE}",
        f"/articles?after={HUGE}",
        "/?q=harbour%00",
        "/api/photos?q=%00",
    ],
)
def test_out_of_range_numbers_and_nul_in_queries_are_400(
    client: FlaskClient, database: Database, url: str
) -> None:
    create_asset(database, caption="Harbour")
    signed_in(client, database, "viewer")
    response = client.get(url)
    assert response.status_code == 400, response.text[:300]
    assert "Internal Server Error" not in response.text


def test_huge_ids_in_paths_are_404(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "editor")
    assert client.get(f"/photos/{HUGE}").status_code == 404
    assert client.get(f"/api/photos/{HUGE}").status_code == 404
    assert client.get(f"/photos/{HUGE}/download").status_code == 404
    assert post(client, f"/photos/{HUGE}", {"version": "1"}).status_code in (404, 405)


def test_huge_ids_in_a_bulk_edit_are_400(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "editor")
    for value in (HUGE, "²", "-1"):
        response = post(client, "/bulk", {"ids": value, "op": "select"})
        assert response.status_code == 400, value


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"version": 1, "caption": "\\ud800 broken"}', "lone surrogate"),
        ('{"version": 1, "keywords": ["ok", "\\udfff"]}', "lone surrogate"),
        ('{"version": 1, "\\ud800": "x"}', "lone surrogate"),
        ('{"version": 1, "caption": "a\\u0000b"}', "NUL"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_text_in_json_is_400(
    client: FlaskClient, database: Database, body: str, problem: str
) -> None:
    asset = create_asset(database, caption="Harbour")
    add_user(database, "ed", "editor")
    token = new_token(database, "ed")
    response = client.patch(
        f"/api/photos/{asset}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert problem in response.json["error"]
    assert asset_values(database, asset).caption == "Harbour"


def test_nul_in_forms_is_400(client: FlaskClient, database: Database) -> None:
    asset = create_asset(database, caption="Harbour")
    add_user(database, "ana", "editor")
    refused = _login(client, "/", name="ana\x00")
    assert refused.status_code == 400 and "NUL" in refused.text
    assert not _signed_in(client)
    signed_in(client, database, "editor", "ed")
    fields = form_fields(client.get(f"/photos/{asset}").text, f"/photos/{asset}")
    response = post(client, f"/photos/{asset}", {**fields, "caption": "Harbour\x00 at night"})
    assert response.status_code == 400 and "NUL" in response.text
    assert asset_values(database, asset).caption == "Harbour"


# --- 2. keyword limits over HTTP ------------------------------------------------------------


def test_api_refuses_sixteen_thousand_keywords(client: FlaskClient, database: Database) -> None:
    asset = create_asset(database)
    add_user(database, "ed", "editor")
    headers = {"Authorization": f"Bearer {new_token(database, 'ed')}"}
    many = [f"k{i}" for i in range(16_000)]
    response = client.patch(
        f"/api/photos/{asset}", json={"version": 1, "keywords": many}, headers=headers
    )
    assert response.status_code == 400
    assert f"at most {MAX_KEYWORDS} per photo, got 16000" in response.json["error"]
    assert asset_values(database, asset).version == 1
    # 16,000 spellings of 200 keywords are 200 keywords.
    repeated = [f"K{i % MAX_KEYWORDS}" for i in range(16_000)]
    accepted = client.patch(
        f"/api/photos/{asset}", json={"version": 1, "keywords": repeated}, headers=headers
    )
    assert accepted.status_code == 200
    assert len(asset_values(database, asset).keywords) == MAX_KEYWORDS


def test_form_refuses_too_long_keywords_but_edits_old_photos(
    client: FlaskClient, database: Database
) -> None:
    # A photo from before the limits, with more keywords than they allow.
    old = create_asset(database, keywords=[f"old{i}" for i in range(MAX_KEYWORDS + 50)])
    signed_in(client, database, "editor")
    fields = form_fields(client.get(f"/photos/{old}").text, f"/photos/{old}")
    saved = post(client, f"/photos/{old}", {**fields, "caption": "Still editable"})
    assert saved.status_code == 303
    assert asset_values(database, old).caption == "Still editable"
    fields = form_fields(client.get(f"/photos/{old}").text, f"/photos/{old}")
    long = "x" * (MAX_KEYWORD_LENGTH + 1)
    refused = post(client, f"/photos/{old}", {**fields, "keywords": f"a, {long}"})
    assert refused.status_code == 400
    assert f"each at most {MAX_KEYWORD_LENGTH} characters" in refused.text


def test_bulk_form_names_the_keyword_limit(client: FlaskClient, database: Database) -> None:
    asset = create_asset(database, keywords=["a"])
    signed_in(client, database, "editor")
    many = ", ".join(f"k{i}" for i in range(MAX_KEYWORDS + 1))
    response = post(
        client,
        "/bulk",
        {"ids": str(asset), "op": "apply", "keywords_mode": "append", "keywords": many},
    )
    assert response.status_code == 400
    assert f"at most {MAX_KEYWORDS} per photo" in response.text
    assert asset_values(database, asset).keywords == ["a"]


# --- 8. downloads: odd names and temporary folders ------------------------------------------


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp folder of this test's own, so what is left behind can be counted."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("name", ["evil\r\nSet-Cookie: x=1.jpg", "line\nbreak.jpg", "tab\t.jpg"])
def test_download_names_with_line_breaks(
    client: FlaskClient, database: Database, scratch: Path, name: str
) -> None:
    asset = create_asset(database, files=True, original_name=name)
    signed_in(client, database, "viewer")
    for size in ("original", "web"):
        response = client.get(f"/photos/{asset}/download?size={size}")
        assert response.status_code == 200, response.text[:300]
        disposition = response.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert not any("x=1" in c for c in response.headers.getlist("Set-Cookie"))
        assert response.data[:3] == b"\xff\xd8\xff"
        assert int(response.headers["Content-Length"]) == len(response.data)
        # The response is never closed here, as happens when a client goes away.
        assert list(scratch.iterdir()) == []


def test_download_folders_are_removed_without_closing(
    client: FlaskClient, database: Database, scratch: Path
) -> None:
    asset = create_asset(database, files=True)
    signed_in(client, database, "viewer")
    responses = [client.get(f"/photos/{asset}/download?size=original") for _ in range(3)]
    assert all(r.status_code == 200 for r in responses)
    assert list(scratch.iterdir()) == []


# --- 10. upload caps -------------------------------------------------------------------------


@pytest.fixture
def small_app(config: LibraryConfig, database: Database) -> Iterator[Flask]:
    app = make_app(config, MAX_UPLOAD_MB=1, MAX_UPLOAD_FILES=2)
    yield app
    assert running.wait_for_background(120)
    app.extensions["photodesk"].database.dispose()


def _upload(client: FlaskClient, *files: tuple[bytes, str]) -> Any:
    return client.post(
        "/upload",
        data={
            "csrf_token": csrf(client),
            "files": [(io.BytesIO(data), name) for data, name in files],
        },
        content_type="multipart/form-data",
    )


def test_upload_file_count_is_capped_and_shown(small_app: Flask, database: Database) -> None:
    client = small_app.test_client()
    signed_in(client, database, "editor")
    assert "up to 2 files and 1 MB per upload" in client.get("/upload").text
    response = _upload(client, (jpeg(1), "a.jpg"), (jpeg(2), "b.jpg"), (jpeg(3), "c.jpg"))
    assert response.status_code == 400
    assert "That upload has 3 files: at most 2 per upload" in response.text
    assert client.get("/api/photos").json["photos"] == []
    accepted = _upload(client, (jpeg(1), "a.jpg"), (jpeg(2), "b.jpg"))
    assert accepted.status_code == 303
    assert finished_job(client, accepted.headers["Location"])["done"] == 2


def test_waitress_refuses_a_large_body_before_reading_it(small_app: Flask) -> None:
    """Only the headers are sent: an answer proves the body was never waited for."""
    server: Any = waitress.create_server(
        small_app, host="127.0.0.1", port=0, threads=1, **waitress_settings(small_app)
    )
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=30) as conn:
            conn.sendall(
                b"POST /upload HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                + f"Content-Length: {5 * 1024 * 1024}\r\n\r\n".encode()
            )
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        stop.set()
        thread.join(timeout=30)
        server.close()
