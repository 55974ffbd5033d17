"""Where the read side lives: a SQLite file of its own, or the ledger's PostgreSQL schema.

SQLite: `<ledger>.projections.db` next to the event store (WAL, synchronous=FULL). Every
write transaction is `BEGIN IMMEDIATE`, so writers are serialised and a kill -9 mid-batch
leaves the previous commit intact. PostgreSQL: the ledger's database and schema, tables
prefixed `proj_`, psycopg 3 directly, write transactions in pipeline mode (statements are queued
and sent without a round trip each; a read or `Tx.changed` syncs), except a rebuild's bulk
transactions, which COPY their new rows (COPY is not allowed in pipeline mode). Money is NUMERIC(18,2) there and exact TEXT here;
`dec_add` lets SQLite add TEXT amounts with Decimal arithmetic inside an UPSERT.

SQL is written with `?` placeholders; the PostgreSQL store rewrites them to `%s`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Self

from projections.tables import TYPES, sqlite_param
from service.settings import StoreConfig, ensure_schema, schema_setup_lock

TRACKING = "proj_tracking"


class Tx:
    """One open transaction: execute SQL with `?` placeholders, read rows as tuples."""

    def __init__(self, store: ViewStore, cursor: Any, pipeline: Any = None) -> None:
        self.store = store
        self.cursor = cursor
        self.dialect = store.kind
        self.pipeline = pipeline  # PostgreSQL writes: statements are queued, reads and `changed` sync

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.dialect == "postgres":
            self.cursor.execute(sql.replace("?", "%s"), params)
        else:
            self.cursor.execute(sql, [sqlite_param(p) for p in params])
        return self.cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows (a rebuild's batch of one table: projections.buffered_view)."""
        if self.dialect == "postgres":
            self.cursor.executemany(sql.replace("?", "%s"), rows)
        else:
            self.cursor.executemany(sql, [[sqlite_param(p) for p in row] for row in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """PostgreSQL only, outside pipeline mode: COPY rows into a table (a rebuild's new shadow rows)."""
        assert self.dialect == "postgres" and self.pipeline is None, "COPY needs a bulk PostgreSQL transaction"
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def delete_keys(self, table: str, key: Sequence[tuple[str, str]], keys: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL: delete the rows of these keys (`key`: the key's columns and logical types) in one statement."""
        assert self.dialect == "postgres"
        arrays = [f"%s::{TYPES[kind][0].split('(')[0]}[]" for _, kind in key]
        columns = [column for column, _ in key]
        if len(columns) == 1:
            sql = f"DELETE FROM {table} WHERE {columns[0]} = ANY({arrays[0]})"
        else:
            sql = f"DELETE FROM {table} WHERE ({', '.join(columns)}) IN (SELECT * FROM unnest({', '.join(arrays)}))"
        self.cursor.execute(sql, [list(column) for column in zip(*keys, strict=True)])

    @property
    def can_copy(self) -> bool:
        return self.dialect == "postgres" and self.pipeline is None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an UPDATE/DELETE and return how many rows it changed."""
        cursor = self.execute(sql, params)
        if self.pipeline is not None:
            self.pipeline.sync()
        return int(cursor.rowcount)

    def table_exists(self, name: str) -> bool:
        return self.store.table_exists(self, name)


class ViewStore:
    kind = ""

    @contextmanager
    def transaction(self, readonly: bool = False, bulk: bool = False) -> Iterator[Tx]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def table_exists(self, tx: Tx, name: str) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def ensure_tracking(self) -> None:
        with self.transaction() as tx:
            tx.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING} (projection TEXT PRIMARY KEY, "
                "position BIGINT NOT NULL, fingerprint TEXT NOT NULL)"
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _dec_add(a: str | None, b: str | None) -> str:
    total = Decimal(a or "0") + Decimal(b or "0")
    return str(total.copy_abs() if total.is_zero() else total)


class SQLiteViewStore(ViewStore):
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.create_function("dec_add", 2, _dec_add, deterministic=True)
        self.ensure_tracking()

    @contextmanager
    def transaction(self, readonly: bool = False, bulk: bool = False) -> Iterator[Tx]:
        with self._lock:
            cursor = self.conn.cursor()
            cursor.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
            try:
                yield Tx(self, cursor)
            except BaseException:
                self.conn.rollback()
                raise
            else:
                self.conn.commit()
            finally:
                cursor.close()

    def table_exists(self, tx: Tx, name: str) -> bool:
        return bool(tx.rows("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]))

    def close(self) -> None:
        self.conn.close()


class PostgresViewStore(ViewStore):
    kind = "postgres"

    def __init__(self, config: StoreConfig) -> None:

        self.schema = config.schema
        self.config = config
        self._lock = threading.RLock()
        with schema_setup_lock(config):
            ensure_schema(config)
            self.conn = self._connect()
            self.ensure_tracking()

    def _connect(self) -> Any:
        import psycopg
        from psycopg import sql

        conn = psycopg.connect(self.config.conninfo(), autocommit=True)
        conn.prepare_threshold = None  # plans must not outlive a shadow-table swap
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.config.schema)))
        conn.execute("SET TimeZone TO 'UTC'")
        return conn

    def _live(self) -> Any:
        """The connection, opened again if the server dropped it (a restart, a failover)."""
        if self.conn.closed or self.conn.broken:
            self.conn.close()
            self.conn = self._connect()
        return self.conn

    @contextmanager
    def transaction(self, readonly: bool = False, bulk: bool = False) -> Iterator[Tx]:
        """`bulk`: a write transaction without pipeline mode, so `Tx.copy_rows` may COPY (a rebuild's batch:
        few statements, each table written once)."""
        if readonly or bulk:
            with self._lock, self._live().transaction(), self.conn.cursor() as cursor:
                if bulk:  # a crash loses at most the last batches, with their tracking rows: redone on resume
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                yield Tx(self, cursor)
            return
        # pipeline mode: writes do not wait for a round trip each (a rebuild is mostly writes)
        with self._lock, self._live().pipeline() as pipeline, self.conn.transaction(), self.conn.cursor() as cursor:
            yield Tx(self, cursor, pipeline)

    def table_exists(self, tx: Tx, name: str) -> bool:
        return bool(
            tx.rows(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=? AND table_name=?", [self.schema, name]
            )
        )

    def close(self) -> None:
        self.conn.close()


def open_store(config: StoreConfig) -> ViewStore:
    """The view store belonging to a ledger store configuration."""
    if config.kind == "postgres":
        return PostgresViewStore(config)
    return SQLiteViewStore(config.sibling_sqlite_path("projections"))
