"""Processes starting together on one fresh PostgreSQL schema all come up.

The API replicas and the projection worker start at the same moment in docker compose and
Kubernetes; each creates the event tables (CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE FUNCTION)
and the read models' tracking table. Run concurrently, PostgreSQL's catalog updates collide
("tuple concurrently updated", duplicate pg_type rows) unless the creators take turns.
"""

from __future__ import annotations

import threading

from tests.pg_cluster import PgCluster

from projections.store import open_store
from service.ledger import BenefitLedger
from service.settings import Settings, store_config

STARTERS = 4


def test_ledgers_and_view_stores_started_at_once_on_a_fresh_schema_all_come_up(cluster: PgCluster) -> None:
    config = store_config(cluster.url("fresh"))
    start = threading.Barrier(STARTERS)
    failures: list[str] = []
    opened: list[object] = []

    def starter() -> None:
        try:
            start.wait(timeout=30)
            ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
            views = open_store(config)
            opened.extend([ledger, views])
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=starter) for _ in range(STARTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert failures == []
        assert len(opened) == 2 * STARTERS
    finally:
        for thing in opened:
            thing.close()  # type: ignore[attr-defined]
