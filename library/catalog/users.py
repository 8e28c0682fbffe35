"""People who sign in to the gallery and the API: roles, passwords and bearer tokens.

Roles are data (`PERMISSIONS`), so the web app asks `can(role, "edit")` and
never compares role names. Passwords are hashed with scrypt and a per-user
salt; tokens are random and only their SHA-256 is stored, so a leaked
catalog reveals neither. Tokens carry a name and an expiry and can be
revoked; disabling a user or changing a password ends their gallery
sessions (library/catalog/sessions.py).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from library.catalog import sessions
from library.catalog.passwords import WeakPasswordError, check_password
from library.db.models import ApiToken, User, utcnow
from library.errors import InvalidValueError, PhotodeskError

_READ = frozenset({"read", "search", "download"})
_EDIT = frozenset({"edit", "upload", "decide_duplicates", "bulk_edit", "history", "run_jobs"})

#: role → what it may do. "history" covers seeing who changed what; an editor
#: sees it too because reverting a change means choosing one from the history.
#: "server_paths" is seeing where files sit on the server: for the people who
#: manage the files, not for every reader. "resolve_findings" is an auditor's verdict
#: on a reuse-audit finding (fixed, accepted, wrong). "run_jobs" is starting long work
#: from the gallery and following it; "manage_jobs" is seeing and cancelling everyone's.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": _READ,
    "editor": _READ | _EDIT | {"server_paths"},
    "auditor": _READ | {"reports", "history", "resolve_findings"},
    "admin": _READ
    | _EDIT
    | {"reports", "resolve_findings", "manage_users", "server_paths", "manage_jobs"},
}

ROLES: tuple[str, ...] = tuple(PERMISSIONS)

#: scrypt cost: 16 MiB of memory and about 50 ms per check on a laptop, so a
#: stolen catalog costs an attacker real money per guess. Each hash records its own
#: cost, so raising this later leaves existing passwords valid; the test suite lowers
#: it, since it signs in thousands of users.
SCRYPT_N = 2**14
_SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 8, 1, 32
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
#: A token used within this window is not written again, so reads stay reads.
_TOUCH_INTERVAL = timedelta(minutes=15)
#: How long a new API token works unless told otherwise.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
DEFAULT_TOKEN_NAME = "api"
_TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@ -]{0,79}$")


class UserExistsError(PhotodeskError):
    """A user with that name already exists."""


class UserNotFoundError(PhotodeskError):
    """No user has that name."""


class AuthenticationError(PhotodeskError):
    """The name or password is wrong, or the account is disabled."""


class InvalidUserError(InvalidValueError):
    """A user name, role or password is not acceptable."""


class TokenNotFoundError(PhotodeskError):
    """The user has no API token with that id."""


@dataclass(frozen=True)
class IssuedToken:
    """A token as issued: the secret (shown once) and its row's id, name and expiry."""

    token: str
    id: int
    name: str
    expires_at: datetime
    replaced: int


def can(role: str | None, permission: str) -> bool:
    """Whether a role may do something; unknown roles may do nothing."""
    return role is not None and permission in PERMISSIONS.get(role, frozenset())


def hash_password(password: str) -> str:
    """One self-describing string: algorithm, cost parameters, salt and digest."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_password(password: str, stored: str) -> bool:
    """Compare in constant time; a malformed stored hash never matches."""
    try:
        algorithm, n, r, p, salt, digest = stored.split("$")
        if algorithm != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a
    wrong password and response times do not reveal which names exist."""
    return hash_password(secrets.token_urlsafe(16))


def create_user(session: Session, name: str, role: str, password: str) -> User:
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidUserError(
            f"{name!r}: a user name is 1-80 letters, digits, '.', '_', '@' or '-'"
        )
    if role not in PERMISSIONS:
        raise InvalidUserError(f"{role!r}: role must be one of {', '.join(ROLES)}")
    _acceptable(password, name)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserExistsError(f"there is already a user called {name}")
    user = User(name=name, role=role, password_hash=hash_password(password), disabled=False)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserNotFoundError(f"no user called {name}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def set_disabled(session: Session, name: str, disabled: bool) -> User:
    """Disabling keeps the user's name in the history but stops sign-in and tokens.

    Their gallery sessions end at once. The last enabled admin cannot be
    disabled, so there is always someone who can enable the others again.
    """
    user = get_user(session, name)
    if disabled and not user.disabled and user.role == "admin":
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.disabled.is_(False), User.id != user.id)
        )
        if not admins:
            raise InvalidUserError(f"{name} is the last enabled admin; add another admin first")
    user.disabled = disabled
    if disabled:
        sessions.end_user_sessions(session, user.id)
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> User:
    """A new password; every gallery session of the user ends, so an old sign-in
    (perhaps the reason for the change) stops working. API tokens stay: revoke
    those separately when they may be known too."""
    user = get_user(session, name)
    _acceptable(password, user.name)
    user.password_hash = hash_password(password)
    sessions.end_user_sessions(session, user.id)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User:
    """The user for a name and password; the same error (and time) for every failure."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    ok = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is None or not ok or user.disabled:
        raise AuthenticationError("wrong name or password")
    return user


def create_token(session: Session, name: str) -> str:
    """A new bearer token for a user with the default name and expiry (see `issue_token`)."""
    return issue_token(session, name).token


def issue_token(
    session: Session,
    user_name: str,
    token_name: str = DEFAULT_TOKEN_NAME,
    days: int = DEFAULT_TOKEN_DAYS,
) -> IssuedToken:
    """A new bearer token; shown once, then only its hash exists.

    A live token of the same user under the same name is revoked, so issuing
    a token again replaces it rather than leaving the old one valid.
    """
    user = get_user(session, user_name)
    token_name = token_name.strip()
    if not _TOKEN_NAME.match(token_name):
        raise InvalidUserError(
            f"{token_name!r}: a token name is 1-80 letters, digits, spaces, '.', '_', '@' or '-'"
        )
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidUserError(f"{days}: a token lasts 1 to {MAX_TOKEN_DAYS} days")
    now = utcnow()
    replaced = 0
    for old in session.scalars(
        select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.name == token_name, ApiToken.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now
        replaced += 1
    token = "pd_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_token_hash(token),
        name=token_name,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return IssuedToken(token, row.id, row.name, row.expires_at, replaced)


def list_tokens(session: Session, user_name: str) -> list[ApiToken]:
    """Every token of a user, newest first, revoked and expired ones included."""
    user = get_user(session, user_name)
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """ "active", "expired" or "revoked"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_token(session: Session, user_name: str, token_id: int) -> ApiToken:
    """Stop one of a user's tokens from working; revoking it again changes nothing."""
    user = get_user(session, user_name)
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise TokenNotFoundError(f"{user_name} has no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


def user_for_token(session: Session, token: str, touch: bool = False) -> User | None:
    """The enabled user a live token belongs to, or None (unknown, revoked or expired).

    With ``touch`` the token's last use is recorded (at most every 15 minutes);
    callers in a read-only transaction leave it off and use `record_token_use`
    in a write transaction of their own.
    """
    found = token_owner(session, token)
    if found is None:
        return None
    user, row = found
    if touch:
        record_token_use(session, row)
    return user


def token_owner(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The enabled user and the live token row for a bearer token, or None."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or token_state(row) != "active":
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return user, row


def token_use_is_stale(row: ApiToken, now: datetime | None = None) -> bool:
    """Whether the token's last use is unrecorded or older than the 15-minute grain."""
    moment = now or utcnow()
    return row.last_used_at is None or moment - row.last_used_at > _TOUCH_INTERVAL


def record_token_use(session: Session, row: ApiToken | int) -> None:
    """Note that a token was used now, unless that was noted within 15 minutes.

    Takes the row, or its id when the caller read it in another session.
    """
    token = session.get(ApiToken, row) if isinstance(row, int) else row
    now = utcnow()
    if token is not None and token_use_is_stale(token, now):
        token.last_used_at = now


def _acceptable(password: str, name: str) -> None:
    try:
        check_password(password, name)
    except WeakPasswordError as exc:
        raise InvalidUserError(str(exc)) from None


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 cannot be brute-forced and
    # lets the lookup use the unique index.
    return hashlib.sha256(token.encode()).hexdigest()


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=64 * 1024 * 1024
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
