"""Follow the ledger's notification log into the projections, exactly once.

Pull loop: `recorder.select_notifications(start=position+1, limit=batch_size, stop=head, topics)`
(works on SQLite, which has no subscriptions, and on PostgreSQL). Each batch is ONE view-store
transaction: for every projection, compare-and-set its tracking row from the position it was read
at to the batch's end, then apply the batch's events to its tables. A replayed or concurrent batch
finds the position moved, raises PositionConflict and rolls back, so nothing is counted twice.
A kill -9 mid-batch loses only the uncommitted batch, which is processed again on restart.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from projections.buffered_view import BufferedView, BufferState
from projections.projection import Projection
from projections.store import TRACKING, Tx, ViewStore
from projections.view import View

SLEEP_ENV = "LEDGER_PROJECTION_TEST_SLEEP_AFTER_BATCH"  # tests: slow a run down to kill it midway
SLEEP_IN_BATCH_ENV = "LEDGER_PROJECTION_TEST_SLEEP_IN_BATCH"  # tests: ... or inside a batch's transaction
SHADOW_SUFFIX = "#rebuild"


class PositionConflict(RuntimeError):
    """The tracking position moved since it was read: this batch was already applied (or is being)."""


class StaleProjectionError(RuntimeError):
    """The stored view was built by other projection code: it must be rebuilt."""


class ProjectionError(RuntimeError):
    """A handler failed; the batch was rolled back."""


def tracking_rows(tx: Tx) -> dict[str, tuple[int, str]]:
    return {
        name: (int(pos), fp) for name, pos, fp in tx.rows(f"SELECT projection, position, fingerprint FROM {TRACKING}")
    }


def create_tables(tx: Tx, projection: Projection, shadow: bool) -> None:
    token = os.urandom(4).hex()  # index names are global: live and shadow must never clash
    for table in projection.tables:
        tx.execute(f"DROP TABLE IF EXISTS {table.physical(shadow)}")
        for statement in table.ddl(tx.dialect, table.physical(shadow), token):
            tx.execute(statement)


class Runner:
    def __init__(
        self,
        ledger: Any,
        store: ViewStore,
        projections: Sequence[Projection],
        *,
        batch_size: int = 500,
        shadow: bool = False,
        on_batch: Callable[[int, int, int], None] | None = None,
    ) -> None:
        # a fixed order (by name) so concurrent runners lock tracking rows in the same order: no deadlock
        self.ledger, self.store = ledger, store
        self.projections = sorted(projections, key=lambda p: p.name)
        self.batch_size, self.shadow, self.on_batch = batch_size, shadow, on_batch
        self.topics = sorted(set().union(*(p.topics for p in self.projections)))
        self.sleep = float(os.environ.get(SLEEP_ENV, "0") or 0)
        self.sleep_in_batch = float(os.environ.get(SLEEP_IN_BATCH_ENV, "0") or 0)
        self._buffers: BufferState | None = None  # a rebuild's rows in memory (projections.buffered_view)
        self.seen: set[int] | None = None  # a parallel rebuild's part: the notification ids it processed

    def key(self, projection: Projection) -> str:
        return projection.name + (SHADOW_SUFFIX if self.shadow else "")

    def prepare(self) -> None:
        """Create missing tables with a tracking row at 0; a stale live view is refused, a stale shadow reset."""
        with self.store.transaction() as tx:
            rows = tracking_rows(tx)
            if all(rows.get(self.key(p), (0, ""))[1] == p.fingerprint for p in self.projections):
                return
            if tx.dialect == "postgres":  # one creator at a time; then look again
                tx.execute(f"LOCK TABLE {TRACKING} IN EXCLUSIVE MODE")
                rows = tracking_rows(tx)
            for p in self.projections:
                found = rows.get(self.key(p))
                if found is not None and found[1] == p.fingerprint:
                    continue
                if found is not None and not self.shadow:
                    raise StaleProjectionError(
                        f"projection {p.name} was built by other code; run: python -m projections rebuild {p.name}"
                    )
                create_tables(tx, p, self.shadow)
                tx.execute(f"DELETE FROM {TRACKING} WHERE projection = ?", [self.key(p)])
                tx.execute(
                    f"INSERT INTO {TRACKING} (projection, position, fingerprint) VALUES (?, 0, ?)",
                    [self.key(p), p.fingerprint],
                )

    def positions(self) -> dict[str, int]:
        with self.store.transaction(readonly=True) as tx:
            rows = tracking_rows(tx)
        return {p.name: rows[self.key(p)][0] for p in self.projections}

    def head(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def apply_batch(self, positions: dict[str, int], notifications: Sequence[Any], new_position: int) -> None:
        """Apply one batch to every projection behind `new_position`, with its tracking row, atomically."""
        events = [(n, self.ledger.mapper.to_domain_event(n)) for n in notifications]
        view: View
        try:
            with self.store.transaction(bulk=self.shadow) as tx:  # a rebuild's batch COPYs (no pipeline)
                view = BufferedView(tx, self._buffer_state(positions)) if self.shadow else View(tx, self.shadow)
                view.ledger = self.ledger  # handlers that need a keyed digest (search_index) reach the cipher
                self._apply(tx, view, positions, events, new_position)
                if isinstance(view, BufferedView):
                    view.flush()
        except BaseException:
            self._buffers = None  # rolled back: what the cache holds may not be in the tables
            raise
        if self._buffers is not None:
            self._buffers.positions = {p.name: max(positions[p.name], new_position) for p in self.projections}

    def _buffer_state(self, positions: dict[str, int]) -> BufferState:
        """The rebuild's cache if the positions are the ones this runner last committed, else a new one."""
        if self._buffers is None or self._buffers.positions != positions:
            self._buffers = BufferState(positions, {p.name: p.tables for p in self.projections})
        return self._buffers

    def _apply(self, tx: Tx, view: View, positions: dict[str, int], events: Sequence[Any], new_position: int) -> None:
        behind = [p for p in self.projections if positions[p.name] < new_position]
        self._move(tx, [(self.key(p), positions[p.name]) for p in behind], new_position)
        routes: dict[str, list[tuple[int, Projection, tuple[Any, ...]]]] = {}  # topic -> who handles it, how
        for p in behind:
            for topic, handlers in p.handlers.items():
                routes.setdefault(topic, []).append((positions[p.name], p, handlers))
        # event by event: the projections share no table, so this equals running them one after another
        for notification, domain_event in events:
            route = routes.get(notification.topic)
            if route is None:
                continue
            position = view.position = notification.id
            for old, p, handlers in route:
                if position <= old:
                    continue
                try:
                    for handler in handlers:
                        handler(view, domain_event)
                except Exception as exc:
                    raise ProjectionError(
                        f"{p.name} failed on notification {notification.id} ({notification.topic}): {exc}"
                    ) from exc
        if self.sleep_in_batch:
            time.sleep(self.sleep_in_batch)

    def _move(self, tx: Tx, moves: Sequence[tuple[str, int]], new_position: int) -> None:
        """Compare-and-set the tracking rows (key, position read) to `new_position`, in name order.
        PostgreSQL: one statement (the rows locked in name order first, as one UPDATE each would)."""
        if not moves:
            return
        if tx.dialect != "postgres":
            for key, old in moves:
                moved = tx.changed(
                    f"UPDATE {TRACKING} SET position = ? WHERE projection = ? AND position = ?",
                    [new_position, key, old],
                )
                if moved != 1:
                    raise PositionConflict(f"{key} is no longer at {old}")
            return
        keys, olds = [k for k, _ in moves], [o for _, o in moves]
        moved = tx.changed(
            f"WITH locked AS MATERIALIZED (SELECT projection FROM {TRACKING} WHERE projection = ANY(?::text[]) "
            f"ORDER BY projection FOR UPDATE) UPDATE {TRACKING} t SET position = ? "
            "FROM unnest(?::text[], ?::bigint[]) AS m(projection, position) "
            "WHERE t.projection = m.projection AND t.position = m.position "
            "AND t.projection IN (SELECT projection FROM locked)",
            [keys, new_position, keys, olds],
        )
        if moved != len(moves):
            raise PositionConflict(f"{', '.join(keys)}: not all at the positions read")

    def run_once(self, until_head: bool = True) -> int:
        """Process one batch, or (until_head) every batch up to the head as it was on entry.

        A rebuild keeps its tables' rows in memory (hundreds of thousands of dicts, none in a reference
        cycle): after each batch they are moved out of the cyclic collector's sight (`gc.freeze`), so its
        collections do not walk them again and again; `gc.unfreeze` on the way out hands them back."""
        if not self.shadow:
            return self._run(until_head)
        try:
            return self._run(until_head)
        finally:
            gc.unfreeze()

    def _run(self, until_head: bool) -> int:
        self.prepare()
        head, processed = self.head(), 0
        while True:
            positions = self.positions()
            start = min(positions.values(), default=head)
            if start >= head:
                return processed
            page = self.ledger.recorder.select_notifications(
                start=start + 1, limit=self.batch_size, stop=head, topics=self.topics
            )
            new_position = page[-1].id if len(page) == self.batch_size else head
            try:
                self.apply_batch(positions, page, new_position)
            except PositionConflict:
                continue  # another runner got there first: read the positions again
            processed += len(page)
            if self.shadow:
                gc.freeze()
            if self.seen is not None:
                self.seen.update(n.id for n in page)
            if self.on_batch:
                self.on_batch(new_position, head, len(page))
            if self.sleep:
                time.sleep(self.sleep)
            if not until_head:
                return processed

    def run_forever(self, poll_interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False) -> None:
        from service.store_errors import store_error

        while not should_stop():
            try:
                if self.run_once(until_head=True) == 0 and not should_stop():
                    time.sleep(poll_interval)
            except Exception as exc:
                failure = store_error(exc)
                if failure is None:
                    raise
                print(f"python -m projections: {failure}; trying again", file=sys.stderr, flush=True)
                time.sleep(max(poll_interval, 1.0))
