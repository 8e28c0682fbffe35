"""Users, roles, passwords, API tokens and server-side sessions (library/catalog/users.py, sessions.py)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from library.catalog import users
from library.db.engine import Database
from library.db.models import ApiToken, User


def test_roles_grant_what_the_desk_agreed() -> None:
    viewer, editor, auditor, admin = (users.PERMISSIONS[r] for r in users.ROLES)
    assert viewer == {"read", "search", "download"}
    assert editor - viewer == {
        "edit",
        "upload",
        "decide_duplicates",
        "bulk_edit",
        "history",
        "server_paths",
        "run_jobs",
    }
    assert auditor - viewer == {"reports", "history", "resolve_findings"}
    assert admin >= editor | auditor and "manage_users" in admin and "manage_jobs" in admin
    assert {r for r in users.ROLES if "manage_jobs" in users.PERMISSIONS[r]} == {"admin"}
    assert not any("manage_users" in users.PERMISSIONS[r] for r in ("viewer", "editor", "auditor"))
    assert {r for r in users.ROLES if "server_paths" in users.PERMISSIONS[r]} == {"editor", "admin"}


@pytest.mark.parametrize(
    "role,permission,allowed",
    [
        ("viewer", "download", True),
        ("viewer", "edit", False),
        ("editor", "bulk_edit", True),
        ("editor", "reports", False),
        ("auditor", "history", True),
        ("auditor", "upload", False),
        ("admin", "manage_users", True),
        ("nobody", "read", False),
        (None, "read", False),
    ],
)
def test_can(role: str | None, permission: str, allowed: bool) -> None:
    assert users.can(role, permission) is allowed


def test_create_and_authenticate(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "s3cret-words").role == "editor"
        for name, password in [("ana", "wrong-words"), ("bob", "s3cret-words"), ("ana", "")]:
            with pytest.raises(users.AuthenticationError):
                users.authenticate(session, name, password)


def test_password_is_stored_salted_and_hashed(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "viewer", "same-password")
        users.create_user(session, "bob", "viewer", "same-password")
    with database.session_scope() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    assert all(h.startswith("scrypt$") and "same-password" not in h for h in hashes)
    assert hashes[0] != hashes[1]
    assert users.verify_password("same-password", hashes[0])


@pytest.mark.parametrize("stored", ["", "scrypt$1$2", "md5$x$y$z$a$b", "scrypt$x$8$1$!!$!!"])
def test_malformed_hash_never_matches(stored: str) -> None:
    assert users.verify_password("anything", stored) is False


def test_unknown_name_costs_a_hash_check(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda p, s: checked.append(s) or real(p, s))
    with database.session_scope() as session, pytest.raises(users.AuthenticationError):
        users.authenticate(session, "nobody", "whatever-pass")
    assert len(checked) == 1 and checked[0].startswith("scrypt$")


def test_disabled_user_cannot_sign_in_or_use_tokens(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        token = users.create_token(session, "ana")
        users.set_disabled(session, "ana", True)
    with database.session_scope() as session:
        with pytest.raises(users.AuthenticationError):
            users.authenticate(session, "ana", "s3cret-words")
        assert users.user_for_token(session, token) is None


@pytest.mark.parametrize(
    "name,role,password,error",
    [
        ("ana", "boss", "long-enough", users.InvalidUserError),
        ("ana", "viewer", "short", users.InvalidUserError),
        ("../ana", "viewer", "long-enough", users.InvalidUserError),
        ("", "viewer", "long-enough", users.InvalidUserError),
        ("taken", "viewer", "long-enough", users.UserExistsError),
    ],
)
def test_invalid_users_are_refused(
    database: Database, name: str, role: str, password: str, error: type[Exception]
) -> None:
    with database.session_scope() as session:
        users.create_user(session, "taken", "viewer", "long-enough")
    with database.session_scope() as session, pytest.raises(error):
        users.create_user(session, name, role, password)


def test_tokens_are_random_and_only_their_hash_is_stored(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        first = users.issue_token(session, "ana", "laptop").token
        second = users.issue_token(session, "ana", "ingest bot").token
    assert first != second and len(first) > 40
    with database.session_scope() as session:
        stored = set(session.scalars(select(ApiToken.token_hash)))
        assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}
        found = users.user_for_token(session, first)
        assert found is not None and found.name == "ana"
        assert users.user_for_token(session, first[:-1] + "x") is None
        assert users.user_for_token(session, "") is None


def test_token_use_is_recorded_only_when_asked(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        token = users.create_token(session, "ana")
    with database.session_scope() as session:
        users.user_for_token(session, token)
    with database.session_scope() as session:
        assert session.scalar(select(ApiToken.last_used_at)) is None
        users.user_for_token(session, token, touch=True)
    with database.session_scope() as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_token_for_unknown_user(database: Database) -> None:
    with database.session_scope() as session, pytest.raises(users.UserNotFoundError):
        users.create_token(session, "ghost")


# --- Passwords (issue 15, item 7) ------------------------------------------------------


@pytest.mark.parametrize(
    "password,problem",
    [
        ("nine-char", "at least 10"),
        ("          ", "empty or only spaces"),
        ("\t\t\t\t\t\t\t\t\t\t\t", "empty or only spaces"),
        ("password123", "common passwords"),
        ("PassWord123", "common passwords"),
        ("qwertyuiop", "common passwords"),
        ("1234567890", "common passwords"),
        ("Liverpool2024", "common passwords"),
        ("ana.sousa@desk", "user's name"),
    ],
)
def test_weak_passwords_are_refused(database: Database, password: str, problem: str) -> None:
    with database.session_scope() as session, pytest.raises(users.InvalidUserError) as caught:
        users.create_user(session, "ana.sousa@desk", "viewer", password)
    assert problem in str(caught.value)
    with database.session_scope() as session:
        users.create_user(session, "ana.sousa", "viewer", "a-perfectly-fine-one")
    with database.session_scope() as session, pytest.raises(users.InvalidUserError):
        users.set_password(session, "ana.sousa", password.replace("@desk", ""))


def test_the_shipped_list_has_a_few_thousand_entries() -> None:
    from library.catalog.passwords import common_passwords

    listed = common_passwords()
    assert 2000 <= len(listed) <= 20000
    assert all(entry == entry.casefold() and len(entry) >= 10 for entry in listed)


def test_set_password_changes_the_password(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        users.set_password(session, "ana", "another-long-one")
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "another-long-one").name == "ana"
        with pytest.raises(users.AuthenticationError):
            users.authenticate(session, "ana", "s3cret-words")
        with pytest.raises(users.UserNotFoundError):
            users.set_password(session, "ghost", "another-long-one")


# --- Tokens: name, expiry, last use, revocation (item 4) --------------------------------


def test_token_expires_after_its_days(database: Database) -> None:
    from datetime import timedelta

    from library.db.models import utcnow

    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        issued = users.issue_token(session, "ana")
    assert issued.name == users.DEFAULT_TOKEN_NAME
    expected = utcnow() + timedelta(days=users.DEFAULT_TOKEN_DAYS)
    assert abs((issued.expires_at - expected).total_seconds()) < 600
    with database.session_scope() as session:
        assert users.user_for_token(session, issued.token) is not None
        row = session.get(ApiToken, issued.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    with database.session_scope() as session:
        assert users.user_for_token(session, issued.token) is None
        assert [users.token_state(t) for t in users.list_tokens(session, "ana")] == ["expired"]


def test_issuing_a_token_again_under_its_name_revokes_the_old_one(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        old = users.issue_token(session, "ana", "laptop")
        other = users.issue_token(session, "ana", "bot", days=5)
        new = users.issue_token(session, "ana", "laptop")
    assert (old.replaced, new.replaced) == (0, 1)
    with database.session_scope() as session:
        assert users.user_for_token(session, old.token) is None
        assert users.user_for_token(session, new.token) is not None
        assert users.user_for_token(session, other.token) is not None
        states = {(t.id, t.name): users.token_state(t) for t in users.list_tokens(session, "ana")}
    assert states == {
        (old.id, "laptop"): "revoked",
        (other.id, "bot"): "active",
        (new.id, "laptop"): "active",
    }


def test_revoke_token(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
        users.create_user(session, "bob", "editor", "s3cret-words")
        issued = users.issue_token(session, "ana", "laptop")
    with database.session_scope() as session:
        with pytest.raises(users.TokenNotFoundError):
            users.revoke_token(session, "bob", issued.id)  # not bob's token
        with pytest.raises(users.TokenNotFoundError):
            users.revoke_token(session, "ana", issued.id + 1000)
        row = users.revoke_token(session, "ana", issued.id)
        first = row.revoked_at
        assert first is not None
        assert users.revoke_token(session, "ana", issued.id).revoked_at == first
    with database.session_scope() as session:
        assert users.user_for_token(session, issued.token) is None


@pytest.mark.parametrize("token_name,days", [("", 90), ("laptop", 0), ("laptop", 5000)])
def test_bad_token_name_or_days(database: Database, token_name: str, days: int) -> None:
    with database.session_scope() as session:
        users.create_user(session, "ana", "editor", "s3cret-words")
    with database.session_scope() as session, pytest.raises(users.InvalidUserError):
        users.issue_token(session, "ana", token_name, days)


def test_last_enabled_admin_cannot_be_disabled(database: Database) -> None:
    with database.session_scope() as session:
        users.create_user(session, "root", "admin", "s3cret-words")
    with database.session_scope() as session, pytest.raises(users.InvalidUserError):
        users.set_disabled(session, "root", True)
    with database.session_scope() as session:
        users.create_user(session, "deputy", "admin", "s3cret-words")
        users.set_disabled(session, "root", True)
        assert users.get_user(session, "root").disabled
        users.set_disabled(session, "root", False)
        assert not users.get_user(session, "root").disabled


# --- Server-side sessions (item 4) -----------------------------------------------------


def _user(database: Database, name: str = "ana") -> int:
    with database.session_scope() as session:
        return users.create_user(session, name, "editor", "s3cret-words").id


def test_session_lives_until_it_is_ended(database: Database) -> None:
    from datetime import timedelta

    from library.catalog import sessions
    from library.db.models import WebSession

    _user(database)
    with database.session_scope() as session:
        sid = sessions.start_session(
            session, users.get_user(session, "ana"), timedelta(hours=8), "10.0.0.7"
        )
    with database.session_scope() as session:
        found = sessions.session_user(session, sid)
        assert found is not None and found.name == "ana"
        assert sessions.session_user(session, sid + "x") is None
        stored = session.scalars(select(WebSession)).one()
        assert stored.id_hash == hashlib.sha256(sid.encode()).hexdigest() != sid
        assert stored.address == "10.0.0.7"
        sessions.end_session(session, sid)
    with database.session_scope() as session:
        assert sessions.session_user(session, sid) is None


def test_expired_session_is_refused_and_cleared_at_the_next_sign_in(database: Database) -> None:
    from datetime import timedelta

    from library.catalog import sessions
    from library.db.models import WebSession, utcnow

    _user(database)
    with database.session_scope() as session:
        ana = users.get_user(session, "ana")
        old = sessions.start_session(session, ana, timedelta(hours=8))
        session.scalars(select(WebSession)).one().expires_at = utcnow() - timedelta(seconds=1)
    with database.session_scope() as session:
        assert sessions.session_user(session, old) is None
        sessions.start_session(session, users.get_user(session, "ana"), timedelta(hours=8))
    with database.session_scope() as session:
        assert len(session.scalars(select(WebSession)).all()) == 1


@pytest.mark.parametrize("how", ["disable", "password"])
def test_disabling_or_new_password_ends_every_session_of_that_user(
    database: Database, how: str
) -> None:
    from datetime import timedelta

    from library.catalog import sessions

    _user(database, "ana")
    _user(database, "bob")
    with database.session_scope() as session:
        ana, bob = users.get_user(session, "ana"), users.get_user(session, "bob")
        laptop = sessions.start_session(session, ana, timedelta(hours=8))
        phone = sessions.start_session(session, ana, timedelta(hours=8))
        other = sessions.start_session(session, bob, timedelta(hours=8))
        assert sessions.live_sessions(session) == {ana.id: 2, bob.id: 1}
    with database.session_scope() as session:
        if how == "disable":
            users.set_disabled(session, "ana", True)
            users.set_disabled(session, "ana", False)
        else:
            users.set_password(session, "ana", "a-brand-new-secret")
    with database.session_scope() as session:
        assert sessions.session_user(session, laptop) is None
        assert sessions.session_user(session, phone) is None
        assert sessions.session_user(session, other) is not None
