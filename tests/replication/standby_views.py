"""The read models' tables on a hot standby, opened without the CREATE statements a standby refuses.

`open_store()` creates the schema and the tracking table when missing, which a hot standby refuses
even when they exist ("cannot execute CREATE SCHEMA in a read-only transaction"). On a standby the
tables already came from the primary, where the projection worker writes them; dashboards only
read. (docs/replication.md: what a read-only `open_store` needs.)
"""

from __future__ import annotations

import threading

import psycopg
from psycopg import sql

from projections.store import PostgresViewStore
from service.settings import StoreConfig


class StandbyViewStore(PostgresViewStore):
    def __init__(self, config: StoreConfig) -> None:  # no super().__init__: it would CREATE
        self.config = config
        self.schema = config.schema
        self._lock = threading.RLock()
        self.conn = psycopg.connect(config.conninfo(), autocommit=True)
        self.conn.prepare_threshold = None
        self.conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(config.schema)))
        self.conn.execute("SET TimeZone TO 'UTC'")
