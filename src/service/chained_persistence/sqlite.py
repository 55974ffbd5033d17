"""SQLite event store with a per-stream hash chain: PERSISTENCE_MODULE=service.chained_persistence.sqlite.

The chain rows go to `<events table>_chain` in the same transaction as the events, after the
events insert (which takes SQLite's write lock, so the previous links read next are current and a
collision on the events' primary key is still the only way two writers on one stream can fail).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing import sqlite as es_sqlite  # a module, not the base Factory: the module must hold exactly one
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteConnection, SQLiteCursor, SQLiteDatastore

from service.chained_persistence.chain import ChainHasher, check_key_id, stream_key
from service.chained_persistence.links import first_versions, plan_links

_MAX_STREAMS_PER_QUERY = 400  # 2 parameters each, well under SQLite's host-parameter limit
_FETCH_ROWS = 1000


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events", hasher: ChainHasher | None = None
    ) -> None:
        self.chain_table_name = f"{events_table_name}_chain"
        self.chain_key_table_name = f"{events_table_name}_chain_key"
        self.hasher = hasher or ChainHasher()
        self._key_checked = False
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            (
                f"CREATE TABLE IF NOT EXISTS {self.chain_table_name} (originator_id TEXT, originator_version INTEGER, "
                "hash BLOB NOT NULL, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {self.chain_key_table_name} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "key_id TEXT NOT NULL)"
            ),
        ]

    # ---- writing ------------------------------------------------------------------------------
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not self._key_checked:
            self._claim_key()
        return super().insert_events(stored_events, **kwargs)

    def _claim_key(self) -> None:
        """The first writer records which key the chain uses; later writers must use the same."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT OR IGNORE INTO {self.chain_key_table_name} (id, key_id) VALUES (1, ?)", (self.hasher.key_id,)
            )
        check_key_id(self.stored_key_id(), self.hasher)
        self._key_checked = True

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events:
            rows = plan_links(
                self.hasher,
                stored_events,
                self._existing_links(c, stored_events),
                lambda oid, below: self._legacy_events(c, oid, below),
                self.chain_table_name,
            )
            c.executemany(
                f"INSERT INTO {self.chain_table_name} VALUES (?,?,?)",
                [(stream_key(oid), version, link) for oid, version, link in rows],
            )
        return notification_ids

    def _existing_links(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> dict[str, dict[int, bytes]]:
        firsts = [(stream_key(oid), first - 1) for oid, first in first_versions(stored_events).items()]
        existing: dict[str, dict[int, bytes]] = {}
        for start in range(0, len(firsts), _MAX_STREAMS_PER_QUERY):
            chunk = firsts[start : start + _MAX_STREAMS_PER_QUERY]
            where = " OR ".join(["(originator_id = ? AND originator_version >= ?)"] * len(chunk))
            c.execute(
                f"SELECT originator_id, originator_version, hash FROM {self.chain_table_name} WHERE {where}",
                [value for pair in chunk for value in pair],
            )
            for row in c.fetchall():
                existing.setdefault(row[0], {})[row[1]] = bytes(row[2])
        return existing

    def _legacy_events(self, c: SQLiteCursor, originator_id: Any, below: int) -> list[tuple[int, str, bytes]] | None:
        stream = stream_key(originator_id)
        c.execute(f"SELECT 1 FROM {self.chain_table_name} WHERE originator_id = ? LIMIT 1", (stream,))
        if c.fetchone() is not None:
            return None
        c.execute(
            f"SELECT originator_version, topic, state FROM {self.events_table_name} "
            "WHERE originator_id = ? AND originator_version < ? ORDER BY originator_version",
            (stream, below),
        )
        return [(row[0], row[1], bytes(row[2])) for row in c.fetchall()]

    # ---- reading raw rows for the verifier ----------------------------------------------------
    def stored_key_id(self) -> str | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT key_id FROM {self.chain_key_table_name} WHERE id = 1")
            row = c.fetchone()
        return None if row is None else str(row[0])

    def iter_chain_rows(
        self, originator_ids: Iterable[UUID | str] | None = None
    ) -> Iterator[tuple[str, int, bool, str | None, bytes | None, bytes | None]]:
        """(stream, version, has_event, topic, state, hash) for every event row and every chain row,
        ordered by stream and version; raw SQL, so rows that no longer decode are still seen."""
        events, chain = self.events_table_name, self.chain_table_name
        ids = None if originator_ids is None else [stream_key(i) for i in originator_ids]
        if ids == []:
            return
        only_e = only_c = ""
        params: list[Any] = []
        if ids is not None:
            marks = ",".join("?" * len(ids))
            only_e, only_c = f"WHERE e.originator_id IN ({marks})", f"AND c.originator_id IN ({marks})"
            params = [*ids, *ids]
        statement = (
            f"SELECT e.originator_id, e.originator_version, 1, e.topic, e.state, c.hash FROM {events} e "
            f"LEFT JOIN {chain} c ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
            f"{only_e} UNION ALL "
            f"SELECT c.originator_id, c.originator_version, 0, NULL, NULL, c.hash FROM {chain} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {events} e WHERE e.originator_id = c.originator_id "
            f"AND e.originator_version = c.originator_version) {only_c} ORDER BY 1, 2"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            while rows := c.sqlite_cursor.fetchmany(_FETCH_ROWS):
                for row in rows:
                    yield (str(row[0]), int(row[1]), bool(row[2]), _text(row[3]), _blob(row[4]), _blob(row[5]))


def _text(value: Any) -> str | None:
    """SQLite columns take any type, so an edited row may hold a blob or a number where text was."""
    if value is None or isinstance(value, str):
        return value
    return bytes(value).decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _blob(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode()


class ReconnectingSQLiteDatastore(SQLiteDatastore):
    """The library's datastore, reconnecting after a read-only file, a full disk or a failing write.

    SQLite opens a file it may not write read-only and keeps it so, and the pool would hand out such
    connections (each write a 503) until a restart, after the file's mode was fixed. So after such a
    failure the datastore is *suspect*: every connection is closed after use and pooled ones from before
    are not reused, so each transaction opens the file afresh; the first write that commits ends it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suspect = False
        self._memory = self.pool.is_sqlite_memory_mode  # closing the last connection would lose the data

    @contextmanager
    def get_connection(self, *, commit: bool) -> Iterator[SQLiteConnection]:
        conn = self._connection(commit)
        try:
            yield conn
            if commit:
                self.suspect = False
        except BaseException as exc:
            if not self._memory and _spoils_connection(exc):
                self.suspect = True
            raise
        finally:
            if self.suspect:
                conn.close()
            self.pool.put_connection(conn)

    def _connection(self, commit: bool) -> SQLiteConnection:
        while True:
            conn = self.pool.get_connection(is_writer=commit)
            reused = getattr(conn, "ledger_used", False)
            conn.ledger_used = True  # type: ignore[attr-defined]
            if not (reused and self.suspect):
                return conn
            conn.close()  # opened before the store failed: it may see the file read-only for good
            self.pool.put_connection(conn)


def _spoils_connection(exc: BaseException) -> bool:
    from service.store_errors import StoreFullError, StoreReadOnlyError, store_error

    found = store_error(exc)
    return isinstance(found, (StoreReadOnlyError, StoreFullError)) or (
        found is not None and "cannot be opened" in str(found)
    )


class Factory(es_sqlite.SQLiteFactory):
    application_recorder_class = ChainedSQLiteApplicationRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        library = self.datastore
        self.datastore = ReconnectingSQLiteDatastore(
            db_name=library.pool.db_name,
            lock_timeout=library.pool.lock_timeout,
            single_row_tracking=library.single_row_tracking,
            originator_id_type=library.originator_id_type,
        )
        library.close()  # it never opened a connection

    def application_recorder(self) -> ChainedSQLiteApplicationRecorder:
        recorder = ChainedSQLiteApplicationRecorder(datastore=self.datastore, hasher=ChainHasher.from_env(self.env))
        if self.env_create_table():
            recorder.create_table()
        return recorder
