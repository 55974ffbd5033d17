"""The ledger's configuration: one `Settings`, read once from the environment (`LEDGER_*`) by each entry point.

    settings = Settings()                                   # the environment (and its defaults)
    settings = Settings(database_url="sqlite:///:memory:")  # tests: explicit values win over the environment
    ledger = BenefitLedger.from_settings(settings)
    app = create_app(settings)

The API (`ledger serve`, `api.main:app`), every CLI command, the projection worker (`python -m projections`),
the generator and the benchmarks build one and pass it down; nothing else reads `os.environ` for
configuration (the ledger's eventsourcing environment is built from it, not merged with `os.environ`).
Every setting is listed in deploy/ledger.env.example.

LEDGER_DATABASE_URL:
  sqlite:///var/ledger.db          (the default: an embedded file, no server)
  sqlite:///:memory:               (tests)
  postgresql://user:pw@host:5432/db?schema=ledger   (production)
  postgresql://user:pw@db1:5432,db2:5432/db?target_session_attrs=read-write&schema=ledger
                                   (a failover formation: libpq connects to the host that takes writes)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///var/ledger.db"
# eventsourcing's recorders plus a per-stream hash chain (docs/tamper-evidence.md)
SQLITE_MODULE = "service.chained_persistence.sqlite"
POSTGRES_MODULE = "service.chained_persistence.postgres"
BODY_LIMIT_DEFAULT = 4 * 1024 * 1024  # bytes; a 1,000-command batch of admissions is well under 1 MiB
TRACEBACK_ENV = "LEDGER_TRACEBACK"
MULTI_HOST_DEFAULT = "read-write"  # target_session_attrs of a URL naming several hosts
# libpq parameters a store URL may carry beyond host/port/db/user/password, by their environment key
LIBPQ_PARAMS = {"POSTGRES_TARGET_SESSION_ATTRS": "target_session_attrs", "POSTGRES_SSLMODE": "sslmode"}


class Settings(BaseSettings):
    """Every setting of the ledger's processes; `LEDGER_<NAME>` in the environment (empty means unset)."""

    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_ignore_empty=True, extra="ignore", frozen=True, validate_default=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    """where events live: sqlite:///path (embedded) or postgresql://user:pw@host:port/db?schema=name"""
    host: str = "127.0.0.1"
    """the interface `ledger serve` listens on (its --host wins)"""
    port: int = Field(8000, ge=1, le=65535)
    """the TCP port `ledger serve` listens on (its --port wins)"""
    api_keys_file: Path = Path("var/api-keys.toml")
    """the API's clients (TOML, tokens kept as SHA-256 digests; `ledger keys add`)"""
    pii_key: SecretStr | None = None
    """personal-data key (AES-256-GCM, 32 bytes urlsafe base64); else the file `pii_key_file`"""
    pii_key_file: Path = Path("var/pii.key")
    """the personal-data key's file, created (mode 0600) on first use when `pii_key` is not set"""
    chain_key: SecretStr | None = None
    """HMAC key of the events' per-stream hash chain (docs/tamper-evidence.md); the same in every process"""
    group_commit: bool | None = None
    """concurrent writes share a transaction: true or false; unset: on for the API server, off elsewhere"""
    aggregate_cache: int = Field(10_000, ge=0)
    """aggregates kept in memory per process (0: no cache)"""
    year_body_cache_mb: int = Field(64, ge=0)
    """MiB of patient-year bodies the API keeps per process for auditor replays, at their version (0: none)"""
    recalc_workers: int = Field(0, ge=0)
    """processes of a region recalculation on PostgreSQL (0: one per core; SQLite: always 1)"""
    body_limit_bytes: int = Field(BODY_LIMIT_DEFAULT, ge=1024)
    """the largest HTTP request body the API reads; a larger one is refused (413) before it is parsed"""
    clock_tolerance_s: int = Field(300, ge=0, le=86_400)
    """how far a client's settled_at may run ahead of the server clock (seconds); later is refused (422)"""
    pg_connect_timeout_s: int = Field(5, ge=1)
    """seconds to wait for a PostgreSQL connection; an outage then fails fast instead of after 30 s"""
    pg_statement_timeout_ms: int = Field(60_000, ge=0)
    """PostgreSQL statement_timeout of the ledger's sessions (0: none)"""
    pg_lock_timeout_ms: int = Field(5_000, ge=0)
    """PostgreSQL lock_timeout (the library takes whole seconds: rounded up)"""
    pg_idle_in_transaction_timeout_ms: int = Field(5_000, ge=0)
    """PostgreSQL idle_in_transaction_session_timeout (0: none)"""
    shutdown_timeout_s: int = Field(10, ge=1)
    """seconds `ledger serve` waits for requests in flight after SIGTERM before it closes their connections"""

    @cached_property
    def store(self) -> StoreConfig:
        """The event store (and the read side beside it) these settings name, with the ledger's environment."""
        base = store_config(self.database_url)
        return StoreConfig(base.url, base.kind, {**base.env, **self._ledger_env(base.kind)}, base.schema)

    def group_commit_or(self, default: bool) -> bool:
        """Group commit as set, else the process's default (the API server: on; the CLI and workers: off)."""
        return default if self.group_commit is None else self.group_commit

    def _ledger_env(self, kind: str) -> dict[str, str]:
        env = {
            "LEDGER_CHAIN_KEY": self.chain_key.get_secret_value() if self.chain_key else "",
            "LEDGER_PII_KEY": self.pii_key.get_secret_value() if self.pii_key else "",
            "LEDGER_PII_KEY_FILE": str(self.pii_key_file),
            "LEDGER_AGGREGATE_CACHE": str(self.aggregate_cache),
            "LEDGER_RECALC_WORKERS": str(self.recalc_workers),
            "LEDGER_CLOCK_TOLERANCE_S": str(self.clock_tolerance_s),
        }
        if kind == "postgres":
            env |= {
                "POSTGRES_CONNECT_TIMEOUT": str(self.pg_connect_timeout_s),
                "POSTGRES_LOCK_TIMEOUT": str(math.ceil(self.pg_lock_timeout_ms / 1000)),
                "POSTGRES_LOCK_TIMEOUT_MS": str(self.pg_lock_timeout_ms),
                "POSTGRES_STATEMENT_TIMEOUT_MS": str(self.pg_statement_timeout_ms),
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT_MS": str(self.pg_idle_in_transaction_timeout_ms),
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(
                    math.ceil(self.pg_idle_in_transaction_timeout_ms / 1000)
                ),
            }
        return env

    def replaced(self, **changes: Any) -> Settings:
        """These settings with some values changed (e.g. a `--database-url` option); None values change nothing."""
        given = {name: value for name, value in changes.items() if value is not None}
        return self if not given else Settings(**{**{n: getattr(self, n) for n in type(self).model_fields}, **given})


