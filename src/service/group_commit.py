"""Group commit: concurrent commands share one transaction, each keeping its own outcome.

With group commit on, each command still runs in its own request thread — its reads, rules and
`expected_version` check happen there, concurrently with other commands' — but instead of saving,
it hands its pending events (and its CommandRecord's) to one committer thread and waits. The
committer takes what has queued (up to `group_size_max`, lingering at most `linger` for more once
one is there) and writes the whole group in ONE transaction, so the disk flush and the insert lock
are paid per group instead of per command.

If the group's transaction collides (IntegrityError: two commands of the group, or another process,
wrote the same aggregate version or the same command id), the committer writes each command's events
on its own; the ones that still collide get the IntegrityError back, and `execute` handles it exactly
as without group commit: re-run on fresh state, return the first result of a replayed command id, or
409 for a stale `expected_version`. So idempotency and conflict errors stay per command.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from domain.aggregates.command_record import CommandRecord


@dataclass
class _Item:
    events: list[Any]
    aggregates: dict[Any, Any]
    future: Future[None] = field(default_factory=Future)


class GroupCommitter:
    """One committer thread per ledger; `save` blocks its caller until its events are durable or refused."""

    def __init__(self, app: Any, *, group_size_max: int = 64, linger: float = 0.002) -> None:
        self.app = app
        self.group_size_max = group_size_max
        self.linger = linger
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._closed = False
        self.groups = 0
        self.commands = 0
        self._thread = threading.Thread(target=self._loop, name="ledger-group-commit", daemon=True)
        self._thread.start()

    def save(self, *objs: Any) -> None:
        """Save the aggregates' pending events in the next group (IntegrityError: this command collided)."""
        if self._closed:
            raise RuntimeError("the group committer is closed")
        events: list[Any] = []
        aggregates: dict[Any, Any] = {}
        for obj in objs:
            events.extend(obj.collect_events())
            aggregates[obj.id] = obj
        item = _Item(events, aggregates)
        self._queue.put(item)
        item.future.result()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=10)

    # ---- the committer thread ------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = self._gather(group)
            self._write(group)
            if stop:
                return

    def _gather(self, group: list[_Item]) -> bool:
        """Take what is queued (waiting up to `linger` for more); True when close() was asked."""
        while len(group) < self.group_size_max:
            try:
                item = self._queue.get(timeout=self.linger) if self.linger else self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is None:
                return True
            group.append(item)
        return False

    def _write(self, group: list[_Item]) -> None:
        try:
            self._record(group)
        except IntegrityError:
            for item in group:  # one by one: only the commands that really collided get the error
                try:
                    self._record([item])
                except BaseException as exc:
                    item.future.set_exception(exc)
                else:
                    item.future.set_result(None)
            return
        except BaseException as exc:
            for item in group:
                item.future.set_exception(exc)
            return
        for item in group:
            item.future.set_result(None)

    def _record(self, items: list[_Item]) -> None:
        """One atomic write of the items' events, then snapshots and notifications as `Application.save`."""
        processing: ProcessingEvent[Any] = ProcessingEvent()
        for item in items:
            processing.events.extend(item.events)
            processing.aggregates.update(item.aggregates)
        recordings = self.app._record(processing)
        self.groups += 1
        self.commands += len(items)
        self.app._take_snapshots(processing)
        self.app._notify(recordings)
        self._cache(processing.aggregates)

    def _cache(self, aggregates: dict[Any, Any]) -> None:
        """Keep the aggregates just written in the repository's cache (the library does not when it
        fast-forwards), so the next command on one of them reads only newer events: a new admission or
        patient-year is then one query away, not a snapshot read plus a replay. A CommandRecord is not kept
        (nothing reads it again but a retry). An entry already at a later version stays."""
        cache = self.app.repository.cache
        if cache is None:
            return
        for aggregate_id, aggregate in aggregates.items():
            if isinstance(aggregate, CommandRecord):
                continue
            try:
                known = cache.get(aggregate_id)
            except KeyError:
                known = None
            if known is None or known.version < aggregate.version:
                cache.put(aggregate_id, aggregate)
