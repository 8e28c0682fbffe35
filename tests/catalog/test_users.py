"""Users, roles, password hashing and API tokens (library/users.py)."""

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
    assert editor - viewer == {"edit", "upload", "decide_duplicates", "bulk_edit", "history"}
    assert auditor - viewer == {"reports", "history"}
    assert admin >= editor | auditor and "manage_users" in admin
    assert not any("manage_users" in users.PERMISSIONS[r] for r in ("viewer", "editor", "auditor"))


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
        first = users.create_token(session, "ana")
        second = users.create_token(session, "ana")
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
        assert session.scalar(select(ApiToken.last_used)) is None
        users.user_for_token(session, token, touch=True)
    with database.session_scope() as session:
        assert session.scalar(select(ApiToken.last_used)) is not None


def test_token_for_unknown_user(database: Database) -> None:
    with database.session_scope() as session, pytest.raises(users.UserNotFoundError):
        users.create_token(session, "ghost")
