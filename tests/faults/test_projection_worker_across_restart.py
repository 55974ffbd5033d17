"""The projection worker (`python -m projections run`) keeps following the log across a PostgreSQL restart.

The worker is killed mid-run and mid-rebuild in tests/projections/test_kill_and_rebuild.py (kill -9,
both stores, tables compared with a from-scratch rebuild); this test covers the server going away
under a worker that stays up: it must reconnect and project what was recorded after the restart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.application.scenario import publish_default, worked_example
from tests.pg_cluster import PgCluster
from tests.projections.builders import dump

from projections import catalog
from projections.rebuild import rebuild
from projections.runner import tracking_rows
from projections.store import ViewStore, open_store
from service.ledger import BenefitLedger
from service.settings import Settings, store_config

ROOT = Path(__file__).resolve().parents[2]


def _positions(views: ViewStore) -> dict[str, int]:
    with views.transaction(readonly=True) as tx:
        return {name: pos for name, (pos, _) in tracking_rows(tx).items()}


def _wait_until_projected(views: ViewStore, head: int, worker: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        positions = _positions(views)
        if positions and all(positions.get(name, 0) >= head for name in catalog.PROJECTIONS):
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}): {worker.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline, f"not projected up to {head} in {timeout} s: {positions}"
        time.sleep(0.1)


def test_a_running_worker_reconnects_after_a_restart_and_projects_what_came_after(cluster: PgCluster) -> None:
    url = cluster.url("ledger")
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    worked_example(ledger, "P-BEFORE")
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "projections", "run", "--poll-interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        views = open_store(store_config(url))
        _wait_until_projected(views, int(ledger.recorder.max_notification_id()), worker, timeout=30)
        views.close()

        cluster.restart("fast")
        worked_example(ledger, "P-AFTER")  # the ledger's pool reconnects by itself
        views = open_store(store_config(url))
        _wait_until_projected(views, int(ledger.recorder.max_notification_id()), worker, timeout=30)
        live = {name: dump(views, name) for name in catalog.PROJECTIONS}
        assert any(row[0] == "P-AFTER" for row in live["annual_totals"]["annual_totals"])
        rebuild(ledger, views, "all", swap=False, progress=False)
        for name in catalog.PROJECTIONS:  # nothing lost or counted twice across the restart
            assert dump(views, name, shadow=True) == live[name], name
        views.close()
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
        ledger.close()
