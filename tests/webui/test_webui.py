"""The gallery over HTTP: who may do what, CSRF, headers, escaping, edits, bulk, upload, files."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from library.catalog import edits, search, templates, users
from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import Database
from library.duplicates import decisions
from library.jobs import records
from tests.webui.webutil import (
    PASSWORD,
    ROLES,
    add_article,
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
    sign_in,
    signed_in,
)
from webui import create_app
from webui.auth import PUBLIC_ENDPOINTS
from webui.security import SECRET_KEY_FILE


@dataclass
class World:
    """One of everything a route can point at."""

    asset: int
    change: int
    article: int
    twin: int = 0  # the same pixels as ``asset``: its duplicate group's other member
    group: str = ""
    token: int = 0  # an API token of the user "target", for the admin's routes
    decision: int = 0  # a duplicate decision in ``group``, to undo
    job: int = 0  # a queued upload job started by someone who is not signed in

    def format(self, text: str) -> str:
        return text.format(**asdict(self))


@pytest.fixture
def world(database: Database) -> World:
    asset = create_asset(database, files=True, caption="Harbour at dawn", credit="Ana Diaz")
    with database.session_scope() as session:
        result = edits.edit_asset(session, asset, {"headline": "Dawn"}, "setup")
        change = result.changes[0].id
        search.reindex_assets(session, [asset])
    article = add_article(database, "Morning news", [(asset, "Dawn over the harbour", "Boats")])
    return World(asset, change, article)


@pytest.fixture
def routed(database: Database, world: World) -> World:
    """The world plus a duplicate of its photo and a user with a token, so every route
    has something to act on."""
    twin = create_asset(
        database, files=True, content_digest=asset_values(database, world.asset).content_digest
    )
    add_user(database, "target", "viewer")
    with database.session_scope() as session:
        token = users.issue_token(session, "target", "script").id
        decisions.decide_master(session, world.asset, "setup")
        decision = decisions.decisions_about(session, [world.asset])[0].id
        job = records.create(session, "upload", "someone", {"labels": {}}).id
        templates.save_template(session, "Desk", {"instructions": "No sales"}, "setup")
    group = f"g{min(world.asset, twin)}"
    return replace(world, twin=twin, group=group, token=token, decision=decision, job=job)


def upload_body() -> dict[str, Any]:
    return {"files": (io.BytesIO(jpeg(seed=99)), "fresh.jpg")}


#: Every route: method, URL, the permission it needs, the status when allowed,
#: and what to send. A new route must be added here (see the coverage test).
ROUTES: list[tuple[str, str, str, int, dict[str, Any]]] = [
    ("GET", "/", "search", 200, {}),
    ("GET", "/?q=harbour&sort=most_used&missing_credit=1", "search", 200, {}),
    ("GET", "/articles", "read", 200, {}),
    ("GET", "/articles/{article}", "read", 200, {}),
    ("GET", "/reports", "reports", 200, {}),
    (
        "GET",
        "/reports?since=2024-01-01&credits_since=2024-01-01&credits_until=2025-01-01",
        "reports",
        200,
        {},
    ),
    ("GET", "/reports/reuse.csv", "reports", 200, {}),
    ("GET", "/reports/audit", "reports", 200, {}),
    ("GET", "/reports/audit?severity=high&state=all&credit=ana&page=2", "reports", 200, {}),
    ("POST", "/reports/audit/0123abcd", "resolve_findings", 303, {"data": {"state": "wrong"}}),
    ("GET", "/reports/reuse.json?since=2024-01-01", "reports", 200, {}),
    ("GET", "/reports/reuse.html", "reports", 200, {}),
    ("GET", "/duplicates", "read", 200, {}),
    ("GET", "/duplicates?level=pixels", "read", 200, {}),
    ("GET", "/duplicates/{group}", "read", 200, {}),
    (
        "POST",
        "/duplicates/{group}/master",
        "decide_duplicates",
        303,
        {"data": {"asset_id": "{twin}"}},
    ),
    (
        "POST",
        "/duplicates/{group}/not-duplicate",
        "decide_duplicates",
        303,
        {"data": {"asset_id": "{twin}", "master": "{asset}"}},
    ),
    ("POST", "/duplicates/{group}/decisions/{decision}/undo", "decide_duplicates", 303, {}),
    (
        "POST",
        "/duplicates/{group}/copy",
        "decide_duplicates",
        303,
        {"data": {"asset_id": "{twin}", "master": "{asset}", "version": "1", "fields": "credit"}},
    ),
    ("GET", "/photos/{asset}", "read", 200, {}),
    (
        "POST",
        "/photos/{asset}",
        "edit",
        303,
        {"data": {"version": "2", "caption": "New caption", "status": "new"}},
    ),
    ("POST", "/photos/{asset}/changes/{change}/revert", "edit", 303, {}),
    ("GET", "/photos/{asset}/thumb", "read", 200, {}),
    ("GET", "/photos/{asset}/web", "read", 200, {}),
    ("GET", "/photos/{asset}/download?size=original", "download", 200, {}),
    ("GET", "/photos/{asset}/download?size=web", "download", 200, {}),
    ("GET", "/bulk", "bulk_edit", 302, {}),
    ("POST", "/bulk", "bulk_edit", 200, {"data": {"ids": "{asset}"}}),
    (
        "POST",
        "/photos/{asset}/template",
        "edit",
        303,
        {"data": {"template": "Desk", "version": "2"}},
    ),
    ("GET", "/templates", "edit", 200, {}),
    (
        "POST",
        "/templates",
        "edit",
        303,
        {"data": {"template_name": "Wire", "credit_mode": "set", "credit": "Reuters"}},
    ),
    ("POST", "/templates/delete", "edit", 303, {"data": {"template": "Desk"}}),
    ("GET", "/replacements", "edit", 200, {}),
    ("POST", "/replacements", "edit", 303, {"data": {"code": "rf", "text": "Reza Farahzadi"}}),
    ("POST", "/replacements/delete", "edit", 303, {"data": {"code": "rf"}}),
    ("GET", "/credits.json", "edit", 200, {}),
    ("GET", "/credits/check?value=AP+Photo/Ana+Diaz", "edit", 200, {}),
    ("GET", "/upload", "upload", 200, {}),
    ("POST", "/upload", "upload", 303, {"data": "upload"}),
    # {job} is someone else's: following it is for job managers (its starter aside).
    ("GET", "/upload/{job}", "manage_jobs", 200, {}),
    ("GET", "/jobs", "manage_jobs", 200, {}),
    ("GET", "/jobs?state=queued", "manage_jobs", 200, {}),
    ("GET", "/jobs/{job}", "manage_jobs", 200, {}),
    ("POST", "/jobs/{job}/cancel", "manage_jobs", 303, {}),
    ("POST", "/jobs/writeback", "bulk_edit", 303, {"data": {"ids": "{asset}"}}),
    ("POST", "/jobs/writeback", "manage_jobs", 303, {"data": {"all_changed": "1"}}),
    ("POST", "/jobs/rescan", "decide_duplicates", 303, {}),
    ("GET", "/api/jobs/{job}", "manage_jobs", 200, {}),
    ("GET", "/api/jobs?state=done&limit=5", "manage_jobs", 200, {}),
    ("GET", "/users", "manage_users", 200, {}),
    (
        "POST",
        "/users",
        "manage_users",
        303,
        {"data": {"name": "newbie", "role": "viewer", "password": "long-password"}},
    ),
    ("GET", "/users/target", "manage_users", 200, {}),
    ("POST", "/users/target/disable", "manage_users", 303, {}),
    ("POST", "/users/target/enable", "manage_users", 303, {}),
    (
        "POST",
        "/users/target/password",
        "manage_users",
        303,
        {"data": {"password": "a-new-long-secret", "confirm": "a-new-long-secret"}},
    ),
    ("POST", "/users/target/tokens", "manage_users", 200, {"data": {"token_name": "laptop"}}),
    ("POST", "/users/target/tokens/{token}/revoke", "manage_users", 303, {}),
    ("POST", "/logout", "read", 303, {}),
    ("GET", "/api/photos?q=harb", "search", 200, {}),
    ("GET", "/api/photos/{asset}", "read", 200, {}),
    ("PATCH", "/api/photos/{asset}", "edit", 200, {"json": {"version": 2, "credit": "AP"}}),
    ("GET", "/api/photos/{asset}/usages", "read", 200, {}),
    ("GET", "/api/photos/{asset}/history", "history", 200, {}),
    ("GET", "/api/duplicates", "read", 200, {}),
    ("GET", "/api/duplicates?level=near", "read", 200, {}),
]


def call(client: FlaskClient, world: World, route: tuple[Any, ...], **headers: str) -> Any:
    method, url, _, _, body = route
    url = world.format(url)
    kwargs: dict[str, Any] = {"headers": headers}
    data = body.get("data")
    if data == "upload":
        kwargs["data"] = {**upload_body(), "csrf_token": csrf(client)}
    elif data is not None:
        kwargs["data"] = {k: world.format(v) if isinstance(v, str) else v for k, v in data.items()}
        kwargs["data"]["csrf_token"] = csrf(client)
    if "json" in body:
        kwargs["json"] = body["json"]
    if method != "GET" and "Authorization" not in headers:
        kwargs["headers"] = {**headers, "X-CSRF-Token": csrf(client)}
    return client.open(url, method=method, **kwargs)


def route_id(route: tuple[Any, ...]) -> str:
    return f"{route[0]} {route[1]}"


def check_status(response: Any, role: str, route: tuple[Any, ...]) -> str | None:
    """What is wrong with the answer ``role`` got for ``route``, or None."""
    permission, allowed_status = route[2], route[3]
    got = (response.status_code, response.headers.get("WWW-Authenticate", ""))
    if role == "anonymous" and route[1].startswith("/api/"):
        if got[0] != 401 or not got[1].startswith("Bearer"):
            return f"{route_id(route)}: expected 401 with a Bearer challenge, got {got}"
    elif role == "anonymous":
        if got[0] != 302 or "/login" not in response.headers.get("Location", ""):
            return f"{route_id(route)}: expected a redirect to /login, got {got[0]}"
    elif got[0] != (allowed_status if users.can(role, permission) else 403):
        return f"{route_id(route)}: {role} got {got[0]}: {response.text[:300]}"
    return None


#: A request that changes the catalog gets a fresh one; reads and refused requests (which
#: change nothing) share one per role.
READ_ROUTES = [r for r in ROUTES if r[0] == "GET"]
WRITE_ROUTES = [r for r in ROUTES if r[0] != "GET"]
ALLOWED_WRITES = [(role, r) for r in WRITE_ROUTES for role in ROLES if users.can(role, r[2])]


@pytest.mark.parametrize(
    ("role", "route"), ALLOWED_WRITES, ids=[f"{role}-{route_id(r)}" for role, r in ALLOWED_WRITES]
)
def test_role_table(
    client: FlaskClient, database: Database, routed: World, role: str, route: tuple[Any, ...]
) -> None:
    signed_in(client, database, role)
    assert check_status(call(client, routed, route), role, route) is None


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_role_table_of_reads_and_refusals(
    client: FlaskClient, database: Database, routed: World, role: str
) -> None:
    """Every GET route, then every change the role may not make, in turn on one catalog:
    neither changes anything the next request sees."""
    if role != "anonymous":
        signed_in(client, database, role)
    refused = [r for r in WRITE_ROUTES if role == "anonymous" or not users.can(role, r[2])]
    routes = [*READ_ROUTES, *refused]
    wrong = [check_status(call(client, routed, route), role, route) for route in routes]
    assert [w for w in wrong if w] == []


API_ROUTES = [r for r in ROUTES if r[1].startswith("/api/")]


def _bearer(database: Database, role: str) -> str:
    add_user(database, role, role)
    return f"Bearer {new_token(database, role)}"


@pytest.mark.parametrize("route", [r for r in API_ROUTES if r[0] != "GET"], ids=route_id)
@pytest.mark.parametrize("role", ROLES)
def test_api_role_table_with_bearer_token(
    client: FlaskClient, database: Database, routed: World, role: str, route: tuple[Any, ...]
) -> None:
    response = call(client, routed, route, Authorization=_bearer(database, role))
    assert check_status(response, role, route) is None


@pytest.mark.parametrize("role", ROLES)
def test_api_reads_with_bearer_token(
    client: FlaskClient, database: Database, routed: World, role: str
) -> None:
    token = _bearer(database, role)
    wrong = [
        check_status(call(client, routed, route, Authorization=token), role, route)
        for route in API_ROUTES
        if route[0] == "GET"
    ]
    assert [w for w in wrong if w] == []


def test_every_route_is_in_the_role_table(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    covered = set()
    for method, url, *_ in ROUTES:
        path = World(1, 1, 1, 2, "g1", 1, 1, 1).format(url).split("?")[0]
        endpoint, _ = adapter.match(path, method=method)
        covered.add((endpoint, method))
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "permission"), f"{rule.endpoint} has no @require(permission)"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered, f"{method} {rule.rule} not in ROUTES"


# --- Sign-in, sessions, rate limit ------------------------------------------------------


def test_sign_in_and_out(client: FlaskClient, database: Database) -> None:
    add_user(database, "ana", "editor")
    assert client.get("/").status_code == 302
    assert sign_in(client, "ana", "wrong-password").status_code == 401
    response = sign_in(client, "ana")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert post(client, "/logout").status_code == 303
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(
    client: FlaskClient, database: Database, target: str
) -> None:
    add_user(database, "ana", "viewer")
    client.get("/login")
    response = client.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "next": target, "csrf_token": csrf(client)},
    )
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(client: FlaskClient, database: Database) -> None:
    add_user(database, "ana", "viewer")
    first = client.get("/articles")
    assert first.headers["Location"] == "/login?next=/articles"
    client.get(first.headers["Location"])
    response = client.post(
        "/login",
        data={"name": "ana", "password": PASSWORD, "next": "/articles", "csrf_token": csrf(client)},
    )
    assert response.headers["Location"] == "/articles"


def test_session_expires(client: FlaskClient, database: Database) -> None:
    from datetime import timedelta

    from library.db.models import WebSession, utcnow

    signed_in(client, database, "viewer")
    assert client.get("/").status_code == 200
    with database.session_scope() as session:
        row = session.scalars(select(WebSession)).one()
        assert abs(row.expires_at - (utcnow() + timedelta(minutes=480))) < timedelta(minutes=5)
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabled_user_is_signed_out(client: FlaskClient, database: Database) -> None:
    from library.catalog.users import set_disabled

    signed_in(client, database, "editor", "ana")
    with database.session_scope() as session:
        set_disabled(session, "ana", True)
    assert client.get("/").status_code == 302


def test_sign_in_is_rate_limited(config: LibraryConfig, database: Database) -> None:
    app = make_app(config, LOGIN_RATE_LIMIT=3)
    client = app.test_client()
    add_user(database, "ana", "viewer")
    add_user(database, "bob", "viewer")
    for _ in range(3):
        assert sign_in(client, "ana", "nope-nope").status_code == 401
    blocked = sign_in(client, "ana")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in blocked.text
    assert sign_in(client, "bob").status_code == 303
    app.extensions["photodesk"].database.dispose()


def test_secret_key_is_generated_once_and_private(
    config: LibraryConfig, database: Database
) -> None:
    first = create_app({"LIBRARY": config.root, "DATABASE_URL": config.database_url})
    second = create_app({"LIBRARY": config.root, "DATABASE_URL": config.database_url})
    key_file = config.root / SECRET_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    for app in (first, second):
        app.extensions["photodesk"].database.dispose()


# --- CSRF and headers -------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "editor")
    form = {"version": "2", "caption": "Forged", "status": "new"}
    for token in (None, "wrong-token"):
        data = dict(form) if token is None else {**form, "csrf_token": token}
        response = client.post(f"/photos/{world.asset}", data=data)
        assert response.status_code == 400
        assert "expired" in response.text
    assert asset_values(database, world.asset).caption == "Harbour at dawn"


def test_sign_in_form_needs_csrf_token(client: FlaskClient, database: Database) -> None:
    add_user(database, "ana", "viewer")
    response = client.post("/login", data={"name": "ana", "password": PASSWORD})
    assert response.status_code == 400


def test_api_patch_from_browser_session_needs_csrf_header(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "editor")
    url = f"/api/photos/{world.asset}"
    assert client.patch(url, json={"version": 2, "credit": "X"}).status_code == 400
    response = client.patch(
        url, json={"version": 2, "credit": "X"}, headers={"X-CSRF-Token": csrf(client)}
    )
    assert response.status_code == 200


HEADER_URLS = [
    "/login",
    "/static/app.css",
    "/",
    "/photos/{asset}",
    "/photos/{asset}/thumb",
    "/photos/999999",
    "/api/photos",
    "/api/photos/999999",
    "/no-such-page",
]


@pytest.mark.parametrize("signed", [False, True], ids=["anonymous", "admin"])
def test_security_headers_on_every_response(
    client: FlaskClient, database: Database, routed: World, signed: bool
) -> None:
    if signed:
        signed_in(client, database, "admin")
    responses = [client.get(u.format(asset=routed.asset)) for u in HEADER_URLS]
    if signed:
        responses += [call(client, routed, r) for r in ROUTES if r[1] != "/logout"]
    for response in responses:
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "img-src 'self' data:" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        self.problems += [f"<{tag} {n}=>" for n in names if n.startswith("on") or n == "style"]


def test_pages_have_no_inline_scripts_handlers_or_styles(
    client: FlaskClient, database: Database, routed: World
) -> None:
    pages = [client.get("/login")]
    signed_in(client, database, "admin")
    pages += [call(client, routed, r) for r in ROUTES if r[0] in ("GET", "POST")]
    pages += [client.get("/upload"), client.get(f"/photos/{routed.asset}")]
    for page in pages:
        if not page.content_type.startswith("text/html"):
            continue
        parser = _Scripts()
        parser.feed(page.text)
        assert parser.problems == [], page.request.path


XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_caption_markup_is_escaped(client: FlaskClient, database: Database) -> None:
    photo = create_asset(
        database, files=True, caption=XSS, headline=XSS, credit=XSS, keywords=["<b>k</b>"]
    )
    add_article(database, XSS, [(photo, XSS, XSS)])
    signed_in(client, database, "admin")
    for url in (f"/photos/{photo}", "/", "/?q=alert", "/articles", "/articles/1"):
        text = client.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
        assert "&lt;script&gt;" in text, url
    bulk = post(client, "/bulk", {"ids": str(photo)}).text
    assert "<script>alert" not in bulk


# --- Library errors at the edge -----------------------------------------------------------


def test_library_errors_become_status_codes(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "editor")
    assert client.get("/photos/424242").status_code == 404
    missing = client.get("/api/photos/424242")
    assert missing.status_code == 404 and "424242" in missing.json["error"]
    assert post(client, f"/photos/{world.asset}/changes/999/revert").status_code == 404
    bad_cursor = client.get("/?after=nonsense")
    assert bad_cursor.status_code == 400
    assert client.get(f"/photos/{world.asset}/download?size=huge").status_code == 400


def test_invalid_value_keeps_the_input(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "editor")
    form = form_fields(client.get(f"/photos/{world.asset}").text, f"/photos/{world.asset}")
    form.update(caption="Kept caption", original_date="yesterday")
    response = client.post(f"/photos/{world.asset}", data=form)
    assert response.status_code == 400
    assert "Kept caption" in response.text
    # The field is named in words and marked, with the message read along with it.
    assert "Original date: expected YYYY, YYYY-MM or YYYY-MM-DD" in response.text
    assert 'name="original_date" value="yesterday" aria-invalid="true"' in response.text
    assert 'id="form-error"' in response.text
    assert asset_values(database, world.asset).caption == "Harbour at dawn"


# --- Editing, conflicts, history ----------------------------------------------------------


def photo_form(client: FlaskClient, asset: int) -> dict[str, str]:
    return form_fields(client.get(f"/photos/{asset}").text, f"/photos/{asset}")


def two_editors(app: Flask, database: Database) -> tuple[FlaskClient, FlaskClient]:
    ana, bob = app.test_client(), app.test_client()
    signed_in(ana, database, "editor", "ana")
    signed_in(bob, database, "editor", "bob")
    return ana, bob


def test_edit_saves_and_records_history(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "editor", "ana")
    form = photo_form(client, world.asset)
    assert form["version"] == "2" and form["orig_caption"] == "Harbour at dawn"
    form.update(caption="Harbour at sunrise", keywords="harbour, boats", archive="on")
    response = client.post(f"/photos/{world.asset}", data=form)
    assert response.status_code == 303
    saved = asset_values(database, world.asset)
    assert (saved.caption, saved.keywords, saved.archive, saved.version) == (
        "Harbour at sunrise",
        ["harbour", "boats"],
        True,
        3,
    )
    page = client.get(f"/photos/{world.asset}").text
    assert "Saved" in page and "Harbour at sunrise" in page
    assert "FILE – Harbour at sunrise (Photo: Ana Diaz)" in page
    assert client.get("/api/photos?q=sunrise").json["photos"][0]["id"] == world.asset


def test_stale_edit_of_the_same_field_is_a_conflict(
    app: Flask, database: Database, world: World
) -> None:
    ana, bob = two_editors(app, database)
    ana_form, bob_form = photo_form(ana, world.asset), photo_form(bob, world.asset)
    ana_form["caption"] = "Caption from Ana"
    assert ana.post(f"/photos/{world.asset}", data=ana_form).status_code == 303
    bob_form["caption"] = "Caption from Bob"
    response = bob.post(f"/photos/{world.asset}", data=bob_form)
    assert response.status_code == 409
    assert "Someone else changed this photo" in response.text
    assert "Caption from Ana" in response.text and "Caption from Bob" in response.text
    assert asset_values(database, world.asset).caption == "Caption from Ana"
    # The form kept Bob's value and now starts from the current version.
    again = form_fields(response.text, f"/photos/{world.asset}")
    assert again["caption"] == "Caption from Bob" and again["version"] == "3"
    assert bob.post(f"/photos/{world.asset}", data=again).status_code == 303
    assert asset_values(database, world.asset).caption == "Caption from Bob"


def test_stale_edit_of_other_fields_merges(app: Flask, database: Database, world: World) -> None:
    ana, bob = two_editors(app, database)
    ana_form, bob_form = photo_form(ana, world.asset), photo_form(bob, world.asset)
    ana_form["caption"] = "Caption from Ana"
    assert ana.post(f"/photos/{world.asset}", data=ana_form).status_code == 303
    bob_form["credit"] = "Bob Baker/AP"
    assert bob.post(f"/photos/{world.asset}", data=bob_form).status_code == 303
    saved = asset_values(database, world.asset)
    assert (saved.caption, saved.credit, saved.version) == ("Caption from Ana", "Bob Baker/AP", 4)


def test_revert_a_change(client: FlaskClient, database: Database, world: World) -> None:
    signed_in(client, database, "editor", "ana")
    form = photo_form(client, world.asset)
    form["caption"] = "Wrong caption"
    client.post(f"/photos/{world.asset}", data=form)
    change = client.get(f"/api/photos/{world.asset}/history").json["changes"][-1]
    assert change["new"] == "Wrong caption"
    response = post(client, f"/photos/{world.asset}/changes/{change['id']}/revert")
    assert response.status_code == 303
    assert asset_values(database, world.asset).caption == "Harbour at dawn"
    page = client.get(f"/photos/{world.asset}").text
    assert f"reverts #{change['id']}" in page
    assert client.get("/api/photos?q=wrong").json["photos"] == []


def test_viewer_sees_values_but_no_form_or_history(
    client: FlaskClient, database: Database, world: World
) -> None:
    signed_in(client, database, "viewer")
    page = client.get(f"/photos/{world.asset}").text
    assert "Harbour at dawn" in page
    assert f'action="/photos/{world.asset}"' not in page and "Revert" not in page


def test_photo_page_panels(client: FlaskClient, database: Database, world: World) -> None:
    twin = create_asset(database, content_digest=asset_values(database, world.asset).content_digest)
    signed_in(client, database, "auditor")
    page = client.get(f"/photos/{world.asset}").text
    assert "Morning news" in page and "Dawn over the harbour" in page
    assert f'href="/photos/{twin}"' in page
    assert "Canon" in page  # embedded EXIF
    assert "Harbour at dawn (Photo: Ana Diaz)" in page
    lonely = create_asset(database)
    page = client.get(f"/photos/{lonely}").text
    assert "No published usages recorded" in page and "No duplicates found" in page


# --- API ----------------------------------------------------------------------------------


def test_api_patch_flow_with_bearer_token(
    client: FlaskClient, database: Database, world: World
) -> None:
    add_user(database, "bot", "editor")
    auth = {"Authorization": f"Bearer {new_token(database, 'bot')}"}
    url = f"/api/photos/{world.asset}"
    record = client.get(url, headers=auth).json
    assert record["caption"] == "Harbour at dawn" and record["version"] == 2
    ok = client.patch(url, json={"version": 2, "caption": "From the API"}, headers=auth)
    assert ok.status_code == 200 and ok.json["version"] == 3
    assert ok.json["changes"][0]["user"] == "bot"
    stale = client.patch(url, json={"version": 2, "caption": "Too late"}, headers=auth)
    assert stale.status_code == 409
    assert stale.json["version"] == 3
    assert stale.json["conflicts"]["caption"] == {"yours": "Too late", "current": "From the API"}
    merged = client.patch(url, json={"version": 2, "headline": "Merged"}, headers=auth)
    assert merged.status_code == 200 and merged.json["version"] == 4  # the page's policy too
    assert client.patch(url, json={"caption": "x"}, headers=auth).status_code == 400
    bad = client.patch(url, json={"version": 3, "sha256": "x"}, headers=auth)
    assert bad.status_code == 400 and "sha256" in bad.json["error"]
    assert client.patch(url, data="not json", headers=auth).status_code == 400
    wrong = {"Authorization": "Bearer pd_not-a-token"}
    assert client.get(url, headers=wrong).status_code == 401
    assert client.get("/api/photos?q=api", headers=auth).json["photos"][0]["id"] == world.asset


def test_api_lists_pages_usages_and_duplicates(client: FlaskClient, database: Database) -> None:
    ids = [create_asset(database, caption="rally", content_digest="pixels:same") for _ in range(3)]
    add_article(database, "Rally", [(ids[0], "The rally", None)])
    signed_in(client, database, "viewer")
    first = client.get("/api/photos?q=rally&limit=2").json
    assert [p["id"] for p in first["photos"]] == ids[:0:-1]
    second = client.get(f"/api/photos?q=rally&limit=2&page={first['next']}").json
    assert [p["id"] for p in second["photos"]] == [ids[0]] and second["next"] is None
    usages = client.get(f"/api/photos/{ids[0]}/usages").json["usages"]
    assert usages[0]["article"]["title"] == "Rally" and usages[0]["caption"] == "The rally"
    assert usages[0]["asset_id"] == ids[0] and usages[0]["role"]
    groups = client.get("/api/duplicates").json["groups"]
    assert [g["id"] for g in groups] == [f"g{ids[0]}"]
    assert groups[0]["master"] == ids[0] and groups[0]["level"] == "pixels"
    assert [m["asset_id"] for m in groups[0]["members"]] == ids
    assert [m["level"] for m in groups[0]["members"]] == ["master", "pixels", "pixels"]
    assert client.get("/api/duplicates?level=near").json == {"groups": []}
    bad = client.get("/api/duplicates?level=fuzzy")
    assert bad.status_code == 400 and "level" in bad.json["error"]
    assert client.get("/api/photos?used_min=x").status_code == 400


# --- Gallery ------------------------------------------------------------------------------


def test_gallery_search_filters_and_pages(
    config: LibraryConfig, database: Database, world: World
) -> None:
    app = make_app(config, PAGE_SIZE=2)
    client = app.test_client()
    others = [create_asset(database, caption=f"Street scene {i}", files=True) for i in range(3)]
    signed_in(client, database, "viewer")
    page = client.get("/").text
    assert page.count('loading="lazy"') == 2
    assert f"/photos/{others[2]}/thumb" in page and f"/photos/{others[1]}/thumb" in page
    assert f"after={others[1]}" in page
    second = client.get(f"/?after={others[1]}").text
    assert f"/photos/{others[0]}/thumb" in second and f"/photos/{world.asset}/thumb" in second
    found = client.get("/?q=harb").text
    assert f"/photos/{world.asset}/thumb" in found and "Street scene" not in found
    assert "Street scene" in client.get("/?missing_credit=1").text
    assert "Street scene" not in client.get("/?used_min=1").text
    most_used = client.get("/?sort=most_used").text
    assert most_used.index(f"/photos/{world.asset}/thumb") < most_used.index("Street scene")
    assert "not a date" in client.get("/?taken_from=someday").text
    app.extensions["photodesk"].database.dispose()


# --- Bulk edit ----------------------------------------------------------------------------


def test_bulk_edit(client: FlaskClient, database: Database) -> None:
    a, b, c = (create_asset(database, credit="Staff", keywords=["city"]) for _ in range(3))
    signed_in(client, database, "editor", "ana")
    page = post(client, "/bulk", {"ids": [str(a), str(b)]})
    assert page.status_code == 200 and "Bulk edit 2 photos" in page.text
    response = post(
        client,
        "/bulk",
        {
            "ids": [str(a), str(b)],
            "op": "apply",
            "credit_mode": "append",
            "credit": "Reuters",
            "source_mode": "set",
            "source": "Wire",
            "keywords_mode": "append",
            "keywords": "protest, city",
            "archive_mode": "yes",
            "status": "approved",
        },
    )
    assert response.status_code == 303
    for asset_id in (a, b):
        saved = asset_values(database, asset_id)
        assert saved.credit == "Staff; Reuters" and saved.source == "Wire"
        assert saved.keywords == ["city", "protest"]
        assert saved.archive is True and saved.status == "approved" and saved.version == 2
    untouched = asset_values(database, c)
    assert untouched.credit == "Staff" and untouched.version == 1
    assert "Updated 2 of 2" in client.get("/").text
    assert {p["id"] for p in client.get("/api/photos?q=wire").json["photos"]} == {a, b}


def test_bulk_edit_needs_a_change_and_a_selection(client: FlaskClient, database: Database) -> None:
    a = create_asset(database)
    signed_in(client, database, "editor")
    assert post(client, "/bulk", {"ids": [str(a)], "op": "apply"}).status_code == 400
    assert post(client, "/bulk", {"op": "apply", "source_mode": "set"}).status_code == 303


def test_bulk_templates(client: FlaskClient, database: Database, config: LibraryConfig) -> None:
    a = create_asset(database)
    signed_in(client, database, "editor")
    saved = post(
        client,
        "/bulk",
        {
            "ids": str(a),
            "op": "save_template",
            "template_name": "Reuters wire",
            "credit_mode": "set",
            "credit": "Reuters",
            "status": "approved",
        },
    )
    assert saved.status_code == 200 and "Reuters wire" in saved.text
    with database.session_scope(write=False) as session:
        stored = templates.list_templates(session)
    assert stored["Reuters wire"]["credit"] == {"mode": "set", "value": "Reuters"}
    assert not (config.root / "bulk-templates.json").exists()
    loaded = post(
        client, "/bulk", {"ids": str(a), "op": "load_template", "template": "Reuters wire"}
    )
    form = form_fields(loaded.text, "/bulk")
    assert form["credit_mode"] == "set" and form["credit"] == "Reuters"
    assert form["status"] == "approved"
    form["op"] = "apply"
    assert client.post("/bulk", data=form).status_code == 303
    assert asset_values(database, a).credit == "Reuters"
    post(client, "/bulk", {"ids": str(a), "op": "delete_template", "template": "Reuters wire"})
    with database.session_scope(write=False) as session:
        assert templates.list_templates(session) == {}
    missing = post(client, "/bulk", {"ids": str(a), "op": "load_template", "template": "nope"})
    assert missing.status_code == 404


def test_templates_from_an_older_library_file_are_adopted_once(
    database: Database, config: LibraryConfig
) -> None:
    legacy = config.root / "bulk-templates.json"
    spec = {"credit": {"mode": "set", "value": "AFP"}, "archive": "keep", "status": ""}
    legacy.write_text(json.dumps({"AFP wire": spec, "": spec, "x" * 61: spec}))
    make_app(config)
    make_app(config)  # a second start imports nothing twice
    with database.session_scope(write=False) as session:
        assert templates.list_templates(session) == {"AFP wire": {"credit": spec["credit"]}}
    assert not legacy.exists() and legacy.with_name("bulk-templates.json.adopted").exists()


# --- Upload -------------------------------------------------------------------------------


def upload(client: FlaskClient, *files: tuple[bytes, str]) -> Any:
    return post(
        client,
        "/upload",
        {"files": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
    )


def uploaded(client: FlaskClient, *files: tuple[bytes, str]) -> Any:
    """Upload, follow the answer to the job's page once the job is over, and read it."""
    response = upload(client, *files)
    assert response.status_code == 303, response.text[:300]
    location = response.headers["Location"]
    assert location.startswith("/upload/")
    finished_job(client, location)
    return client.get(location)


def test_upload_ingests_and_reports_each_file(
    client: FlaskClient, database: Database, config: LibraryConfig
) -> None:
    signed_in(client, database, "editor")
    response = uploaded(client, (jpeg(1), "first.jpg"), (jpeg(2), "second photo.JPG"))
    assert response.status_code == 200
    assert response.text.count('badge ok">added<') == 2
    listing = client.get("/api/photos").json["photos"]
    assert sorted(p["name"] for p in listing) == ["first.jpg", "second photo.jpg"]
    assert f'href="/photos/{listing[0]["id"]}"' in response.text
    again = uploaded(client, (jpeg(1), "copy.jpg"))
    assert "already in the library" in again.text
    assert len(client.get("/api/photos").json["photos"]) == 2
    assert list((config.root / "uploads").iterdir()) == []
    # Known paths say who uploaded what, not the temporary folder it passed through.
    first = next(p for p in listing if p["name"] == "first.jpg")
    paths = client.get(f"/api/photos/{first['id']}").json["paths"]
    assert paths == ["upload:editor:first.jpg", "upload:editor:copy.jpg"]


@pytest.mark.parametrize(
    "data,name,reason",
    [
        (b"just some notes", "notes.txt", "not a photo type"),
        (b"%PDF-1.4 not a photo", "report.jpg", "not a JPEG image"),
        (jpeg(3), "../../escape.jpg", "contains a path"),
        (jpeg(3), "..\\escape.jpg", "hidden"),  # the form parser drops the backslash
        (jpeg(3), "/etc/escape.jpg", "contains a path"),
        (jpeg(3), ".hidden.jpg", "hidden"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 40, "photo.jpg", "looks like PNG"),
        (b"", "empty.jpg", "empty"),
    ],
)
def test_upload_refuses_bad_files(
    client: FlaskClient,
    database: Database,
    config: LibraryConfig,
    tmp_path: Path,
    data: bytes,
    name: str,
    reason: str,
) -> None:
    signed_in(client, database, "editor")
    before = {p for p in tmp_path.rglob("*")}
    response = upload(client, (data, name))
    assert response.status_code == 400
    assert "refused" in response.text and reason in response.text
    assert client.get("/api/photos").json["photos"] == []
    assert {p for p in tmp_path.rglob("*") if "escape" in p.name} == set()
    assert not (config.root / "uploads").exists() or not any((config.root / "uploads").iterdir())
    assert {p for p in tmp_path.rglob("*")} - before <= set(tmp_path.rglob("*"))


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("photo.JPG", "photo.jpg"),
        ("Crémieux 1.jpeg", "Crémieux 1.jpeg"),
        ("a;b|c<d>.png", "a_b_c_d_.png"),
        ("x" * 300 + ".jpg", "x" * 150 + ".jpg"),
        ("../up.jpg", None),
        ("..\\up.jpg", None),
        ("C:\\Users\\ana\\up.jpg", None),
        ("dir/up.jpg", None),
        ("..", None),
        (".bashrc", None),
        ("", None),
        ("nul\x00.jpg", None),
    ],
)
def test_safe_name(raw: str, expected: str | None) -> None:
    from webui.upload import UploadRefusedError, safe_name

    if expected is None:
        with pytest.raises(UploadRefusedError):
            safe_name(raw)
    else:
        assert safe_name(raw) == expected


