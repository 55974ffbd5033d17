"""Opening the event store for a command, failing fast and in one line when it cannot be reached.

PostgreSQL is probed with a short connect timeout first (the library's pool would wait 30 s on a
closed port). Read-only commands refuse an SQLite file that does not exist instead of creating an
empty store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.errors import StoreUnavailableError, first_line, is_store_error

if TYPE_CHECKING:
    from service.ledger import BenefitLedger
    from service.settings import Settings, StoreConfig

CONNECT_TIMEOUT_SECONDS = 5


def probe(config: StoreConfig, *, must_exist: bool) -> None:
    """Raise StoreUnavailableError unless the store answers (PostgreSQL) or exists (SQLite, if required)."""
    if config.kind == "sqlite":
        path = config.env["SQLITE_DBNAME"]
        if must_exist and path != ":memory:" and not path.startswith("file:") and not Path(path).exists():
            raise StoreUnavailableError(
                f"no ledger store at {path} (set LEDGER_DATABASE_URL or --database-url, "
                f"or create one with 'ledger demo' or 'ledger import')"
            )
        return
    import psycopg

    env = config.env
    try:
        psycopg.connect(config.conninfo(), connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
    except psycopg.Error as exc:
        raise StoreUnavailableError(
            f"cannot connect to PostgreSQL at {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']} "
            f"(database {env['POSTGRES_DBNAME']}): {first_line(exc)}"
        ) from None


@contextmanager
def open_ledger(settings: Settings, *, must_exist: bool = True) -> Iterator[BenefitLedger]:
    """The ledger application on the configured store, closed afterwards."""
    from service.ledger import BenefitLedger

    probe(settings.store, must_exist=must_exist)
    try:
        ledger = BenefitLedger.from_settings(settings)
    except Exception as exc:
        if is_store_error(exc):
            raise StoreUnavailableError(f"cannot open the store: {first_line(exc)}") from None
        raise
    try:
        yield ledger
    finally:
        ledger.close()


def open_views(config: StoreConfig) -> Any:
    """The projections' view store beside the event store."""
    from projections.store import open_store

    return open_store(config)
