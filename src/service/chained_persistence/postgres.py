"""PostgreSQL event store with a per-stream hash chain: PERSISTENCE_MODULE=service.chained_persistence.postgres.

Same transaction as the library's insert: the events table lock, the events insert and, in the same
pipeline flight, the read of each touched stream's previous link; then the chain rows go out with
the COMMIT. A collision on the events' primary key fails the whole transaction before any chain row
is written, as before. No extra round trip in the usual case (one more for a stream written before
chaining was enabled, once).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing import postgres as es_postgres  # a module, not the base Factory: the module must hold exactly one
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from service.chained_persistence.chain import ChainBrokenError, ChainHasher, check_key_id, stream_key
from service.chained_persistence.links import first_versions, plan_links
from service.settings import LIBPQ_PARAMS

_FETCH_ROWS = 2000
# Up to this many streams (rows) per save, statements list their parameters, which PostgreSQL plans
# once (generic plan); unnest() over arrays, re-planned on each execution, is kept for bulk saves.
_LISTED = 32
_BEGIN, _COMMIT, _ROLLBACK = SQL("BEGIN"), SQL("COMMIT"), SQL("ROLLBACK")


_REMEMBERED_MAX = 20_000  # streams whose links one thread remembers between a batch's reads and its insert


def _no_legacy(originator_id: Any, below: int) -> None:
    """Remembered links are used only when the previous link exists: no stream to adopt."""
    return None


def _event_arrays(stored_events: Sequence[StoredEvent]) -> list[list[Any]]:
    """The events as four column arrays (ids, versions, topics, states), in the order given."""
    return [
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    ]


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        hasher: ChainHasher | None = None,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            raise ProgrammingError("the hash chain needs POSTGRES_ENABLE_DB_FUNCTIONS off")
        self.chain_table_name = f"{events_table_name}_chain"
        self.chain_key_table_name = f"{events_table_name}_chain_key"
        self.check_identifier_length(self.chain_key_table_name)
        self.hasher = hasher or ChainHasher()
        self._key_checked = False
        schema, id_type = Identifier(datastore.schema), Identifier(datastore.originator_id_type)
        chain, key = Identifier(self.chain_table_name), Identifier(self.chain_key_table_name)
        events = Identifier(self.events_table_name)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} (originator_id {id_type} NOT NULL, "
                "originator_version bigint NOT NULL, hash bytea NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(schema=schema, chain=chain, id_type=id_type),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{key} (id int PRIMARY KEY CHECK (id = 1), key_id text NOT NULL)"
            ).format(schema=schema, key=key),
        ]
        fmt = {"schema": schema, "chain": chain, "key": key, "events": events, "id_type": id_type}
        self.select_links_statement = SQL(
            "SELECT c.originator_id, c.originator_version, c.hash FROM {schema}.{chain} c "
            "JOIN unnest(%b::{id_type}[], %b::bigint[]) AS s(originator_id, previous_version) "
            "ON c.originator_id = s.originator_id AND c.originator_version >= s.previous_version"
        ).format(**fmt)
        self.insert_links_statement = SQL(
            "INSERT INTO {schema}.{chain} (originator_id, originator_version, hash) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::bytea[])"
        ).format(**fmt)  # binary arrays: no per-row text quoting
        self.any_link_statement = SQL("SELECT 1 FROM {schema}.{chain} WHERE originator_id = %s LIMIT 1").format(**fmt)
        self.legacy_events_statement = SQL(
            "SELECT originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = %s AND originator_version < %s ORDER BY originator_version"
        ).format(**fmt)
        self.claim_key_statement = SQL(
            "INSERT INTO {schema}.{key} (id, key_id) VALUES (1, %s) ON CONFLICT (id) DO NOTHING"
        ).format(**fmt)
        self.select_key_statement = SQL("SELECT key_id FROM {schema}.{key} WHERE id = 1").format(**fmt)
        self.select_streams_statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = ANY(%b::{id_type}[]) ORDER BY originator_id, originator_version"
        ).format(**fmt)
        self.insert_arrays_statement = SQL(
            "INSERT INTO {schema}.{events} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) RETURNING notification_id"
        ).format(**fmt)
        self.select_last_links_statement = SQL(
            "SELECT s.originator_id, m.last_version, c.originator_version, c.hash "
            "FROM unnest(%b::{id_type}[]) AS s(originator_id) "
            "CROSS JOIN LATERAL (SELECT coalesce(max(e.originator_version), 0) AS last_version FROM {schema}.{events} e "
            "WHERE e.originator_id = s.originator_id) m "
            "LEFT JOIN LATERAL (SELECT c.originator_version, c.hash FROM {schema}.{chain} c "
            "WHERE c.originator_id = s.originator_id AND c.originator_version >= m.last_version) c ON true"
        ).format(**fmt)  # both sides LATERAL: index scans per stream, never a scan of the chain table
        self.select_newer_statement = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%b::{id_type}[], %b::bigint[]) AS k(originator_id, known) "
            "CROSS JOIN LATERAL (SELECT originator_id, originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = k.originator_id AND originator_version > k.known) e "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(**fmt)  # LATERAL: one index range scan per id
        self._local = threading.local()
        self._fmt = fmt
        self._select_events_by_shape: dict[tuple[bool, bool, bool, bool], Composed] = {}
        self._select_links_by_count: dict[int, Composed] = {}
        self._insert_links_by_count: dict[int, Composed] = {}

    # ---- writing ------------------------------------------------------------------------------
    def create_table(self) -> None:
        """The library's DDL, unless every table and the notification index exist already.

        `CREATE INDEX IF NOT EXISTS` takes a SHARE lock on the events table before it finds the index, so a
        process starting while another one writes (a recalculation pool's second worker, a new API worker)
        queued behind the writer's EXCLUSIVE lock and, on a busy server, failed at start with lock_timeout.
        Looking the relations up first takes no lock on the table."""
        names = [
            f'"{self.datastore.schema}"."{name}"'
            for name in (
                self.events_table_name,
                self.notification_id_index_name,
                self.chain_table_name,
                self.chain_key_table_name,
            )
        ]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT bool_and(to_regclass(n) IS NOT NULL) AS found FROM unnest(%s::text[]) AS n", [names])
            row = curs.fetchone()
        if row is not None and row["found"]:
            self.datastore.register_type_adapters()
            return
        super().create_table()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not self._key_checked:
            self._claim_key()
        if not stored_events:
            inserted: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return inserted
        firsts = first_versions(stored_events)
        exc: Exception | None = None
        notification_ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            try:
                # Before the lock: read each stream's previous link and plan the chain rows (hashing). The
                # previous version was committed before the aggregate was loaded, and a writer that got in
                # first collides on the events' key below, so nothing read here can go stale unnoticed.
                # If the plan fails (a collision, or a tampered stream), the insert goes first, as it must
                # for the loser of a race to see its IntegrityError; then the plan runs again, locked.
                # A batch read its streams with their links just before (select_streams_with_links): when every
                # stream's read ended at the version before this save's first, those links are what the plan
                # query would return now, less any later change that makes the insert collide anyway.
                rows: list[tuple[Any, int, bytes]] | None
                known = self._known_links(firsts)
                with conn.cursor() as links:
                    try:
                        if known is not None:
                            rows = plan_links(self.hasher, stored_events, known, _no_legacy, self.chain_table_name)
                        else:
                            rows = self._plan(links, None, stored_events, firsts)
                    except ChainBrokenError:
                        rows = None
                if rows is not None:
                    notification_ids = self._insert_in_one_flight(conn, stored_events, rows, **kwargs)
                else:
                    notification_ids = self._insert_then_plan(conn, stored_events, firsts, **kwargs)
            except Exception as e:
                exc = e
            finally:
                self.forget_links()
            if exc is not None and not _keeps_connection(exc):
                conn.close()  # failed mid-pipeline (timeout, cancel, broken link): the pool must not reuse it
            if exc:
                raise exc
        return notification_ids

    def _known_links(self, firsts: dict[Any, int]) -> dict[str, dict[int, bytes]] | None:
        """The chain rows the plan query would read (versions >= first - 1), from this thread's last
        `select_streams_with_links`, if it read every stream up to exactly first - 1 and the stream's link
        there exists (a new stream: no link needed); else None (the plan query runs)."""
        remembered: dict[str, tuple[int, dict[int, bytes]]] | None = getattr(self._local, "links", None)
        if not remembered:
            return None
        known: dict[str, dict[int, bytes]] = {}
        for originator_id, first in firsts.items():
            stream = stream_key(originator_id)
            entry = remembered.get(stream)
            if entry is None or entry[0] != first - 1 or (first > 1 and first - 1 not in entry[1]):
                return None
            known[stream] = entry[1]
        return known

    def hand_over_links(self) -> Any:
        """This thread's remembered links (forgotten here), for `take_over_links` in the thread that inserts:
        a recalculation worker reads a page in one thread and saves it from another."""
        links = getattr(self._local, "links", None)
        self._local.links = None
        return links

    def take_over_links(self, links: Any) -> None:
        """Links another thread read (`hand_over_links`) become this thread's, for its next insert."""
        self._local.links = links

    def forget_links(self) -> None:
        """Drop the links this thread's last `select_streams_with_links` remembered (an insert consumes them)."""
        self._local.links = None

    def _insert_in_one_flight(
        self, conn: Any, stored_events: Sequence[StoredEvent], rows: list[tuple[Any, int, bytes]], **kwargs: Any
    ) -> Sequence[int]:
        """The events-table lock is held only for this one pipeline flight: BEGIN, lock, notify, insert the
        events (four binary arrays: no per-row adaptation in Python) and their chain rows, COMMIT.

        A collision on the events' key aborts the flight before the chain rows or the COMMIT run: nothing
        is written, the transaction is rolled back here and the IntegrityError raised."""
        exc: Exception | None = None
        ids: list[int] = []
        with conn.cursor() as curs, conn.cursor() as events, conn.cursor() as chain:
            try:
                # the pipeline's exit is its only sync: one round trip (the results wait in the cursors)
                with conn.pipeline():
                    curs.execute(_BEGIN)
                    self._insert_events(curs, stored_events, **kwargs)  # the library's (empty) hook
                    self._lock_table(curs)
                    self._notify_channel(curs)
                    events.execute(self.insert_arrays_statement, _event_arrays(stored_events), prepare=True)
                    chain.execute(*self._insert_links(rows), prepare=True)
                    curs.execute(_COMMIT)
                ids = [row["notification_id"] for row in events.fetchall()]
            except Exception as e:
                exc = e
        if exc is not None:
            if conn.info.transaction_status != TransactionStatus.IDLE and not conn.closed:
                with contextlib.suppress(Exception):
                    conn.execute(_ROLLBACK)
            raise exc
        if len(ids) != len(stored_events):
            raise ProgrammingError(f"Couldn't get all notification IDs (got {len(ids)}, expected {len(stored_events)})")
        return ids

    def _insert_then_plan(
        self, conn: Any, stored_events: Sequence[StoredEvent], firsts: dict[Any, int], **kwargs: Any
    ) -> Sequence[int] | None:
        """The plan failed before the lock: insert first (a collision raises its IntegrityError), then plan locked
        (a tampered stream raises ChainBrokenError and rolls everything back)."""
        exc: Exception | None = None
        notification_ids: Sequence[int] | None = None
        with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as curs, conn.cursor() as chain:
            self._insert_events(curs, stored_events, **kwargs)  # the library's (empty) hook
            try:
                self._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert
                pipeline.sync()  # a collision on the events' key raises here; nothing is written
                rows = self._plan(chain, pipeline, stored_events, firsts)
                chain.execute(*self._insert_links(rows), prepare=True)
                pipeline.sync()
                notification_ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            except ChainBrokenError:
                raise  # leaves the transaction by exception: rolled back
            except Exception as e:
                exc = e
        if exc is not None:
            raise exc
        return notification_ids

    def _plan(
        self, curs: Cursor[DictRow], pipeline: Any, stored_events: Sequence[StoredEvent], firsts: dict[Any, int]
    ) -> list[tuple[Any, int, bytes]]:
        """The chain rows of `stored_events`, from each stream's links at versions >= first - 1."""
        curs.execute(*self._select_links(firsts), prepare=True)
        if pipeline is not None:
            pipeline.sync()
        existing: dict[str, dict[int, bytes]] = {}
        for row in curs.fetchall():
            existing.setdefault(stream_key(row["originator_id"]), {})[row["originator_version"]] = bytes(row["hash"])
        return plan_links(
            self.hasher,
            stored_events,
            existing,
            lambda oid, below: self._legacy_events(curs, pipeline, oid, below),
            self.chain_table_name,
        )

    def _select_links(self, firsts: dict[Any, int]) -> tuple[Composed, list[Any]]:
        """Chain rows at versions >= first - 1 of each stream. Up to _LISTED streams, a statement with
        one OR'ed index condition per stream (a generic plan, cached per count); above, arrays."""
        if len(firsts) > _LISTED:
            return self.select_links_statement, [list(firsts), [first - 1 for first in firsts.values()]]
        statement = self._select_links_by_count.get(len(firsts))
        if statement is None:
            condition = SQL("(originator_id = %s AND originator_version >= %s)")
            statement = SQL(
                "SELECT originator_id, originator_version, hash FROM {schema}.{chain} WHERE {where}"
            ).format(where=SQL(" OR ").join([condition] * len(firsts)), **self._fmt)
            self._select_links_by_count[len(firsts)] = statement
        return statement, [value for oid, first in firsts.items() for value in (oid, first - 1)]

    def _insert_links(self, rows: list[tuple[Any, int, bytes]]) -> tuple[Composed, list[Any]]:
        if len(rows) > _LISTED:
            return self.insert_links_statement, [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]]
        statement = self._insert_links_by_count.get(len(rows))
        if statement is None:
            statement = SQL(
                "INSERT INTO {schema}.{chain} (originator_id, originator_version, hash) VALUES {rows}"
            ).format(rows=SQL(", ").join([SQL("(%s, %s, %s)")] * len(rows)), **self._fmt)
            self._insert_links_by_count[len(rows)] = statement
        return statement, [value for row in rows for value in row]

    def _legacy_events(
        self, curs: Cursor[DictRow], pipeline: Any, originator_id: Any, below: int
    ) -> list[tuple[int, str, bytes]] | None:
        curs.execute(self.any_link_statement, (originator_id,))
        if pipeline is not None:
            pipeline.sync()
        if curs.fetchone() is not None:
            return None
        curs.execute(self.legacy_events_statement, (originator_id, below))
        if pipeline is not None:
            pipeline.sync()
        return [(r["originator_version"], r["topic"], bytes(r["state"])) for r in curs.fetchall()]

    def _claim_key(self) -> None:
        """The first writer records which key the chain uses; later writers must use the same."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.claim_key_statement, (self.hasher.key_id,))
        check_key_id(self.stored_key_id(), self.hasher)
        self._key_checked = True

    # ---- reading one stream -------------------------------------------------------------------
    # every read retries as the library's do: a connection the server dropped (a restart, a failover) is
    # discarded by the pool and the read runs again
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's `select_events` (same statement, same rows), without composing the statement on every
        call and without a dict per row: it runs for every cache fast-forward and `id in repository` probe."""
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
        if lte is not None:
            params.append(lte)
        if limit is not None:
            params.append(limit)
        statement = self._select_events_statement(gt is not None, lte is not None, bool(desc), limit is not None)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(oid, version, topic, bytes(state)) for oid, version, topic, state, *_ in curs.fetchall()
            ]

    def _select_events_statement(self, gt: bool, lte: bool, desc: bool, limit: bool) -> Composed:
        """The library's statement for one shape of `select_events`, composed once per shape (16 at most)."""
        shape = (gt, lte, desc, limit)
        statement = self._select_events_by_shape.get(shape)
        if statement is None:
            statement = self.select_events_statement
            if gt:
                statement += SQL(" AND originator_version > %s")
            if lte:
                statement += SQL(" AND originator_version <= %s")
            statement += SQL(" ORDER BY originator_version")
            statement += SQL(" DESC") if desc else SQL(" ASC")
            if limit:
                statement += SQL(" LIMIT %s")
            self._select_events_by_shape[shape] = statement
        return statement

    # ---- reading many streams at once ---------------------------------------------------------
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_newer(self, known: Sequence[tuple[UUID, int]], *, links: bool = False) -> dict[UUID, list[StoredEvent]]:
        """Each id's events after the version given with it (0: all of them), in one statement: what a single
        command reads ahead (service.single_read_ahead). Ids with no such events are left out.

        `links`: in the same pipeline flight, each stream's chain rows from its last event's version on, remembered
        for this thread's next insert as `select_streams_with_links` remembers them (a command saved from this
        thread then needs no plan query; a stream written between the two statements is not remembered)."""
        streams: dict[UUID, list[StoredEvent]] = {}
        if not known:
            return streams
        ids, versions = [oid for oid, _ in known], [version for _, version in known]
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
            conn.cursor(row_factory=tuple_row) as chain,
        ):
            if links:
                with conn.pipeline():  # its exit is its only sync: one round trip
                    curs.execute(self.select_newer_statement, [ids, versions], prepare=True)
                    chain.execute(self.select_last_links_statement, [ids], prepare=True)
            else:
                curs.execute(self.select_newer_statement, [ids, versions], prepare=True)
            for oid, version, topic, state in curs.fetchall():
                streams.setdefault(oid, []).append(StoredEvent(oid, version, topic, bytes(state)))
            if links:
                self._remember_links(chain.fetchall(), streams, dict(known))
        return streams

    def _remember_links(
        self, rows: Iterable[tuple[Any, ...]], streams: dict[UUID, list[StoredEvent]], known: dict[UUID, int]
    ) -> None:
        """Keep each stream's links (rows of `select_last_links_statement`) for this thread's next insert, if the
        stream's last version there is the one its events read say (else it was written in between)."""
        found: dict[str, tuple[int, dict[int, bytes]]] = {}
        for oid, last_version, version, hash_ in rows:
            entry = found.setdefault(stream_key(oid), (int(last_version), {}))
            if version is not None:
                entry[1][int(version)] = bytes(hash_)
        remembered: dict[str, tuple[int, dict[int, bytes]]] = getattr(self._local, "links", None) or {}
        for oid, version in known.items():
            stream = stream_key(oid)
            last = streams[oid][-1].originator_version if oid in streams else version
            entry = found.get(stream, (last, {}))
            if entry[0] == last:
                remembered[stream] = entry
        if len(remembered) > _REMEMBERED_MAX:
            remembered = {}
        self._local.links = remembered

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_streams(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every event of each stream, in one query (a recalculation page, a batch's aggregates)."""
        streams: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return streams
        # one statement in autocommit mode: one snapshot of the store, one round trip (no BEGIN/ROLLBACK)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_streams_statement, [list(originator_ids)], prepare=True)
            for row in curs.fetchall():
                oid = row["originator_id"]
                streams.setdefault(oid, []).append(
                    StoredEvent(oid, row["originator_version"], row["topic"], bytes(row["state"]))
                )
        return streams

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_streams_with_links(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """`select_streams`, and in the same pipeline flight each stream's chain rows from its last event's
        version on (all its rows when it has no event), remembered for this thread's next insert.

        A batch saves the streams it read: its insert then needs no plan query (`_known_links`). The two
        statements may see two moments; a stream written between them has read a later last version than
        its events, so its links are not used."""
        streams: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return streams
        remembered: dict[str, tuple[int, dict[int, bytes]]] = getattr(self._local, "links", None) or {}
        ids = list(originator_ids)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
            conn.cursor(row_factory=tuple_row) as links,
        ):
            with conn.pipeline():  # its exit is its only sync: one round trip (the results wait in the cursors)
                curs.execute(self.select_streams_statement, [ids], prepare=True)
                links.execute(self.select_last_links_statement, [ids], prepare=True)
            for oid, version, topic, state in curs.fetchall():
                streams.setdefault(oid, []).append(StoredEvent(oid, version, topic, bytes(state)))
            found: dict[str, tuple[int, dict[int, bytes]]] = {}
            for oid, last_version, version, hash_ in links.fetchall():
                entry = found.setdefault(stream_key(oid), (int(last_version), {}))
                if version is not None:
                    entry[1][int(version)] = bytes(hash_)
        for oid in ids:
            stream = stream_key(oid)
            last = streams[oid][-1].originator_version if oid in streams else 0
            entry = found.get(stream, (last, {}))
            if entry[0] == last:  # else written between the two statements: not remembered
                remembered[stream] = entry
        if len(remembered) > _REMEMBERED_MAX:
            remembered = {}
        self._local.links = remembered
        return streams

    # ---- reading raw rows for the verifier ----------------------------------------------------
    def stored_key_id(self) -> str | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_key_statement)
            row = curs.fetchone()
        return None if row is None else str(row["key_id"])

    def iter_chain_rows(
        self, originator_ids: Iterable[UUID | str] | None = None
    ) -> Iterator[tuple[str, int, bool, str | None, bytes | None, bytes | None]]:
        """(stream, version, has_event, topic, state, hash) for every event row and every chain row,
        ordered by stream and version; raw SQL, so rows that no longer decode are still seen."""
        ids = None if originator_ids is None else list(originator_ids)
        if ids == []:
            return
        only_e: SQL | Composed = SQL("")
        only_c: SQL | Composed = SQL("")
        params: list[Any] = []
        if ids is not None:
            only_e = SQL("WHERE e.originator_id = ANY(%s::{id_type}[])").format(**self._fmt)
            only_c = SQL("AND c.originator_id = ANY(%s::{id_type}[])").format(**self._fmt)
            params = [ids, ids]
        statement: Composed = SQL(
            "SELECT e.originator_id, e.originator_version, true AS has_event, e.topic, e.state, c.hash "
            "FROM {schema}.{events} e LEFT JOIN {schema}.{chain} c "
            "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version {only_e} "
            "UNION ALL "
            "SELECT c.originator_id, c.originator_version, false, NULL, NULL, c.hash FROM {schema}.{chain} c "
            "WHERE NOT EXISTS (SELECT 1 FROM {schema}.{events} e WHERE e.originator_id = c.originator_id "
            "AND e.originator_version = c.originator_version) {only_c} ORDER BY 1, 2"
        ).format(only_e=only_e, only_c=only_c, **self._fmt)
        with self.datastore.get_connection() as conn, conn.transaction():
            cursor: Any = conn.cursor(name="ledger_chain_verify")  # server-side: the store is streamed
            with cursor:
                cursor.itersize = _FETCH_ROWS
                cursor.execute(statement, params)
                for row in cursor:
                    yield (
                        stream_key(row["originator_id"]),
                        int(row["originator_version"]),
                        bool(row["has_event"]),
                        row["topic"],
                        None if row["state"] is None else bytes(row["state"]),
                        None if row["hash"] is None else bytes(row["hash"]),
                    )


def _keeps_connection(exc: BaseException) -> bool:
    """A collision on the events' key (or a broken chain) leaves a healthy connection; anything else may not."""
    import psycopg

    if isinstance(exc, (ChainBrokenError, IntegrityError, psycopg.errors.IntegrityError)):
        return True
    cause = exc.__cause__
    return isinstance(cause, psycopg.errors.IntegrityError)


def session_options(env: Any) -> str:
    """libpq `options` setting the ledger's session timeouts at connection start (0 turns one off)."""
    settings = {
        "statement_timeout": env.get("POSTGRES_STATEMENT_TIMEOUT_MS") or "0",
        "lock_timeout": env.get("POSTGRES_LOCK_TIMEOUT_MS") or str(1000 * int(env.get("POSTGRES_LOCK_TIMEOUT") or 0)),
        "idle_in_transaction_session_timeout": env.get("POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT_MS") or "0",
    }
    return " ".join(f"-c {name}={int(value)}" for name, value in settings.items())


class Factory(es_postgres.PostgresFactory):
    application_recorder_class = ChainedPostgresApplicationRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # a multi-host URL (host=a,b) connects to the one that takes writes: after a failover, the new primary
        extra = {param: self.env.get(key) for key, param in LIBPQ_PARAMS.items()}  # not passed by the library
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)  # the library passes a dict of connection parameters
        kwargs.update({param: value for param, value in extra.items() if value})
        # every session of the ledger's pool: statement_timeout, lock_timeout and
        # idle_in_transaction_session_timeout from Settings (pg_*_ms), and a name pg_stat_activity shows
        kwargs["options"] = session_options(self.env)
        kwargs["application_name"] = str(self.env.get("POSTGRES_APPLICATION_NAME") or "benefit-ledger")

    def application_recorder(self) -> ChainedPostgresApplicationRecorder:
        recorder = ChainedPostgresApplicationRecorder(
            datastore=self.datastore,
            events_table_name=(self.env.name.lower() or "stored") + "_events",
            hasher=ChainHasher.from_env(self.env),
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder
