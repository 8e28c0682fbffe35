"""The request's catalog session: opened on first use, closed at teardown.

GET requests read in a deferred transaction that never blocks a writer; other
methods get a write session, which on SQLite starts with BEGIN IMMEDIATE, so a
form post waits for a running ingest batch at its start instead of failing
half-way. Views commit explicitly before they redirect; whatever is left at
teardown is rolled back, so a view that fails writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g, request

from library.catalog.store import Store
from library.db.engine import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from webui.security import RateLimiter

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebState:
    """What the app keeps for its lifetime: the open library, the login limiter, and
    where jobs run (a broker's URL, or None for this process with ``job_workers``)."""

    database: Database
    store: Store
    limiter: RateLimiter
    broker: str | None = None
    job_workers: int = 0

    @property
    def root(self) -> Path:
        return self.database.config.root


def state() -> WebState:
    web_state: WebState = current_app.extensions["photodesk"]
    return web_state


def get_session() -> Session:
    session: Session | None = g.get("db_session")
    if session is None:
        session = state().database.session(write=request.method not in SAFE_METHODS)
        g.db_session = session
    return session


def read_session() -> Session:
    """A read-only session for this request, whatever its method.

    Sign-in checks run before the view on every request; on a form post they
    must not open the write transaction, or SQLite's lock would be held while
    the view still validates its input. On safe methods it is the request's
    session itself.
    """
    if request.method in SAFE_METHODS:
        return get_session()
    session: Session | None = g.get("db_read_session")
    if session is None:
        session = state().database.session(write=False)
        g.db_read_session = session
    return session


def commit() -> None:
    session: Session | None = g.get("db_session")
    if session is not None:
        session.commit()


def release() -> None:
    """Commit and close the request session early, before long work in other transactions.

    An upload runs the ingest pipeline, which writes in its own transactions;
    on SQLite our write session would otherwise hold the lock it waits for.
    """
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        try:
            session.commit()
        finally:
            session.close()


def close_session(_exc: BaseException | None = None) -> None:
    for key in ("db_session", "db_read_session"):
        session: Session | None = g.pop(key, None)
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()
