"""The API while PostgreSQL is down, and after it restarts: 503 problem+json, never a 500 or a trace.

A write refused while the store was down is applied once when the client sends it again with the
same command id; the report routes' read models reconnect after a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from tests.application.scenario import poor_patient, publish_default, worked_example
from tests.pg_cluster import PgCluster

from api.access import AccessPolicy, Principal, Role
from api.main import create_app
from service.ledger import BenefitLedger
from service.settings import Settings

ACCESS = AccessPolicy.from_tokens({"tok-admin": Principal(name="registry", role=Role.ADMIN)})
ADMIN = {"Authorization": "Bearer tok-admin"}
NEW_PATIENT = {"command_id": "reg-P2", "patient_ref": "P2", "county_code": "341821"}


@pytest.fixture
def config(cluster: PgCluster) -> Settings:
    """The ledger waits at most 1 s per attempt for a connection (the library makes 10 attempts)."""
    return Settings(database_url=cluster.url("ledger"), pg_connect_timeout_s=1)


@pytest.fixture
def ledger(config: Settings) -> Iterator[BenefitLedger]:
    app = BenefitLedger.from_settings(config)
    publish_default(app)
    yield app
    app.close()


def _assert_problem_503(response: Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == 503 and "event store" in body["detail"]
    assert "Traceback" not in response.text and "\n" not in body["detail"]
    return body


def test_requests_while_the_store_is_down_get_503_and_a_refused_write_is_applied_once_later(
    cluster: PgCluster, ledger: BenefitLedger, config: Settings
) -> None:
    poor_patient(ledger, "P1")
    with TestClient(create_app(config, ledger=ledger, access=ACCESS), raise_server_exceptions=False) as client:
        assert client.get("/patients/P1", headers=ADMIN).status_code == 200
        cluster.stop("fast")
        _assert_problem_503(client.get("/patients/P1", headers=ADMIN))
        _assert_problem_503(client.post("/patients", json=NEW_PATIENT, headers=ADMIN))
        cluster.start()
        deadline = time.monotonic() + 30
        while (sent := client.post("/patients", json=NEW_PATIENT, headers=ADMIN)).status_code == 503:
            assert time.monotonic() < deadline, "the ledger did not reconnect"
            time.sleep(0.5)
        assert sent.status_code == 201, sent.text  # not recorded while the store was down
        again = client.post("/patients", json=NEW_PATIENT, headers=ADMIN)
        assert again.status_code == 200 and again.headers.get("Idempotency-Replayed") == "true"
    assert ledger.get_patient("P2").version == 1


def test_the_report_routes_read_models_reconnect_after_a_restart(
    cluster: PgCluster, ledger: BenefitLedger, config: Settings
) -> None:
    worked_example(ledger, "P-WE")
    with TestClient(create_app(config, ledger=ledger, access=ACCESS), raise_server_exceptions=False) as client:
        before = client.get("/reports/counties/341821/2018", headers=ADMIN)
        assert before.status_code == 200, before.text
        cluster.restart("fast")
        answers = [client.get("/reports/counties/341821/2018", headers=ADMIN) for _ in range(3)]
    for refused in answers[:-1]:  # the first read after the restart may find its connection gone ...
        if refused.status_code != 200:
            _assert_problem_503(refused)
    assert answers[-1].status_code == 200, answers[-1].text  # ... but the read models reconnect
    assert answers[-1].json() == before.json()
