"""Sessions on the server, the admin's user page, proxies and what each role is shown
(issue 15, items 4, 6, 7 and 11)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
import waitress.server
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from waitress import wasyncore

from library.catalog import edits, settings, users
from library.config import LibraryConfig
from library.db.engine import Database
from library.db.models import AssetPath, WebSession, utcnow
from library.duplicates.membership import refresh_groups
from tests.webui.webutil import (
    PASSWORD,
    add_article,
    add_user,
    app_fixture,  # noqa: F401
    client_fixture,  # noqa: F401
    create_asset,
    csrf,
    make_app,
    new_token,
    post,
    sign_in,
    signed_in,
)
from webui.server import waitress_settings

COOKIE = "photodesk_session"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _client_with(app: Flask, cookie: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


# --- Item 4: sign-out, disabling and new passwords end sessions --------------------------


def test_a_cookie_copied_before_sign_out_signs_nobody_in(
    client: FlaskClient, app: Flask, database: Database
) -> None:
    signed_in(client, database, "editor", "ana")
    copied = _cookie(client)
    assert _client_with(app, copied).get("/").status_code == 200
    assert post(client, "/logout").status_code == 303
    thief = _client_with(app, copied)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with database.session_scope(write=False) as session:
        assert session.scalars(select(WebSession)).all() == []


def test_two_gallery_processes_share_sign_ins_and_sign_outs(
    config: LibraryConfig, database: Database
) -> None:
    """Two apps over one catalog stand for two gallery processes (or machines)."""
    first, second = make_app(config), make_app(config)
    try:
        browser = first.test_client()
        signed_in(browser, database, "viewer", "ana")
        elsewhere = _client_with(second, _cookie(browser))
        assert elsewhere.get("/").status_code == 200
        assert post(browser, "/logout").status_code == 303
        assert elsewhere.get("/").status_code == 302
    finally:
        for app in (first, second):
            app.extensions["photodesk"].database.dispose()


def test_the_session_cookie_holds_no_user_id(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "viewer", "ana")
    with client.session_transaction() as cookie:
        assert "uid" not in cookie and set(cookie) >= {"sid"}
    with database.session_scope(write=False) as session:
        row = session.scalars(select(WebSession)).one()
        assert row.id_hash != cookie["sid"] and row.address == "127.0.0.1"


@pytest.mark.parametrize("action", ["disable", "password"])
def test_admin_disabling_or_setting_a_password_signs_the_user_out(
    app: Flask, database: Database, action: str
) -> None:
    writer = app.test_client()
    signed_in(writer, database, "editor", "ana")
    admin = app.test_client()
    signed_in(admin, database, "admin", "boss")
    if action == "disable":
        response = post(admin, "/users/ana/disable")
    else:
        data = {"password": "a-new-long-secret", "confirm": "a-new-long-secret"}
        response = post(admin, "/users/ana/password", data)
    assert response.status_code == 303
    assert writer.get("/").status_code == 302
    assert admin.get("/").status_code == 200
    if action == "password":
        assert sign_in(writer, "ana", PASSWORD).status_code == 401
        assert sign_in(writer, "ana", "a-new-long-secret").status_code == 303
    else:
        assert sign_in(writer, "ana").status_code == 401
        assert post(admin, "/users/ana/enable").status_code == 303
        assert sign_in(writer, "ana").status_code == 303


def test_admin_page_refuses_weak_passwords_and_the_last_admin(
    client: FlaskClient, database: Database
) -> None:
    signed_in(client, database, "admin", "boss")
    add_user(database, "ana", "viewer")
    for password, confirm, message in [
        ("short", "short", "at least 10"),
        ("iloveyou2024", "iloveyou2024", "common passwords"),
        ("a-new-long-secret", "another-long-one", "differ"),
    ]:
        response = post(client, "/users/ana/password", {"password": password, "confirm": confirm})
        assert response.status_code == 400 and message in response.text
    refused = post(client, "/users/boss/disable")
    assert refused.status_code == 400 and "last enabled admin" in refused.text
    assert client.get("/users/ghost").status_code == 404


def test_admin_issues_lists_and_revokes_tokens(
    client: FlaskClient, app: Flask, database: Database
) -> None:
    from tests.webui.test_webui import create_asset as make_photo

    photo = make_photo(database)
    signed_in(client, database, "admin", "boss")
    add_user(database, "bot", "viewer")
    page = post(client, "/users/bot/tokens", {"token_name": "nightly", "days": "30"})
    assert page.status_code == 200
    token = re.search(r'id="new-token">([^<]+)<', page.text)
    assert token and token.group(1).startswith("pd_")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert api.get(f"/api/photos/{photo}", headers=bearer).status_code == 200
    listing = client.get("/users/bot").text
    assert "nightly" in listing and "active" in listing and token.group(1) not in listing
    with database.session_scope(write=False) as session:
        (row,) = users.list_tokens(session, "bot")
        assert row.last_used_at is not None  # reads are recorded too
        assert abs(row.expires_at - (utcnow() + timedelta(days=30))) < timedelta(hours=1)
    assert post(client, f"/users/bot/tokens/{row.id}/revoke").status_code == 303
    assert api.get(f"/api/photos/{photo}", headers=bearer).status_code == 401
    assert "revoked" in client.get("/users/bot").text
    assert post(client, f"/users/bot/tokens/{row.id + 99}/revoke").status_code == 404
    bad = post(client, "/users/bot/tokens", {"token_name": "nightly", "days": "99999"})
    assert bad.status_code == 400


def test_a_new_token_under_the_same_name_replaces_the_old(
    client: FlaskClient, database: Database
) -> None:
    photo = create_asset(database)
    add_user(database, "bot", "viewer")
    old = new_token(database, "bot")
    fresh = new_token(database, "bot")
    assert (
        client.get(f"/api/photos/{photo}", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )
    assert (
        client.get(f"/api/photos/{photo}", headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 200
    )


def test_an_expired_token_is_refused(client: FlaskClient, database: Database) -> None:
    from library.db.models import ApiToken

    photo = create_asset(database)
    add_user(database, "bot", "viewer")
    token = new_token(database, "bot")
    with database.session_scope() as session:
        session.scalars(select(ApiToken)).one().expires_at = utcnow() - timedelta(seconds=1)
    response = client.get(f"/api/photos/{photo}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# --- Item 6: behind a proxy --------------------------------------------------------------


def _proxied(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}


def test_behind_proxy_cookies_are_secure_with_hsts_and_real_addresses(
    config: LibraryConfig, database: Database
) -> None:
    app = make_app(config, BEHIND_PROXY=True, LOGIN_RATE_LIMIT=2)
    try:
        add_user(database, "ana", "viewer")
        client = app.test_client()
        page = client.get("/login", headers=_proxied("203.0.113.5"))
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        form = {"name": "ana", "password": "wrong-password", "csrf_token": token.group(1)}
        for _ in range(2):
            assert (
                client.post("/login", data=form, headers=_proxied("203.0.113.5")).status_code == 401
            )
        assert client.post("/login", data=form, headers=_proxied("203.0.113.5")).status_code == 429
        # The same user from another client behind the same proxy is not locked out.
        good = {**form, "password": PASSWORD}
        response = client.post("/login", data=good, headers=_proxied("198.51.100.7"))
        assert response.status_code == 303
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        with database.session_scope(write=False) as session:
            assert session.scalars(select(WebSession)).one().address == "198.51.100.7"
    finally:
        app.extensions["photodesk"].database.dispose()


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_waitress_passes_the_proxy_headers_only_behind_a_proxy(
    config: LibraryConfig, database: Database, behind_proxy: bool
) -> None:
    """Through the server `photodesk serve` runs: waitress strips X-Forwarded-* unless
    told not to, and then HSTS and the sign-in limit's addresses were lost."""
    app = make_app(config, BEHIND_PROXY=behind_proxy, LOGIN_RATE_LIMIT=2)
    server = waitress.server.create_server(
        app, host="127.0.0.1", port=0, threads=2, **waitress_settings(app)
    )
    stopping = threading.Event()

    def serve() -> None:
        # waitress's own run() cannot be stopped from another thread without closing
        # sockets under its select(); short loops until told to stop can.
        while not stopping.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)  # type: ignore[union-attr]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    no_redirects = urllib.request.build_opener(NoRedirects)
    cookies: dict[str, str] = {}

    def send(address: str, form: dict[str, str] | None = None) -> tuple[int, Any, str]:
        """One request; cookies are kept by hand, as a browser on HTTPS would keep the
        Secure ones (urllib's jar would not send them over this test's plain HTTP)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = _proxied(address)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        request = urllib.request.Request(f"{base}/login", data=data, headers=headers)
        try:
            with no_redirects.open(request, timeout=30) as response:
                status, answer, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer, body = error.code, error.headers, b""
        for cookie in answer.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            cookies[name] = value
        return status, answer, body.decode()

    try:
        add_user(database, "ana", "viewer")
        status, headers, page = send("203.0.113.5")
        assert status == 200
        assert ("Strict-Transport-Security" in headers) == behind_proxy
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        form = {"name": "ana", "password": "wrong-password", "csrf_token": token.group(1)}
        assert [send("203.0.113.5", form)[0] for _ in range(2)] == [401, 401]
        # Another client behind the proxy is not locked out; without a proxy the
        # forwarded address is not believed, so it is the same client.
        status, _, _ = send("198.51.100.7", {**form, "password": PASSWORD})
        assert status == (303 if behind_proxy else 429)
    finally:
        stopping.set()
        thread.join(10)
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        wasyncore.close_all(server._map)  # type: ignore[union-attr]
        app.extensions["photodesk"].database.dispose()


def test_without_behind_proxy_forwarded_headers_are_not_believed(
    config: LibraryConfig, database: Database
) -> None:
    app = make_app(config, LOGIN_RATE_LIMIT=2)
    try:
        add_user(database, "ana", "viewer")
        client = app.test_client()
        page = client.get("/login", headers=_proxied("203.0.113.5"))
        assert "Strict-Transport-Security" not in page.headers
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        form = {"name": "ana", "password": "wrong-password", "csrf_token": token.group(1)}
        for address in ("203.0.113.5", "203.0.113.6"):
            assert client.post("/login", data=form, headers=_proxied(address)).status_code == 401
        # A forged X-Forwarded-For does not buy a fresh count.
        blocked = client.post("/login", data=form, headers=_proxied("203.0.113.7"))
        assert blocked.status_code == 429
        good = client.post("/login", data={**form, "password": PASSWORD})
        assert "Secure" not in good.headers.get("Set-Cookie", "")
    finally:
        app.extensions["photodesk"].database.dispose()


# --- Item 7: one address cannot try many names -------------------------------------------


def test_one_address_cannot_try_many_names(config: LibraryConfig, database: Database) -> None:
    app = make_app(config, BEHIND_PROXY=True, LOGIN_RATE_LIMIT=5, LOGIN_ADDRESS_RATE_LIMIT=4)
    try:
        add_user(database, "ana", "viewer")
        client = app.test_client()
        token = csrf(client)
        attacker, colleague = _proxied("203.0.113.9"), _proxied("198.51.100.20")

        def attempt(name: str, password: str, headers: dict[str, str]) -> Any:
            data = {"name": name, "password": password, "csrf_token": token}
            return client.post("/login", data=data, headers=headers)

        for name in ("ana", "bob", "cleo", "dan"):
            assert attempt(name, "guess-guess-1", attacker).status_code == 401
        blocked = attempt("erin", "guess-guess-1", attacker)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        # Even the right password waits: the address is spent, not the name.
        assert attempt("ana", PASSWORD, attacker).status_code == 429
        assert attempt("ana", PASSWORD, colleague).status_code == 303
    finally:
        app.extensions["photodesk"].database.dispose()


# --- Item 11: what each role is shown ------------------------------------------------------


@pytest.fixture
def edited(database: Database) -> int:
    photo = create_asset(database, files=True, caption="Harbour", credit="Ana Diaz")
    with database.session_scope() as session:
        edits.edit_asset(session, photo, {"credit": "Desk Photo"}, "ana")
        session.add(AssetPath(asset_id=photo, path="/srv/photos/2024/harbour.jpg"))
    twin = create_asset(database, files=True, content_digest=f"pixels:same-{photo}")
    with database.session_scope() as session:
        from library.db.models import Asset

        asset = session.get(Asset, photo)
        assert asset is not None
        asset.content_digest = f"pixels:same-{photo}"
        session.flush()
        refresh_groups(session, [photo, twin])  # what ingest does when pixels match
    assert twin
    return photo


@pytest.mark.parametrize(
    "role,sees_editor,sees_paths",
    [
        ("viewer", False, False),
        ("auditor", True, False),
        ("editor", True, True),
        ("admin", True, True),
    ],
)
def test_who_edited_and_server_paths_by_role(
    client: FlaskClient,
    database: Database,
    edited: int,
    role: str,
    sees_editor: bool,
    sees_paths: bool,
) -> None:
    signed_in(client, database, role)
    record = client.get(f"/api/photos/{edited}").get_json()
    assert record["sources"]["credit"] == ("user:ana" if sees_editor else "user")
    assert ("paths" in record) is sees_paths
    groups = client.get("/api/duplicates").get_json()["groups"]
    members = [m for g in groups for m in g["members"]]
    assert members and all(("paths" in m) is sees_paths for m in members)
    page = client.get(f"/photos/{edited}").text
    assert ("/srv/photos/2024/harbour.jpg" in page) is sees_paths
    assert ("/srv/photos/2024/harbour.jpg" in str(record)) is sees_paths


# --- Item 11 and issue 14: report links from the configured base URL ------------------------


@pytest.fixture
def reused(database: Database) -> int:
    photo = create_asset(database, files=True, caption="Harbour", credit="Ana Diaz")
    add_article(database, "Morning news", [(photo, "Dawn over the harbour", None)])
    add_article(database, "Evening news", [(photo, "Dusk over the harbour", None)])
    return photo


def _report(client: FlaskClient, kind: str) -> str:
    """The report as asked for with a forged Host header (the cookie goes along)."""
    client.set_cookie(COOKIE, _cookie(client), domain="evil.example")
    response = client.get(f"/reports/reuse.{kind}", base_url="http://evil.example")
    assert response.status_code == 200
    return response.text


def test_report_links_never_come_from_the_host_header(
    client: FlaskClient, database: Database, reused: int
) -> None:
    signed_in(client, database, "auditor")
    for kind in ("html", "csv", "json"):
        text = _report(client, kind)
        assert "evil.example" not in text and "/photos/" not in text


def test_report_links_use_the_library_setting(
    client: FlaskClient, database: Database, reused: int
) -> None:
    with database.session_scope() as session:
        settings.set_setting(session, settings.BASE_URL, "https://photos.example.org/desk/")
    signed_in(client, database, "auditor")
    page = _report(client, "html")
    assert f"href='https://photos.example.org/desk/photos/{reused}'" in page
    assert "evil.example" not in page
    data = client.get("/reports/reuse.json").get_json()
    assert data["photos"][0]["link"] == f"https://photos.example.org/desk/photos/{reused}"


def test_report_links_prefer_the_serve_option(
    config: LibraryConfig, database: Database, reused: int
) -> None:
    with database.session_scope() as session:
        settings.set_setting(session, settings.BASE_URL, "https://old.example.org")
    app = make_app(config, BASE_URL="https://gallery.example.com")
    try:
        client = app.test_client()
        signed_in(client, database, "auditor")
        page = _report(client, "html")
        assert f"href='https://gallery.example.com/photos/{reused}'" in page
        assert "old.example.org" not in page and "evil.example" not in page
    finally:
        app.extensions["photodesk"].database.dispose()
