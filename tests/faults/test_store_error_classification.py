"""Which failures are the store's (one clear line, 503, safe to retry) and which are not."""

from __future__ import annotations

import errno
import sqlite3

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from domain.errors import NotFoundError
from service.store_errors import (
    StoreBusyError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailableError,
    store_error,
)


def _wrapped(cause: BaseException) -> OperationalError:
    """As eventsourcing raises it: its own class, the driver's error as the cause."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        (sqlite3.OperationalError("database or disk is full"), StoreFullError, "could not write"),
        (sqlite3.OperationalError("disk I/O error"), StoreFullError, "file-size limit"),
        (sqlite3.OperationalError("database is locked"), StoreBusyError, "busy"),
        (sqlite3.OperationalError("attempt to write a readonly database"), StoreReadOnlyError, "permissions"),
        (psycopg.errors.DiskFull("could not extend file"), StoreFullError, "out of space"),
        (
            psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
            StoreReadOnlyError,
            "send writes to the primary",
        ),
        (
            psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
            StoreUnavailableError,
            "not available",
        ),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), StoreBusyError, "busy"),
        (
            psycopg.OperationalError(
                'connection failed: connection to server at "127.0.0.1", port 1 failed: '
                "Connection refused\n\tIs the server running on that host?"
            ),
            StoreUnavailableError,
            "(connection refused)",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), StoreFullError, "out of space"),
    ],
)
def test_store_failures_become_one_clear_line(cause: BaseException, kind: type, words: str) -> None:
    for raised in (cause, _wrapped(cause)):
        failure = store_error(raised, "db:5432/ledger (schema ledger)")
        assert type(failure) is kind, raised
        assert failure is not None and failure.status == 503
        message = str(failure)
        assert words in message and "\n" not in message and "db:5432/ledger" in message


def test_a_pool_that_cannot_connect_is_the_store_being_unavailable() -> None:
    import psycopg_pool

    failure = store_error(_wrapped(psycopg_pool.PoolTimeout("couldn't get a connection after 30.00 sec")))
    assert isinstance(failure, StoreUnavailableError) and "couldn't get a connection" in str(failure)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("duplicate key value violates unique constraint"),  # a write conflict: retried, not a 503
        psycopg.errors.UniqueViolation("duplicate key"),
        NotFoundError("no patient P1"),
        ValueError("not a store error"),
        sqlite3.OperationalError("no such table: stored_events"),
    ],
)
def test_other_failures_are_left_alone(error: BaseException) -> None:
    assert store_error(error) is None