def traceback_requested() -> bool:
    """LEDGER_TRACEBACK=1: the CLI prints a defect's traceback (read where an error is reported, so that a
    bad setting can itself be reported in one line)."""
    return bool(os.environ.get(TRACEBACK_ENV))


@dataclass(frozen=True)
class StoreConfig:
    url: str
    kind: str  # "sqlite" or "postgres"
    env: dict[str, str]  # eventsourcing environment for the application
    schema: str = "public"

    def conninfo(self) -> str:
        """psycopg connection string (PostgreSQL only); values quoted (an empty password, a multi-host list)."""
        from psycopg.conninfo import make_conninfo

        e = self.env
        extra = {param: e[key] for key, param in LIBPQ_PARAMS.items() if e.get(key)}
        return make_conninfo(
            host=e["POSTGRES_HOST"],
            port=e["POSTGRES_PORT"],
            dbname=e["POSTGRES_DBNAME"],
            user=e["POSTGRES_USER"],
            password=e["POSTGRES_PASSWORD"],
            **extra,
        )

    def sibling_sqlite_path(self, suffix: str) -> str:
        """A separate SQLite file next to the event store (projections need their own file)."""
        path = self.env["SQLITE_DBNAME"]
        if path == ":memory:" or path.startswith("file:"):
            return path
        return str(Path(path).with_name(Path(path).stem + f".{suffix}.db"))


def store_config(url: str) -> StoreConfig:
    """The store a database URL names (only the store: `Settings.store` adds the rest of the environment)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path.removeprefix("/"))
        if not path:
            raise ValidationError(f"LEDGER_DATABASE_URL {url!r}: give a file, e.g. sqlite:///var/ledger.db")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return StoreConfig(url, "sqlite", {"PERSISTENCE_MODULE": SQLITE_MODULE, "SQLITE_DBNAME": path})
    if parsed.scheme in ("postgres", "postgresql"):
        query = parse_qs(parsed.query)
        schema = query.get("schema", ["public"])[0]
        user, password, hosts, ports = postgres_netloc(url, parsed.netloc)
        target_session_attrs = query.get("target_session_attrs", [MULTI_HOST_DEFAULT if "," in hosts else ""])[0]
        env = {
            "PERSISTENCE_MODULE": POSTGRES_MODULE,
            "POSTGRES_DBNAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": hosts,
            "POSTGRES_PORT": ports,
            "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": password,
            "POSTGRES_SCHEMA": schema,
            # several hosts (pg_auto_failover's formation URI): connect to the one that takes writes
            "POSTGRES_TARGET_SESSION_ATTRS": target_session_attrs,
            "POSTGRES_SSLMODE": query.get("sslmode", [""])[0],
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": "5",  # seconds; an outage fails fast instead of after 30 s
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "8",
        }
        return StoreConfig(url, "postgres", env, schema)
    raise ValidationError(f"LEDGER_DATABASE_URL {url!r}: use sqlite:///path or postgresql://user@host/db")


def postgres_netloc(url: str, netloc: str) -> tuple[str, str, str, str]:
    """(user, password, hosts, ports) of `user:pw@host1:port1,host2:port2`, as libpq lists them (comma-separated)."""
    userinfo, _, hostlist = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    hosts, ports = [], []
    for entry in hostlist.split(",") if hostlist else ["127.0.0.1"]:
        host, _, port = entry.rpartition(":") if not entry.endswith("]") and ":" in entry else (entry, "", "")
        if (port and not port.isdigit()) or not 0 < int(port or 5432) < 65536:
            raise ValidationError(f"LEDGER_DATABASE_URL {url!r}: port {port!r} is not a TCP port")
        hosts.append(unquote(host.strip("[]")) or "127.0.0.1")
        ports.append(port or "5432")
    return unquote(user) or "postgres", unquote(password), ",".join(hosts), ",".join(ports)


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