def test_upload_mixed_good_and_bad(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "editor")
    response = uploaded(client, (jpeg(5), "good.jpg"), (b"nope", "bad.gif"))
    assert response.status_code == 200
    assert "added" in response.text and "refused" in response.text


def test_oversized_upload_is_refused(config: LibraryConfig, database: Database) -> None:
    app = make_app(config, MAX_UPLOAD_MB=1)
    client = app.test_client()
    signed_in(client, database, "editor")
    big = jpeg(7) + b"\0" * (1024 * 1024 + 10)
    response = upload(client, (big, "huge.jpg"))
    assert response.status_code == 413 and "at most 1 MB" in response.text
    assert client.get("/api/photos").json["photos"] == []
    app.extensions["photodesk"].database.dispose()


def test_upload_without_files(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "editor")
    assert post(client, "/upload", {}).status_code == 400


# --- Files --------------------------------------------------------------------------------


def test_downloads(
    client: FlaskClient, database: Database, world: World, config: LibraryConfig
) -> None:
    signed_in(client, database, "viewer")
    original = client.get(f"/photos/{world.asset}/download?size=original")
    stored = asset_values(database, world.asset)
    # A copy with the catalog's metadata written in (see test_webui_review for its contents).
    assert original.headers["X-Photodesk-Metadata"] == "written"
    assert original.data != Store(config.store_root).absolute(stored.store_path).read_bytes()
    assert "attachment" in original.headers["Content-Disposition"]
    assert stored.original_name in original.headers["Content-Disposition"]
    assert original.mimetype == "image/jpeg"
    web = client.get(f"/photos/{world.asset}/download?size=web")
    assert web.status_code == 200 and web.data[:3] == b"\xff\xd8\xff"
    assert "photo-1-web.jpg" in web.headers["Content-Disposition"]
    thumb = client.get(f"/photos/{world.asset}/thumb")
    assert "inline" in thumb.headers.get("Content-Disposition", "inline")
    assert "private" in thumb.headers["Cache-Control"]
    no_files = create_asset(database)
    assert client.get(f"/photos/{no_files}/thumb").status_code == 404
    assert client.get(f"/photos/{no_files}/download").status_code == 404


