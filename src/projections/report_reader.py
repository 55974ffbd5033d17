"""The read models as a command handler sees them: caught up to the ledger's head, then queried.

A bulletin freezes figures the projections compute, so the command issuing it reads them here. Each
ledger gets one reader (opened on first use, closed with the process): it opens the view store beside the
ledger's store (the same SQLite sibling file or PostgreSQL schema the API and the worker use; a
`:memory:` ledger gets its own in-memory views, caught up from the start) and catches every projection up
to the head under a lock before each read. Concurrent catch-ups elsewhere are safe: a batch is
compare-and-set on its tracking position.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from projections.catalog import select
from projections.runner import Runner
from projections.store import ViewStore, open_store
from service.settings import StoreConfig

_READERS: weakref.WeakKeyDictionary[Any, ReportReader] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def store_config_of(ledger: Any) -> StoreConfig:
    """The store a ledger runs on (its view store lives beside it)."""
    env = {key: str(value) for key, value in ledger.env.items()}
    if "postgres" in env.get("PERSISTENCE_MODULE", ""):
        return StoreConfig("", "postgres", env, env.get("POSTGRES_SCHEMA") or "public")
    return StoreConfig("", "sqlite", {**env, "SQLITE_DBNAME": env.get("SQLITE_DBNAME") or ":memory:"})


class ReportReader:
    def __init__(self, ledger: Any) -> None:
        self.views: ViewStore = open_store(store_config_of(ledger))
        self._runner = Runner(ledger, self.views, select(None), batch_size=500)
        self._lock = threading.Lock()

    def fresh(self) -> tuple[ViewStore, int]:
        """The view store caught up to the head, and the position (notification id) it has reached."""
        with self._lock:
            self._runner.run_once(until_head=True)
            position = min(self._runner.positions().values(), default=0)
        return self.views, position


def reader_for(ledger: Any) -> ReportReader:
    with _LOCK:
        reader = _READERS.get(ledger)
        if reader is None:
            reader = _READERS[ledger] = ReportReader(ledger)
        return reader
