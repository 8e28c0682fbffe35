"""Transient database errors (a deadlock, a dropped connection) are retried; others are not."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from library.db.engine import Database
from library.errors import DatabaseError

pytestmark = pytest.mark.usefixtures("backend")


def only_postgresql(database: Database) -> None:
    if database.config.is_sqlite:
        pytest.skip("SQLite has one writer at a time and no server to lose")


def make_table(database: Database) -> None:
    with database.session_scope() as session:
        session.execute(text("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER)"))
        session.execute(text("INSERT INTO counters VALUES (1, 0), (2, 0)"))


def test_a_deadlock_is_run_again(database: Database) -> None:
    only_postgresql(database)
    make_table(database)
    both_hold_one = threading.Barrier(2, timeout=60)
    attempts: list[str] = []
    errors: list[BaseException] = []

    def crosswise(first: int, second: int, name: str) -> None:
        def work(session: Session) -> None:
            attempts.append(name)
            session.execute(text("UPDATE counters SET n = n + 1 WHERE id = :i"), {"i": first})
            if attempts.count(name) == 1:
                both_hold_one.wait()  # each holds one row and now wants the other's
            session.execute(text("UPDATE counters SET n = n + 1 WHERE id = :i"), {"i": second})

        try:
            database.run_transaction(work)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=crosswise, args=(1, 2, "a")),
        threading.Thread(target=crosswise, args=(2, 1, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(attempts) == 3  # PostgreSQL broke the deadlock by failing one of them
    with database.session_scope(write=False) as session:
        assert session.execute(text("SELECT n FROM counters ORDER BY id")).scalars().all() == [2, 2]


def terminate_own_backend(session: Session, database: Database) -> None:
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    with database.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()


def test_a_dropped_connection_is_run_again(database: Database) -> None:
    only_postgresql(database)
    make_table(database)
    attempts: list[int] = []

    def work(session: Session) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            terminate_own_backend(session, database)
        session.execute(text("UPDATE counters SET n = n + 1 WHERE id = 1"))
        return len(attempts)

    assert database.run_transaction(work) == 2
    with database.session_scope(write=False) as session:
        assert session.execute(text("SELECT n FROM counters WHERE id = 1")).scalar() == 1


def test_a_lasting_fault_ends_in_one_line(database: Database) -> None:
    only_postgresql(database)

    def work(session: Session) -> None:
        terminate_own_backend(session, database)
        session.execute(text("SELECT 1"))

    with pytest.raises(DatabaseError) as raised:
        database.run_transaction(work, attempts=2, what="the test write")
    message = str(raised.value)
    assert "the test write failed 2 times" in message
    assert "\n" not in message


def test_other_errors_are_not_retried(database: Database) -> None:
    make_table(database)
    attempts: list[Any] = []

    def work(session: Session) -> None:
        attempts.append(1)
        session.execute(text("INSERT INTO counters VALUES (1, 5)"))

    with pytest.raises(IntegrityError):
        database.run_transaction(work)
    assert len(attempts) == 1


def test_ctrl_c_inside_a_statement_surfaces_as_the_interrupt(database: Database) -> None:
    """Ctrl-C while the server runs a statement ends the transaction as an interrupt.

    The driver cannot roll back while the cancelled statement still runs; that
    must not replace the KeyboardInterrupt the command line turns into "interrupted".
    """
    import signal

    only_postgresql(database)
    make_table(database)
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt), database.session_scope() as session:
            session.execute(text("UPDATE counters SET n = 5 WHERE id = 1"))
            session.execute(text("SELECT pg_sleep(3)"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # Nothing of the interrupted transaction is left, and the catalog still answers.
    with database.session_scope(write=False) as session:
        assert session.scalar(text("SELECT n FROM counters WHERE id = 1")) == 0
