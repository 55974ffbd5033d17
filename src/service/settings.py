"""Where the ledger keeps its events, from one environment variable.

LEDGER_DATABASE_URL:
  sqlite:///var/ledger.db          (the default: an embedded file, no server)
  sqlite:///:memory:               (tests)
  postgresql://user:pw@host:5432/db?schema=ledger   (production)

LEDGER_CHAIN_KEY (optional): HMAC key of the events' hash chain (docs/tamper-evidence.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from domain.errors import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///var/ledger.db"
# eventsourcing's recorders plus a per-stream hash chain (docs/tamper-evidence.md)
SQLITE_MODULE = "service.chained_persistence.sqlite"
POSTGRES_MODULE = "service.chained_persistence.postgres"


@dataclass(frozen=True)
class StoreConfig:
    url: str
    kind: str  # "sqlite" or "postgres"
    env: dict[str, str]  # eventsourcing environment for the application
    schema: str = "public"

    def conninfo(self) -> str:
        """psycopg connection string (PostgreSQL only)."""
        e = self.env
        return (
            f"host={e['POSTGRES_HOST']} port={e['POSTGRES_PORT']} dbname={e['POSTGRES_DBNAME']} "
            f"user={e['POSTGRES_USER']} password={e['POSTGRES_PASSWORD']}"
        )

    def sibling_sqlite_path(self, suffix: str) -> str:
        """A separate SQLite file next to the event store (projections need their own file)."""
        path = self.env["SQLITE_DBNAME"]
        if path == ":memory:" or path.startswith("file:"):
            return path
        return str(Path(path).with_name(Path(path).stem + f".{suffix}.db"))


def database_url() -> str:
    return os.environ.get("LEDGER_DATABASE_URL", DEFAULT_DATABASE_URL)


def store_config(url: str | None = None) -> StoreConfig:
    url = url or database_url()
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path.removeprefix("/"))
        if not path:
            raise ValidationError(f"LEDGER_DATABASE_URL {url!r}: give a file, e.g. sqlite:///var/ledger.db")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return StoreConfig(url, "sqlite", {"PERSISTENCE_MODULE": SQLITE_MODULE, "SQLITE_DBNAME": path})
    if parsed.scheme in ("postgres", "postgresql"):
        schema = parse_qs(parsed.query).get("schema", ["public"])[0]
        env = {
            "PERSISTENCE_MODULE": POSTGRES_MODULE,
            "POSTGRES_DBNAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": "5",  # seconds; an outage fails fast instead of after 30 s
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "8",
        }
        return StoreConfig(url, "postgres", env, schema)
    raise ValidationError(f"LEDGER_DATABASE_URL {url!r}: use sqlite:///path or postgresql://user@host/db")


def ensure_schema(config: StoreConfig) -> None:
    """Create the PostgreSQL schema named in the URL (eventsourcing creates tables, not schemas)."""
    if config.kind != "postgres" or config.schema == "public":
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(config.schema)))


@contextmanager
def schema_setup_lock(config: StoreConfig) -> Iterator[None]:
    """Take turns creating tables: processes starting together on one schema race in PostgreSQL's catalog
    ("tuple concurrently updated", duplicate pg_type rows)."""
    if config.kind != "postgres":
        yield
        return
    import psycopg

    key = f"benefit-ledger/setup/{config.env['POSTGRES_DBNAME']}/{config.schema}"
    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
