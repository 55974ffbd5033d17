"""Schemathesis against the OpenAPI schema: no input, however odd, gets a 500 or a non-problem error body.

Every operation of the schema is fuzzed with generated paths, queries, headers and bodies, sent with
the token of the role the route is meant for (role_client), so the generated input reaches the
validation and the command handlers rather than stopping at 401/403.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from role_client import ACCESS, RoleClient

from api.main import create_app
from service.ledger import BenefitLedger
from service.settings import Settings

PROBLEM = "application/problem+json"
FHIR_JSON = "application/fhir+json"
_app = create_app(access=ACCESS)
schema = schemathesis.openapi.from_dict(_app.openapi())


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoleClient]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{db}"))
    with TestClient(create_app(ledger=ledger, access=ACCESS)) as inner:
        role_client = RoleClient(inner)
        role_client.post("/patients", json={"command_id": "fz-p", "patient_ref": "P", "county_code": "341821"})
        yield role_client
    ledger.close()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_gets_a_server_error(case: Any, client: RoleClient) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body = {"json": kwargs["json"]}
    elif kwargs.get("data") is not None:
        body = {"content": kwargs["data"]}
    response = client.request(
        kwargs["method"],
        kwargs["url"].removeprefix("http://testserver"),
        headers={k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in ("content-length",)},
        params=kwargs.get("params"),
        **body,
    )
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text)
    if response.status_code >= 400 and response.headers["content-type"] == FHIR_JSON:
        outcome = response.json()  # the FHIR API refuses inside an interaction with an OperationOutcome
        assert case.formatted_path.startswith("/fhir/") and outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"]
    elif response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM), response.headers
        problem = response.json()
        assert problem["status"] == response.status_code and problem["detail"]
