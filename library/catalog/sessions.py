"""Gallery sign-ins kept in the catalog: the cookie holds a random id, the catalog its hash.

A session exists until it expires or is ended: by signing out, or for all
of a user's sessions when the user is disabled or their password changes.
Only the SHA-256 of the id is stored, so a copy of the catalog cannot be
turned into a working cookie. Because the catalog is shared, every gallery
process of a library (on any machine) sees the same sign-ins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from library.db.models import User, WebSession, utcnow

#: Longer than any address, IPv6 with a zone included, that a proxy could report.
_ADDRESS_LENGTH = 64


def start_session(
    session: Session, user: User, lifetime: timedelta, address: str | None = None
) -> str:
    """A new session for the user; returns the id for the cookie (shown only here).

    Expired sessions of every user are removed on the way, so the table holds
    only live sign-ins without a separate clean-up job.
    """
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_hash(session_id),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            address=(address or None) and address[:_ADDRESS_LENGTH],
        )
    )
    session.flush()
    return session_id


def session_user(session: Session, session_id: str) -> User | None:
    """The enabled user a live session id belongs to, or None (unknown, ended or expired)."""
    if not session_id:
        return None
    row = session.get(WebSession, _hash(session_id))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return user


def end_session(session: Session, session_id: str) -> None:
    """Sign one browser out; a copy of its cookie is worthless from now on."""
    if session_id:
        session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))


def end_user_sessions(session: Session, user_id: int) -> int:
    """Sign a user out everywhere; returns how many sessions were ended."""
    ended = session.scalar(
        select(func.count()).select_from(WebSession).where(WebSession.user_id == user_id)
    )
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(ended or 0)


def live_sessions(session: Session, now: datetime | None = None) -> dict[int, int]:
    """user id → number of unexpired sessions, for the admin page."""
    moment = now or utcnow()
    rows = session.execute(
        select(WebSession.user_id, func.count())
        .where(WebSession.expires_at > moment)
        .group_by(WebSession.user_id)
    )
    return {user_id: int(count) for user_id, count in rows}


def _hash(session_id: str) -> str:
    # 256 random bits: a plain SHA-256 cannot be reversed and keeps the lookup a key read.
    return hashlib.sha256(session_id.encode()).hexdigest()
