"""Soak: a bounded mixed load on a private PostgreSQL cluster, sampling who holds the events table's lock.

For LEDGER_SOAK_SECONDS (default 120; set it higher for a longer run) these run at once against one real
uvicorn server and, in this process, one more ledger on the same store:

  * two HTTP clients sending single registrations on keep-alive connections (a 503 is retried as is);
  * one HTTP client sending 1,000-command batches whose every command carries a 500-character township
    (about 1.6 MB a body);
  * one hostile HTTP client: a 10 MB body (413), a batch of 1,001 commands, and 1,000-command batches whose
    last command is invalid (422, nothing written);
  * the in-process ledger settling admissions for new patients (tests/faults/workload.py scripts);
  * a sampler reading pg_locks and pg_stat_activity every 0.25 s.

Then: no session was seen holding the events table's lock (or idle in a transaction) for longer than the
statement timeout; every acknowledged command is in the store (and replays as acknowledged), nothing of
a refused batch is; `verify_ledger` finds nothing; the server logged no traceback.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from tests.application.scenario import publish_default, register_standard_hospitals
from tests.faults.live_server import live_server
from tests.faults.workload import Client, client_script, without_replay_flag
from tests.pg_cluster import PgCluster

from service.commands import COMMANDS
from service.ledger import BenefitLedger
from service.settings import Settings
from service.verification import verify_ledger

SOAK_S = float(os.environ.get("LEDGER_SOAK_SECONDS") or 120)
SCHEMA = "ledger"
STATEMENT_TIMEOUT_MS, LOCK_TIMEOUT_MS, IDLE_TIMEOUT_MS = 10_000, 2_000, 5_000
TOKEN = "tok-soak-admin"
TOWNSHIP = "梅渚镇" * 166 + "郎溪"  # 500 characters, the Text limit
PG_ENV = {
    "LEDGER_PG_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
    "LEDGER_PG_LOCK_TIMEOUT_MS": str(LOCK_TIMEOUT_MS),
    "LEDGER_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS": str(IDLE_TIMEOUT_MS),
}


class Soak:
    def __init__(self, base: str, deadline: float) -> None:
        self.base, self.deadline = base, deadline
        self.acknowledged: set[str] = set()  # patient refs the server acknowledged (201 or 200)
        self.refused: set[str] = set()  # patient refs only ever sent in refused batches
        self.hostile: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)

    def until_answered(self, http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
        """Send until the answer is not a 503 (the same command id each time)."""
        while True:
            response = http.post(path, json=body)
            if response.status_code != 503:
                return response
            time.sleep(0.2)

    def guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")

        return run

    def singles(self, n: int) -> None:
        with self.client() as http:
            i = 0
            while self.running():
                ref = f"S{n}-{i}"
                answer = self.until_answered(
                    http, "/patients", {"command_id": f"{ref}:reg", "patient_ref": ref, "county_code": "341821"}
                )
                assert answer.status_code == 201, answer.text
                with self.lock:
                    self.acknowledged.add(ref)
                i += 1

    def batches(self) -> None:
        with self.client() as http:
            b = 0
            while self.running():
                refs = [f"B{b}-{i}" for i in range(1000)]
                answer = self.until_answered(http, "/batches", {"commands": [_register(r) for r in refs]})
                assert answer.status_code in (200, 201), answer.text
                with self.lock:
                    self.acknowledged.update(refs)
                b += 1

    def hostile_client(self) -> None:
        with self.client() as http:
            h = 0
            while self.running():
                huge = http.post("/batches", content=b'{"commands": ["' + b"x" * 10_000_000 + b'"]}')
                too_many = http.post("/batches", json={"commands": [_register(f"H{h}-n{i}") for i in range(1001)]})
                refs = [f"H{h}-{i}" for i in range(1000)]
                entries = [_register(r) for r in refs]
                entries[-1]["args"]["patient_ref"] = "not a ref"  # the last command is invalid: all refused
                bad_last = self.until_answered(http, "/batches", {"commands": entries})
                with self.lock:
                    self.hostile += [("10 MB body", huge.status_code), ("1,001 commands", too_many.status_code)]
                    self.hostile.append(("invalid last command", bad_last.status_code))
                    self.refused.update(refs[:-1])
                    self.refused.update(f"H{h}-n{i}" for i in range(1001))
                h += 1


def _register(ref: str) -> dict[str, Any]:
    return {
        "command": "register_patient",
        "command_id": f"{ref}:reg",
        "args": {"patient_ref": ref, "county_code": "341821", "township": TOWNSHIP},
    }


def _sample(cluster: PgCluster, table: str, stop: threading.Event, seen: dict[str, Any]) -> None:
    holders = (
        "SELECT a.pid, extract(epoch FROM now() - a.xact_start)::float8, a.state FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.relation = %s::regclass AND l.granted "
        "AND l.mode IN ('ExclusiveLock', 'AccessExclusiveLock')"
    )
    idle = (
        "SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0)::float8 FROM pg_stat_activity "
        "WHERE application_name = 'benefit-ledger' AND state = 'idle in transaction'"
    )
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(holders, [table]).fetchall()
            seen["samples"] += 1
            seen["held"] += bool(rows)
            seen["longest_hold_s"] = max([seen["longest_hold_s"], *(r[1] for r in rows)])
            seen["longest_idle_in_tx_s"] = max(seen["longest_idle_in_tx_s"], conn.execute(idle).fetchone()[0])
            stop.wait(0.25)


def _stored_patients(ledger: BenefitLedger) -> set[str]:
    refs: set[str] = set()
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=1000, topics=["ledger:Patient.Registered"])
        refs.update(ledger.mapper.to_domain_event(n).patient_ref for n in page)  # type: ignore[attr-defined]
        if len(page) < 1000:
            return refs
        start = page[-1].id + 1


def test_soak_mixed_load_with_large_batches_and_hostile_sizes(cluster: PgCluster, tmp_path: Path) -> None:
    url = cluster.url(SCHEMA)
    settings = Settings(
        database_url=url,
        pg_statement_timeout_ms=STATEMENT_TIMEOUT_MS,
        pg_lock_timeout_ms=LOCK_TIMEOUT_MS,
        pg_idle_in_transaction_timeout_ms=IDLE_TIMEOUT_MS,
    )
    local = BenefitLedger.from_settings(settings)
    publish_default(local)
    register_standard_hospitals(local)
    table = f"{SCHEMA}.{local.recorder.events_table_name}"
    seen: dict[str, Any] = {"samples": 0, "held": 0, "longest_hold_s": 0.0, "longest_idle_in_tx_s": 0.0}
    stop = threading.Event()
    settlers: list[Client] = []
    try:
        with live_server(url, TOKEN, tmp_path, env=PG_ENV) as (base, log):
            soak = Soak(base, time.monotonic() + SOAK_S)

            def settle() -> None:
                n = 0
                while soak.running():
                    script = client_script(1000 + n, patients=3)
                    worker = Client(local, script, deadline_s=60)
                    worker.run()
                    if worker.error is not None:
                        raise worker.error
                    settlers.append(worker)
                    n += 1

            threads = [
                threading.Thread(target=_sample, args=(cluster, table, stop, seen), daemon=True),
                *(threading.Thread(target=soak.guarded(lambda n=n: soak.singles(n)), daemon=True) for n in range(2)),
                threading.Thread(target=soak.guarded(soak.batches), daemon=True),
                threading.Thread(target=soak.guarded(soak.hostile_client), daemon=True),
                threading.Thread(target=soak.guarded(settle), daemon=True),
            ]
            for thread in threads:
                thread.start()
            for thread in threads[1:]:
                thread.join(timeout=SOAK_S + 300)
                assert not thread.is_alive(), "a load thread did not finish"
            stop.set()
            threads[0].join(timeout=10)
            server_log = log.read_text()
    finally:
        stop.set()
        local.close()
    print(
        f"soak {SOAK_S:.0f} s: {seen}, {len(soak.acknowledged)} patients acknowledged over HTTP, "
        f"{sum(len(s.acknowledged) for s in settlers)} in-process commands"
    )
    assert not soak.errors, soak.errors
    assert seen["samples"] > 0
    assert seen["longest_hold_s"] < STATEMENT_TIMEOUT_MS / 1000, seen
    assert seen["longest_idle_in_tx_s"] < STATEMENT_TIMEOUT_MS / 1000, seen
    assert {outcome for outcome in soak.hostile} <= {
        ("10 MB body", 413),
        ("1,001 commands", 422),
        ("invalid last command", 422),
    }, soak.hostile
    assert soak.hostile and soak.acknowledged and settlers
    assert "Traceback" not in server_log, server_log[-5000:]

    fresh = BenefitLedger.from_settings(settings)
    try:
        stored = _stored_patients(fresh)
        assert soak.acknowledged <= stored, sorted(soak.acknowledged - stored)[:10]  # nothing acknowledged lost
        assert not (soak.refused & stored), sorted(soak.refused & stored)[:10]  # nothing refused written
        for worker in settlers:  # every in-process command replays as it was acknowledged
            for method, kwargs in worker.script:
                replay = fresh.handle(COMMANDS[method](**kwargs))
                assert without_replay_flag(replay) == without_replay_flag(worker.acknowledged[kwargs["command_id"]])
        report = verify_ledger(fresh)
    finally:
        fresh.close()
    assert report.ok, report.findings[:10]
