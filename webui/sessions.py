"""The browser side of server-side sessions: the cookie carries only a session id.

Flask's signed cookie still holds the CSRF token and flashed messages, but
who is signed in is decided by the id's row in the catalog
(library/catalog/sessions.py): signing out deletes it, so a copy of the
cookie taken earlier signs nobody in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, request, session

from library.catalog import sessions
from library.db.models import User
from webui.db import get_session, read_session

#: The cookie key holding the session id.
SESSION_ID = "sid"


def begin(user: User) -> None:
    """Sign this browser in as ``user`` with a fresh session and a fresh cookie.

    Nothing from before survives (a planted CSRF token or session id), and a
    session this browser still had is ended rather than left to expire.
    """
    end()
    session.permanent = True
    lifetime = timedelta(minutes=current_app.config["SESSION_LIFETIME_MINUTES"])
    session[SESSION_ID] = sessions.start_session(get_session(), user, lifetime, request.remote_addr)


def end() -> None:
    """Sign this browser out: its session row is deleted, then the cookie cleared."""
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        sessions.end_session(get_session(), session_id)
    session.clear()


def user() -> User | None:
    """The user of this browser's live session; a dead session clears the cookie."""
    session_id = session.get(SESSION_ID)
    if session_id is None:
        return None
    found = (
        sessions.session_user(read_session(), session_id) if isinstance(session_id, str) else None
    )
    if found is None:
        session.clear()
        flash("Your session has ended. Please sign in again.", "info")
    return found
