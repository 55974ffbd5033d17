"""Group commit: concurrent single commands share one transaction, each keeping its own outcome.

With group commit on, `execute` (service.idempotency) hands each command from a request thread to
one committer thread. The committer takes what has queued (up to `group_size_max`, waiting at most
`linger` for more once one is there), runs the commands in a unit of work (service.unit_of_work)
and saves them with ONE commit, so a disk flush is paid per group instead of per command.

Each command keeps its own semantics:
- idempotency: a command id seen before, or earlier in the same group, returns the first result;
- refusals: a command that raises (bad input, stale `expected_version` → 409, state conflict) gets
  its own error; the group is run again without it from fresh state, so nothing it did half-way is
  saved and the others are unaffected;
- conflicts with other processes: if the group's commit collides (IntegrityError), each command of
  the group is run again on its own, with the usual retries.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from service.unit_of_work import commit, direct, unit_of_work

Command = Callable[[], dict[str, Any]]


@dataclass
class _Item:
    run: Command
    future: Future[dict[str, Any]] = field(default_factory=Future)


class GroupCommitter:
    """One committer thread per ledger; `submit` blocks the caller until its command is durable or refused."""

    def __init__(self, app: Any, *, group_size_max: int = 64, linger: float = 0.002) -> None:
        self.app = app
        self.group_size_max = group_size_max
        self.linger = linger
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="ledger-group-commit", daemon=True)
        self._closed = False
        self.groups = 0
        self.commands = 0
        self._thread.start()

    def submit(self, run: Command) -> dict[str, Any]:
        if self._closed:
            raise RuntimeError("the group committer is closed")
        item = _Item(run)
        self._queue.put(item)
        return item.future.result()

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
            self._run_group(group)
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

    def _run_group(self, group: list[_Item]) -> None:
        pending = list(group)
        while pending:
            outcome = self._attempt(pending)
            if outcome is None:
                return
            failed, error = outcome
            if failed is None:  # the commit collided with another process: run each on its own
                self._run_each(pending)
                return
            failed.future.set_exception(error)
            pending = [item for item in pending if item is not failed]

    def _attempt(self, items: list[_Item]) -> tuple[_Item | None, BaseException | None] | None:
        """Run and commit `items` together. None: done (futures set); else (refused item, its error) or
        (None, None) after a commit conflict."""
        results: list[dict[str, Any]] = []
        with unit_of_work() as unit:
            for item in items:
                try:
                    results.append(item.run())
                except BaseException as exc:  # noqa: BLE001 - handed to that command's caller
                    return item, exc
            try:
                commit(self.app, unit)
            except IntegrityError:
                return None, None
            except BaseException as exc:  # noqa: BLE001 - the store failed: every command of the group fails
                for item in items:
                    item.future.set_exception(exc)
                return None
        self.groups += 1
        self.commands += len(items)
        for item, result in zip(items, results, strict=True):
            item.future.set_result(result)
        return None

    def _run_each(self, items: list[_Item]) -> None:
        with direct():
            for item in items:
                try:
                    item.future.set_result(item.run())
                except BaseException as exc:  # noqa: BLE001
                    item.future.set_exception(exc)
