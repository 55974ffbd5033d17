"""The retry lock: a command or batch that collided with a concurrent writer re-runs while holding it.

Writers that keep colliding on the same aggregate (a burst of settlements on one patient-year, two
hospitals uploading overlapping batches) then take turns instead of retrying against each other
until they give up: a first attempt runs unlocked (the usual, uncontended case costs nothing), and
only a re-run waits. One lock per process (threads) and, on PostgreSQL, one advisory lock for every
process on the store. Re-entrant per thread: a holder that re-runs again keeps the lock it has.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RETRY_LOCK_KEY = 0x6C65646765720001  # the PostgreSQL advisory lock's key ("ledger" + 1)
_lock = threading.Lock()
_held = threading.local()


@contextmanager
def retrying(app: Any) -> Iterator[None]:
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _lock:
        _held.depth = 1
        try:
            datastore = getattr(app.recorder, "datastore", None)
            if "postgres" not in str(app.env.get("PERSISTENCE_MODULE", "")) or datastore is None:
                yield
                return
            with datastore.get_connection() as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", [RETRY_LOCK_KEY])
                try:
                    yield
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [RETRY_LOCK_KEY])
        finally:
            _held.depth = 0


@contextmanager
def unlocked() -> Iterator[None]:
    yield
