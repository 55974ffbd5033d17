"""The server's clock: the one source of every recorded time.

`recorded_at` of every event (the eventsourcing event timestamp), a policy version's `published_at`, the
moment a settlement selects its policy version by, and the default `known_at` of a recalculation are all
read from the ledger's clock (`BenefitLedger.clock`), never from the client. Tests inject a `ManualClock`
to fix or move time:

    clock = ManualClock(datetime(2018, 7, 1, 10, tzinfo=UTC))
    ledger = BenefitLedger(env, clock=clock)
    clock.set(datetime(2018, 7, 15, tzinfo=UTC))

While a command runs (`BenefitLedger.handle`) the ledger's clock is the current clock of that thread or task
(a context variable), and eventsourcing's event timestamps are taken from it: every event the command
appends carries the same server time its handler read.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from eventsourcing.domain import CanCreateTimestamp


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The machine's clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until it is set or advanced (for tests and replays of a scripted day)."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a clock's time needs a time zone")
    return at.astimezone(UTC)


_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar("ledger_clock", default=None)
_system = SystemClock()


def now() -> datetime:
    """The current clock's time: the running command's ledger clock, else the system clock."""
    return (_current.get() or _system).now()


@contextmanager
def running_on(clock: Clock) -> Iterator[None]:
    """Within the block, events are stamped with `clock`'s time."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def _event_timestamp() -> datetime:
    return now()


# Every eventsourcing event (aggregate created, every @event method, snapshots) asks create_timestamp().
CanCreateTimestamp.create_timestamp = staticmethod(_event_timestamp)  # type: ignore[method-assign]