# --- Articles, reports, users ---------------------------------------------------------------


def test_articles_pages(client: FlaskClient, database: Database, world: World) -> None:
    signed_in(client, database, "viewer")
    listing = client.get("/articles").text
    assert "Morning news" in listing
    article = client.get(f"/articles/{world.article}").text
    assert "Dawn over the harbour" in article and "Desk Reporter" in article
    assert client.get("/articles/999").status_code == 404


def test_reports_show_recent_changes(client: FlaskClient, database: Database, world: World) -> None:
    signed_in(client, database, "auditor")
    page = client.get("/reports").text
    assert "Recent changes" in page and "setup" in page and "Headline" in page


def test_admin_adds_users(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "admin")
    assert (
        post(client, "/users", {"name": "cleo", "role": "auditor", "password": "pw"}).status_code
        == 400
    )
    common = post(client, "/users", {"name": "cleo", "role": "auditor", "password": "Qwerty12345"})
    assert common.status_code == 400 and "common passwords" in common.text
    ok = post(client, "/users", {"name": "cleo", "role": "auditor", "password": "long-password"})
    assert ok.status_code == 303
    assert "cleo" in client.get("/users").text
    again = post(client, "/users", {"name": "cleo", "role": "viewer", "password": "long-password"})
    assert again.status_code == 400 and "already" in again.text
