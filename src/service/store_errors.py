"""The event store failing, as one clear error: unreachable, out of space, read-only or busy.

`store_error(exc)` classifies an exception raised anywhere under a ledger call (eventsourcing
wraps psycopg and sqlite3 errors; the original is its `__cause__`) and returns a
`StoreUnavailableError` with a one-line message, or None when the exception is not about the
store. Entry points use it: the CLI prints the message and exits 2; the API answers 503
problem+json. `check_reachable(config)` connects once with a short timeout so that a server that
is down is reported at once, naming host, port and the reason, instead of after the connection
pool's timeout.

A command that failed this way may or may not have been recorded (a connection can drop after
COMMIT was sent): retrying it with the same command id is always safe, since the first result
is stored with the events and a retry returns it.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

from domain.errors import LedgerError
from service.settings import StoreConfig

CHECK_TIMEOUT_S = 5
RETRY_HINT = "a command is safe to retry with the same command id"


class StoreUnavailableError(LedgerError):
    """The event store cannot be reached or cannot write; the command can be retried as is."""

    status = 503
    title = "Event store unavailable"


class StoreFullError(StoreUnavailableError):
    title = "Event store cannot write (disk full)"


class StoreReadOnlyError(StoreUnavailableError):
    title = "Event store is read-only"


class StoreBusyError(StoreUnavailableError):
    title = "Event store busy"


_FULL_SQLSTATES = {"53100"}  # disk_full
_READ_ONLY_SQLSTATES = {"25006"}  # read_only_sql_transaction (a hot standby, or default_transaction_read_only)
_BUSY_SQLSTATES = {"55P03", "53300", "57014"}  # lock_not_available, too_many_connections, query_canceled
_DOWN_SQLSTATE_PREFIXES = ("08", "57P", "53")  # connection exception, shutdown / cannot connect now, resources


def store_error(exc: BaseException, where: str = "") -> StoreUnavailableError | None:
    """The store failure behind `exc` as one clear error, or None if `exc` is not a store failure."""
    if isinstance(exc, StoreUnavailableError):
        return exc
    place = f" at {where}" if where else ""
    chain = list(_causes(exc))
    for cause in chain:
        found = _classify(cause, place)
        if found is not None:
            return found
    if any(
        type(c).__module__.startswith(("eventsourcing", "psycopg"))
        and type(c).__name__ in ("OperationalError", "InterfaceError", "PoolTimeout")
        for c in chain
    ):
        return StoreUnavailableError(f"the event store{place} did not answer ({_first_line(exc)}); {RETRY_HINT}")
    return None


def check_reachable(config: StoreConfig, timeout_s: int = CHECK_TIMEOUT_S) -> None:
    """Connect once to a PostgreSQL store (nothing to do for SQLite); raise StoreUnavailableError if it fails."""
    if config.kind != "postgres":
        return
    import psycopg

    try:
        psycopg.connect(config.conninfo(), connect_timeout=max(1, int(timeout_s))).close()
    except psycopg.Error as exc:
        found = store_error(exc, location(config))
        raise (
            found
            or StoreUnavailableError(
                f"the event store at {location(config)} refused the connection: {_first_line(exc)}"
            )
        ) from exc


def location(config: StoreConfig) -> str:
    """host:port/db (schema) or the SQLite file: where the store is, without the password."""
    env = config.env
    if config.kind == "postgres":
        return f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']} (schema {config.schema})"
    return str(env.get("SQLITE_DBNAME", ""))


def _classify(exc: BaseException, place: str) -> StoreUnavailableError | None:
    sqlstate = getattr(exc, "sqlstate", None)
    text = _first_line(exc)
    lowered = text.lower()
    if sqlstate in _FULL_SQLSTATES or (
        isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    ):
        return StoreFullError(f"the event store{place} is out of space ({text}); nothing was recorded; {RETRY_HINT}")
    if sqlstate in _READ_ONLY_SQLSTATES:
        return StoreReadOnlyError(
            f"the event store{place} is read-only ({text}): a hot standby takes reads only; send writes to the primary"
        )
    if "readonly database" in lowered:
        return StoreReadOnlyError(f"the event store{place} is read-only ({text}): check the file's permissions")
    if sqlstate in _BUSY_SQLSTATES or "database is locked" in lowered:
        return StoreBusyError(f"the event store{place} is busy ({text}); {RETRY_HINT}")
    if isinstance(exc, sqlite3.Error):
        if "disk is full" in lowered or "disk i/o error" in lowered:
            return StoreFullError(
                f"the event store{place} could not write ({text}: disk full, a file-size limit "
                f"or a failing disk); nothing was recorded; {RETRY_HINT}"
            )
        if "unable to open database" in lowered:
            return StoreUnavailableError(f"the event store{place} cannot be opened ({text})")
        return None
    if sqlstate and sqlstate.startswith(_DOWN_SQLSTATE_PREFIXES):
        return StoreUnavailableError(f"the event store{place} is not available ({text}); {RETRY_HINT}")
    if _is_psycopg_connection_error(exc):
        return StoreUnavailableError(f"the event store{place} does not answer ({_reason(text)}); {RETRY_HINT}")
    return None


def _is_psycopg_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not getattr(exc, "sqlstate", None)


def _reason(text: str) -> str:
    """libpq's long 'connection to server at "h", port p failed: Connection refused' -> 'connection refused'."""
    for known in (
        "Connection refused",
        "timeout expired",
        "server closed the connection unexpectedly",
        "could not translate host name",
        "No route to host",
        "couldn't get a connection",
    ):
        if known.lower() in text.lower():
            return known[0].lower() + known[1:]
    return text


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0].strip() if text else type(exc).__name__)[:300]
