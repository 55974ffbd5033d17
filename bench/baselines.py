"""Baselines measured in the same run on the same PostgreSQL: what the ledger's figures are divided by.

- `bare_application_saves`: a bare eventsourcing Application saving one new one-event aggregate per
  transaction (the library's own write path, same store settings as the ledger), from `threads` threads.
- `raw_inserts`: plain psycopg INSERTs of given stored-event rows, one row per transaction.
- `raw_copy`: the same rows with one COPY.
- `read_and_decode`: read the log in pages of 1,000 and decode every event with the ledger's mapper,
  doing nothing else (the floor of any projection rebuild).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from psycopg import sql

from bench.eventlog import Row, copy_rows
from bench.pgschema import connect
from service.settings import StoreConfig, ensure_schema

RAW_TABLE = "raw_events"


class Probe(Aggregate):
    """One creation event."""


class BareApplication(Application):  # type: ignore[type-arg]
    name = "bare"


def in_threads(threads: int, work: Callable[[int], int]) -> tuple[int, float]:
    """Run work(i) in `threads` threads; (sum of their counts, wall seconds)."""
    counts = [0] * threads

    def run(i: int) -> None:
        counts[i] = work(i)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts), time.perf_counter() - started


def bare_application_saves(config: StoreConfig, *, threads: int, seconds: float) -> float:
    """Saves (= events = transactions) per second of a bare Application on the store of `config`."""
    ensure_schema(config)
    app = BareApplication(env=config.env)
    app.save(Probe())  # warm the pool and the prepared statements
    deadline = time.perf_counter() + seconds

    def work(_: int) -> int:
        done = 0
        while time.perf_counter() < deadline:
            app.save(Probe())
            done += 1
        return done

    count, wall = in_threads(threads, work)
    app.close()
    return count / wall


def create_raw_table(config: StoreConfig) -> None:
    ensure_schema(config)
    with connect(config) as conn:
        # the ledger_events table's shape and indexes (eventsourcing 9.5.6 postgres.py)
        conn.execute(
            sql.SQL(
                "DROP TABLE IF EXISTS {0}; CREATE TABLE {0} (originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, topic text, state bytea, notification_id "
                "bigserial, PRIMARY KEY (originator_id, originator_version)); CREATE UNIQUE INDEX "
                "ON {0} (notification_id)"
            ).format(sql.Identifier(RAW_TABLE))
        )
        conn.commit()


def raw_inserts(config: StoreConfig, rows: Sequence[Row], *, threads: int) -> float:
    """Rows per second, one INSERT per transaction, rows shared out to `threads` connections."""
    create_raw_table(config)
    statement = sql.SQL(
        "INSERT INTO {} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
    ).format(sql.Identifier(RAW_TABLE))

    def work(i: int) -> int:
        mine = rows[i::threads]
        with connect(config, autocommit=True) as conn:
            for row in mine:
                conn.execute(statement, row, prepare=True)
        return len(mine)

    count, wall = in_threads(threads, work)
    return count / wall


def raw_copy(config: StoreConfig, rows: Sequence[Row]) -> float:
    """Rows per second of one COPY of `rows` (one transaction)."""
    create_raw_table(config)
    started = time.perf_counter()
    count = copy_rows(config, RAW_TABLE, rows)
    return count / (time.perf_counter() - started)


def stored_rows(config: StoreConfig, limit: int | None = None) -> list[Row]:
    """The ledger's stored events in log order (the rows the raw baselines insert again)."""
    query = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM ledger_events "
        "ORDER BY notification_id" + (" LIMIT %s" if limit else "")
    )
    with connect(config) as conn:
        return [(r[0], r[1], r[2], bytes(r[3])) for r in conn.execute(query, (limit,) if limit else ())]


def read_and_decode(ledger: Any, *, topics: Sequence[str] = (), page: int = 1000) -> tuple[int, float]:
    """(events, seconds) to read the whole log in pages and decode each event; nothing else."""
    started, count, start = time.perf_counter(), 0, 1
    head = ledger.recorder.max_notification_id() or 0
    to_domain_event = ledger.mapper.to_domain_event
    while start <= head:
        notifications = ledger.recorder.select_notifications(start=start, limit=page, stop=head, topics=list(topics))
        for notification in notifications:
            to_domain_event(notification)
        count += len(notifications)
        if len(notifications) < page:
            break
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started
