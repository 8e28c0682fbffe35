"""People who sign in to the gallery and the API: roles, passwords and bearer tokens.

Roles are data (`PERMISSIONS`), so the web app asks `can(role, "edit")` and
never compares role names. Passwords are hashed with scrypt and a per-user
salt; tokens are random and only their SHA-256 is stored, so a leaked
catalog reveals neither.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.models import ApiToken, User, utcnow
from library.errors import InvalidValueError, PhotodeskError

_READ = frozenset({"read", "search", "download"})

#: role → what it may do. "history" covers seeing who changed what; an editor
#: sees it too because reverting a change means choosing one from the history.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": _READ,
    "editor": _READ | {"edit", "upload", "decide_duplicates", "bulk_edit", "history"},
    "auditor": _READ | {"reports", "history"},
    "admin": _READ
    | {"edit", "upload", "decide_duplicates", "bulk_edit", "history", "reports", "manage_users"},
}

ROLES: tuple[str, ...] = tuple(PERMISSIONS)

#: scrypt cost: 16 MiB of memory and about 50 ms per check on a laptop, so a
#: stolen catalog costs an attacker real money per guess.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 2**14, 8, 1, 32
_MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
#: A token used within this window is not written again, so reads stay reads.
_TOUCH_INTERVAL = timedelta(minutes=15)


class UserExistsError(PhotodeskError):
    """A user with that name already exists."""


class UserNotFoundError(PhotodeskError):
    """No user has that name."""


class AuthenticationError(PhotodeskError):
    """The name or password is wrong, or the account is disabled."""


class InvalidUserError(InvalidValueError):
    """A user name, role or password is not acceptable."""


def can(role: str | None, permission: str) -> bool:
    """Whether a role may do something; unknown roles may do nothing."""
    return role is not None and permission in PERMISSIONS.get(role, frozenset())


def hash_password(password: str) -> str:
    """One self-describing string: algorithm, cost parameters, salt and digest."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN)
    return "$".join(
        ["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)]
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
    if len(password) < _MIN_PASSWORD:
        raise InvalidUserError(f"a password needs at least {_MIN_PASSWORD} characters")
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
    """Disabling keeps the user's name in the history but stops sign-in and tokens."""
    user = get_user(session, name)
    user.disabled = disabled
    return user


def authenticate(session: Session, name: str, password: str) -> User:
    """The user for a name and password; the same error (and time) for every failure."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    ok = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is None or not ok or user.disabled:
        raise AuthenticationError("wrong name or password")
    return user


def create_token(session: Session, name: str) -> str:
    """A new bearer token for a user; shown once, then only its hash exists."""
    user = get_user(session, name)
    token = "pd_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str, touch: bool = False) -> User | None:
    """The enabled user a token belongs to, or None.

    With ``touch`` the token's last use is recorded (at most every 15 minutes);
    callers in a read-only transaction leave it off.
    """
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    now = utcnow()
    if touch and (row.last_used is None or now - row.last_used > _TOUCH_INTERVAL):
        row.last_used = now
    return user


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
