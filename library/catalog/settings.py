"""Library-wide settings kept in the catalog, so every process and machine sees the same.

Each setting has a name and a check; an unknown name or a bad value is an
InvalidValueError naming it. Today there is one: ``base-url``, the public
address of the gallery, which report links are built on (never the Host
header of whoever asked).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from library.db.models import Setting
from library.errors import InvalidValueError

BASE_URL = "base-url"


def normalize_base_url(value: str) -> str:
    """An absolute http(s) URL without query or fragment, and without a trailing slash."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValueError(f"{value!r}: a base URL starts with https:// (or http://)")
    if parts.query or parts.fragment or any(c.isspace() for c in text):
        raise InvalidValueError(f"{value!r}: a base URL has no spaces, '?' or '#'")
    return text.rstrip("/")


#: setting name → the function that checks and normalises a value.
SETTINGS: dict[str, Callable[[str], str]] = {BASE_URL: normalize_base_url}


def _known(name: str) -> str:
    if name not in SETTINGS:
        raise InvalidValueError(f"{name!r}: unknown setting (known: {', '.join(SETTINGS)})")
    return name


def get_setting(session: Session, name: str) -> str | None:
    row = session.get(Setting, _known(name))
    return row.value if row else None


def set_setting(session: Session, name: str, value: str | None) -> str | None:
    """Store a checked value (None or "" removes the setting); returns what is stored."""
    row = session.get(Setting, _known(name))
    if value is None or not value.strip():
        if row is not None:
            session.delete(row)
        session.flush()
        return None
    checked = SETTINGS[name](value)
    if row is None:
        session.add(Setting(key=name, value=checked))
    else:
        row.value = checked
    session.flush()
    return checked


def all_settings(session: Session) -> dict[str, str | None]:
    return {name: get_setting(session, name) for name in SETTINGS}
