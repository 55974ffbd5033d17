"""Store-unavailable 503s over a real socket: one keep-alive connection keeps being answered, and a SQLite
store whose file was read-only takes writes again once its mode is fixed, without a restart.

The server is a real uvicorn process (tests/faults/live_server.py); the client is one httpx keep-alive
client, and the local port of each response's connection shows it is the same connection throughout.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import httpx
from tests.application.scenario import poor_patient, publish_default
from tests.faults.live_server import live_server
from tests.pg_cluster import PgCluster

from service.ledger import BenefitLedger
from service.settings import Settings

TOKEN = "tok-admin-keepalive"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def _local_port(response: httpx.Response) -> int:
    stream = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


def _prepared_store(tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    ledger.publish_default_policies()  # what the server publishes at start-up: it starts without writing
    poor_patient(ledger, "P1")
    ledger.close()
    return url, db


def test_a_read_only_sqlite_file_is_503_on_the_same_connection_and_writable_again_without_restart(
    tmp_path: Path,
) -> None:
    url, db = _prepared_store(tmp_path)
    db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # 0444: the service cannot write it
    with live_server(url, TOKEN, tmp_path) as (base, log), httpx.Client(base_url=base, headers=ADMIN) as client:
        first = client.get("/patients/P1")
        assert first.status_code == 200, first.text
        port = _local_port(first)

        refused = client.post("/patients", json={"command_id": "reg-P2", "patient_ref": "P2", "county_code": "341821"})
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["Retry-After"].isdigit()
        assert "read-only" in refused.json()["detail"]
        assert _local_port(refused) == port

        after = client.get("/patients/P1")  # the next request on the same keep-alive connection is answered
        assert after.status_code == 200, after.text
        assert _local_port(after) == port

        for path in tmp_path.glob("ledger.db*"):  # the file and the -wal/-shm files SQLite made like it
            os.chmod(path, 0o644)
        again = client.post("/patients", json={"command_id": "reg-P2", "patient_ref": "P2", "county_code": "341821"})
        assert again.status_code == 201, again.text  # the store reconnected; nothing was recorded before
        assert _local_port(again) == port
        assert client.get("/patients/P2").status_code == 200
    text = log.read_text()
    assert "Traceback" not in text, text
    warned = [line for line in text.splitlines() if "read-only" in line and "POST /patients" in line]
    assert len(warned) == 1, text


def test_postgresql_down_is_503_on_the_same_connection_and_the_write_goes_through_after_restart(
    cluster: PgCluster, tmp_path: Path
) -> None:
    url = cluster.url("ledger")
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    poor_patient(ledger, "P1")
    ledger.close()
    new_patient = {"command_id": "reg-P2", "patient_ref": "P2", "county_code": "341821"}
    with (
        live_server(url, TOKEN, tmp_path, env={"LEDGER_PG_CONNECT_TIMEOUT_S": "1"}) as (base, log),
        httpx.Client(base_url=base, headers=ADMIN, timeout=60) as client,
    ):
        first = client.get("/patients/P1")
        assert first.status_code == 200, first.text
        port = _local_port(first)
        cluster.stop("fast")
        for _ in range(3):  # each refusal is answered, and the connection stays open for the next request
            refused = client.post("/patients", json=new_patient)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.headers["Retry-After"].isdigit()
            assert _local_port(refused) == port
        cluster.start()
        deadline = time.monotonic() + 30
        while (sent := client.post("/patients", json=new_patient)).status_code == 503:
            assert time.monotonic() < deadline, "the ledger did not reconnect"
            assert _local_port(sent) == port
            time.sleep(0.5)
        assert sent.status_code == 201, sent.text
        assert _local_port(sent) == port
    text = log.read_text()
    assert "Traceback" not in text, text
    assert sum(1 for line in text.splitlines() if "POST /patients: 503" in line) >= 3
