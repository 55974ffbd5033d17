"""The ledger's PostgreSQL sessions: their timeouts, a connection that failed mid-pipeline discarded, and
`ledger serve` leaving within a bounded time on SIGTERM while a write waits on the events table's lock.

Each test runs on a private cluster (tests/pg_cluster.py): it holds locks on the events table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from tests.application.scenario import poor_patient, publish_default
from tests.pg_cluster import PgCluster, free_port

from api.access_keys import add_client
from service.commands import RegisterPatient
from service.ledger import BenefitLedger
from service.settings import Settings

SCHEMA = "ledger"


def _prepared(cluster: PgCluster) -> str:
    """The store with the default policy and one patient; returns the events table's qualified name."""
    ledger = BenefitLedger.from_settings(Settings(database_url=cluster.url(SCHEMA)))
    publish_default(ledger)
    poor_patient(ledger, "P1")
    table = f'"{SCHEMA}"."{ledger.recorder.events_table_name}"'
    ledger.close()
    return table


def _hold_lock(cluster: PgCluster, table: str) -> psycopg.Connection[Any]:
    """Another session takes the events table's lock and keeps it (as the stuck INSERT of the incident did)."""
    blocker = psycopg.connect(cluster.conninfo())
    blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # as the ledger takes it: reads go on
    return blocker


def test_the_ledgers_sessions_carry_the_configured_timeouts(cluster: PgCluster) -> None:
    settings = Settings(
        database_url=cluster.url(SCHEMA),
        pg_statement_timeout_ms=45_000,
        pg_lock_timeout_ms=2_500,
        pg_idle_in_transaction_timeout_ms=7_000,
    )
    ledger = BenefitLedger.from_settings(settings)
    try:
        with ledger.recorder.datastore.get_connection() as conn:
            shown = {
                name: conn.execute(f"SHOW {name}").fetchone()[f"{name}"]  # type: ignore[index]
                for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
            }
            app_name = conn.execute("SHOW application_name").fetchone()["application_name"]  # type: ignore[index]
    finally:
        ledger.close()
    assert shown == {
        "statement_timeout": "45s",
        "lock_timeout": "2500ms",
        "idle_in_transaction_session_timeout": "7s",
    }
    assert app_name == "benefit-ledger"


def test_a_statement_over_the_timeout_is_cancelled(cluster: PgCluster) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=cluster.url(SCHEMA), pg_statement_timeout_ms=300))
    try:
        with ledger.recorder.datastore.get_connection() as conn:
            try:
                conn.execute("SELECT pg_sleep(5)")
            except psycopg.errors.QueryCanceled as exc:
                assert "statement timeout" in str(exc)
            else:
                raise AssertionError("a 5 s statement ran under a 300 ms statement_timeout")
    finally:
        ledger.close()


def test_a_connection_that_failed_mid_pipeline_is_discarded_and_the_write_goes_through_after(
    cluster: PgCluster,
) -> None:
    table = _prepared(cluster)
    ledger = BenefitLedger.from_settings(Settings(database_url=cluster.url(SCHEMA), pg_lock_timeout_ms=1_000))
    try:
        pool = ledger.recorder.datastore.pool
        ledger.get_patient("P1")  # the pool is open
        before = pool.get_stats().get("returns_bad", 0)
        blocker = _hold_lock(cluster, table)
        threading.Timer(2.5, blocker.rollback).start()  # released after two or three lock timeouts
        try:
            ledger.handle(RegisterPatient(command_id="reg-P2", patient_ref="P2", county_code="341821"))
        finally:
            blocker.close()  # the library's retries met the released lock
        assert pool.get_stats().get("returns_bad", 0) > before  # each connection that timed out mid-pipeline
        assert ledger.get_patient("P2").version == 1
    finally:
        ledger.close()


def test_serve_exits_within_its_shutdown_timeout_on_sigterm_while_a_write_waits_on_the_lock(
    cluster: PgCluster, tmp_path: Path
) -> None:
    table = _prepared(cluster)
    keys = tmp_path / "api-keys.toml"
    token = add_client(keys, name="registry", role="admin")
    port = free_port()
    env = {
        "LEDGER_DATABASE_URL": cluster.url(SCHEMA),
        "LEDGER_API_KEYS_FILE": str(keys),
        "LEDGER_PG_LOCK_TIMEOUT_MS": "120000",  # the write would wait two minutes for the lock
        "LEDGER_PG_STATEMENT_TIMEOUT_MS": "180000",
        "LEDGER_SHUTDOWN_TIMEOUT_S": "3",
        "PATH": str(Path(sys.executable).parent),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }
    ledger_script = Path(sys.executable).parent / "ledger"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(ledger_script), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    blocker = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        blocker = _hold_lock(cluster, table)
        outcome: dict[str, Any] = {}

        def write() -> None:
            try:
                outcome["response"] = httpx.post(
                    base + "/patients",
                    json={"command_id": "reg-P2", "patient_ref": "P2", "county_code": "341821"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=200,
                )
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        with psycopg.connect(cluster.conninfo(), autocommit=True) as watcher:
            while not watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = 'benefit-ledger' AND wait_event_type = 'Lock'"
            ).fetchone():
                assert time.monotonic() < deadline + 30, "the write never reached the lock"
                time.sleep(0.1)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)  # the lock would keep the write waiting 120 s
        except subprocess.TimeoutExpired:
            raise AssertionError("ledger serve ignored SIGTERM while a write waited on the lock") from None
        writer.join(timeout=30)
        assert "response" not in outcome or outcome["response"].status_code >= 500
    finally:
        if blocker is not None:
            blocker.close()
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
