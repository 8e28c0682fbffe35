"""`photodesk user disable|enable|passwd|token|tokens|revoke`, `photodesk setting` and the
report's links (issue 15 items 4 and 11, issue 14), through the real command line."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from library.catalog import sessions, users
from library.config import LibraryConfig
from library.db.engine import Database
from library.db.models import utcnow
from tests.webui.webutil import add_article, create_asset


def _user(database: Database, name: str, role: str = "editor") -> None:
    with database.session_scope() as session:
        users.create_user(session, name, role, "s3cret-words")


def _sign_in(database: Database, name: str) -> str:
    with database.session_scope() as session:
        return sessions.start_session(session, users.get_user(session, name), timedelta(hours=8))


def _signed_in(database: Database, session_id: str) -> bool:
    with database.session_scope(write=False) as session:
        return sessions.session_user(session, session_id) is not None


def test_disable_ends_sessions_and_enable_lets_back_in(run: Any, database: Database) -> None:
    _user(database, "ana")
    _user(database, "root", "admin")
    browser = _sign_in(database, "ana")
    result = run("user", "disable", "ana")
    assert result.exit_code == 0 and "disabled ana" in result.stdout
    assert not _signed_in(database, browser)
    assert "disabled" in run("user", "list").stdout
    assert run("user", "enable", "ana").exit_code == 0
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "s3cret-words").name == "ana"
    last = run("user", "disable", "root")
    assert last.exit_code == 1 and "last enabled admin" in last.stderr
    assert "Traceback" not in last.stderr and len(last.stderr.strip().splitlines()) == 1
    ghost = run("user", "enable", "ghost")
    assert ghost.exit_code == 1 and "no user called ghost" in ghost.stderr


def test_passwd_from_stdin_ends_sessions(run: Any, database: Database) -> None:
    _user(database, "ana")
    browser = _sign_in(database, "ana")
    result = run("user", "passwd", "ana", input="a-fresh-long-secret\n")
    assert result.exit_code == 0, result.stderr
    assert not _signed_in(database, browser)
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "a-fresh-long-secret").name == "ana"


@pytest.mark.parametrize(
    "password,message",
    [("short-pw", "at least 10"), ("            ", "only spaces"), ("Password2024", "common")],
)
def test_passwd_refuses_weak_passwords(
    run: Any, database: Database, password: str, message: str
) -> None:
    _user(database, "ana")
    result = run("user", "passwd", "ana", input=password + "\n")
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "s3cret-words").name == "ana"


def test_tokens_named_listed_and_revoked(run: Any, database: Database) -> None:
    _user(database, "ana")
    first = run("user", "token", "ana", "--name", "nightly", "--days", "30")
    assert first.exit_code == 0, first.stderr
    old = first.stdout.split()[-1]
    again = run("user", "token", "ana", "--name", "nightly")
    assert "revoked the previous 'nightly' token" in again.stderr
    new = again.stdout.split()[-1]
    laptop = run("user", "token", "ana", "--name", "laptop").stdout.split()[-1]
    with database.session_scope(write=False) as session:
        assert users.user_for_token(session, old) is None
        assert users.user_for_token(session, new) is not None
    listed = json.loads(run("user", "tokens", "ana", "--json").stdout)
    assert [(t["name"], t["state"]) for t in listed] == [
        ("laptop", "active"),
        ("nightly", "active"),
        ("nightly", "revoked"),
    ]
    expires = {t["name"]: t["expires_at"] for t in listed if t["state"] == "active"}
    assert expires["laptop"][:10] == (utcnow() + timedelta(days=90)).date().isoformat()
    text = run("user", "tokens", "ana").stdout
    assert "laptop" in text and old not in text and new not in text
    laptop_id = next(t["id"] for t in listed if t["name"] == "laptop")
    assert run("user", "revoke", "ana", str(laptop_id)).exit_code == 0
    with database.session_scope(write=False) as session:
        assert users.user_for_token(session, laptop) is None
    missing = run("user", "revoke", "ana", "999")
    assert missing.exit_code == 1 and "ana has no API token 999" in missing.stderr
    bad = run("user", "token", "ana", "--days", "0")
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr


def test_setting_base_url(run: Any, database: Database) -> None:
    assert "base-url is not set" in run("setting", "base-url").stderr
    stored = run("setting", "base-url", "https://photos.example.org/")
    assert stored.exit_code == 0 and "https://photos.example.org" in stored.stdout
    assert run("setting", "base-url").stdout.strip() == "https://photos.example.org"
    bad = run("setting", "base-url", "javascript:alert(1)")
    assert bad.exit_code == 1 and "base URL" in bad.stderr
    assert run("setting", "base-url", "--unset").exit_code == 0
    assert "not set" in run("setting", "base-url").stderr


def test_report_links_come_from_the_option_or_the_setting(run: Any, database: Database) -> None:
    photo = create_asset(database, caption="Harbour")
    add_article(database, "Morning news", [(photo, "Dawn over the harbour", None)])
    add_article(database, "Evening news", [(photo, "Dusk over the harbour", None)])
    plain = run("report", "reuse", "--format", "html")
    assert plain.exit_code == 0 and f"Photo {photo}" in plain.stdout
    assert "<a " not in plain.stdout and "/photos/" not in plain.stdout
    given = run("report", "reuse", "--format", "csv", "--base-url", "https://a.example")
    assert f"https://a.example/photos/{photo}" in given.stdout
    run("setting", "base-url", "https://b.example/desk")
    stored = json.loads(run("report", "reuse", "--format", "json").stdout)
    assert stored["photos"][0]["link"] == f"https://b.example/desk/photos/{photo}"
    bad = run("report", "reuse", "--base-url", "not a url")
    assert bad.exit_code == 2 and "base URL" in bad.stderr


def test_serve_options_reach_the_app(
    run: Any, config: LibraryConfig, database: Database, served: list[dict[str, Any]]
) -> None:
    result = run("serve", "--behind-proxy", "--base-url", "https://photos.example.org/")
    assert result.exit_code == 0, result.stderr
    app = served[0]["app"]
    assert app.config["BEHIND_PROXY"] and app.config["SESSION_COOKIE_SECURE"]
    assert app.config["BASE_URL"] == "https://photos.example.org"
    page = app.test_client().get(
        "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.1"}
    )
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
