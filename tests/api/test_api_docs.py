"""API docs that work offline and say what the API really does: Swagger UI and ReDoc from local assets,
security schemes, problem+json for every refusal, 200 on an idempotent retry, an example for every request
body, explicit operation ids, unknown query parameters refused; and a client generated from the schema
(openapi-python-client) that runs one full settlement."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer

from api.main import create_app
from api.openapi_doc import PUBLIC
from api.request_examples import COMMAND_ARGS
from api.schemas.batches import BatchCreate
from api.schemas.settlements import SettlementQuoteCreate
from service.commands import COMMANDS, parse_command
from service.his_upload import parse_upload, read_table
from service.ledger import BenefitLedger
from service.settings import Settings

VENDORED = Path(__file__).parents[2] / "src" / "api" / "docs_assets" / "vendor"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("docs") / "ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_swagger_ui_and_redoc_load_only_assets_the_ledger_serves(client: TestClient) -> None:
    if not (VENDORED / "swagger-ui-bundle.js").is_file():
        pytest.fail("run 'make install': it copies swagger-ui-dist and redoc from node_modules")
    for page, assets in (
        ("/docs", ["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"]),
        ("/redoc", ["/docs/assets/redoc.standalone.js"]),
    ):
        response = client.get(page)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        html = response.text
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), f"{page} loads something from outside"
        assert "/openapi.json" in html
        for asset in assets:
            assert asset in html
            served = client.get(asset)
            assert served.status_code == 200 and len(served.content) > 100_000, asset
    assert client.get("/docs/assets/../main.py").status_code == 404
    assert client.get("/docs/assets/index.html").status_code == 404


def test_security_schemes_and_problem_responses_on_every_operation(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schema["security"] == [{"bearerAuth": []}, {"apiKey": []}]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        public = (path, method) in PUBLIC
        assert (operation.get("security") == []) is public, path
        expected = {"422", "500", "503"} | (set() if public else {"401", "403"})
        expected |= {"404"} if "{" in path else set()
        expected |= {"409", "413"} if method == "post" else set()
        for code in expected:
            content = responses[code]["content"]
            assert list(content) == ["application/problem+json"], (path, code)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        for code, response in responses.items():
            if code[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (path, code)
        if "201" in responses:
            assert responses["200"]["content"] == responses["201"]["content"], path
            assert "retry" in responses["200"]["description"]


def test_operation_ids_are_explicit_names_and_unique(schema: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", operation_id), operation_id
    assert set(COMMANDS) <= set(ids)  # a command route's id is the command's name
    assert {"read_county_dashboard", "read_bulletin", "fhir_read_patient", "read_patient"} <= set(ids)


def test_every_request_body_has_an_example_that_the_route_accepts(schema: dict[str, Any]) -> None:
    for path, _method, operation in operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        name = operation["operationId"]
        if name == "upload_his_file":
            csv_example = body["content"]["text/csv"]["example"].encode()
            parsed = parse_upload(read_table(csv_example, "text/csv"))
            assert parsed.errors == [] and len(parsed.rows) == 3
            continue
        example = body["content"]["application/json"]["example"]
        if name in COMMANDS:
            path_fields = {k: v for k, v in COMMAND_ARGS[name].items() if "{" + k + "}" in path}
            command = parse_command({"command": name, **example, **path_fields})
            assert command.command_id == example["command_id"]
        elif name == "append_batch":
            assert len(BatchCreate.model_validate(example).commands) == 2
        else:
            assert name == "quote_settlement", name
            SettlementQuoteCreate.model_validate(example)


def test_what_the_docs_say_is_what_is_sent(client: TestClient, schema: dict[str, Any]) -> None:
    """Without a token every secured operation is a 401 problem; the public ones answer."""
    for path, method, _ in operations(schema):
        url = re.sub(r"{year}", "2018", re.sub(r"{period}", "2018-07", re.sub(r"{(\w+)}", "X-1", path)))
        response = client.request(method.upper(), url, json={} if method == "post" else None)
        if (path, method) in PUBLIC:
            assert response.status_code == 200, (path, response.text)
        else:
            assert response.status_code == 401, (path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"


def test_unknown_query_parameters_are_refused(client: TestClient) -> None:
    dashboard = bearer("tok-dashboard")
    ok = client.get("/reports/counties/341821/2018", params={"month": 7, "fresh": "false"}, headers=dashboard)
    assert ok.status_code == 200
    refused = client.get("/reports/counties/341821/2018", params={"mnth": 7}, headers=dashboard)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["mnth"]
    post = client.post(
        "/patients?dry_run=1",
        json={"command_id": "q", "patient_ref": "Q", "county_code": "341821"},
        headers=bearer("tok-admin"),
    )
    assert post.status_code == 422 and [e["field"] for e in post.json()["errors"]] == ["dry_run"]
    assert client.get("/reports/counties/341821/2018", headers=dashboard).status_code == 200
    assert client.get("/dashboard?county=341821&year=2018").status_code == 200  # the page reads its own address


def test_a_generated_client_runs_one_full_settlement(
    client: TestClient, schema: dict[str, Any], tmp_path: Path
) -> None:
    import json

    (tmp_path / "openapi.json").write_text(json.dumps(schema))
    (tmp_path / "config.yaml").write_text(
        "content_type_overrides:\n"
        "  application/pdf: application/octet-stream\n"
        "  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream\n"
    )
    tool = Path(sys.executable).with_name("openapi-python-client")
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            "ledger_client",
            "--meta",
            "none",
            "--config",
            "config.yaml",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        generated = importlib.import_module("ledger_client")
        models = importlib.import_module("ledger_client.models")

        def call(module: str, role: str, status: int = 201, **kwargs: Any) -> Any:
            client.headers["Authorization"] = f"Bearer tok-{role}"
            api = importlib.import_module(f"ledger_client.api.{module}")
            response = api.sync_detailed(client=sdk, **kwargs)
            assert response.status_code == status, (module, response.content)
            return response.parsed

        sdk = generated.Client(base_url="http://testserver").set_httpx_client(client)
        hospital = COMMAND_ARGS["register_hospital"]
        body = models.RegisterPatientBody.from_dict
        call(
            "hospitals.register_hospital",
            "admin",
            body=models.RegisterHospitalBody.from_dict({"command_id": "g:h", **hospital}),
        )
        call(
            "patients.register_patient",
            "admin",
            body=body({"command_id": "g:r", "patient_ref": "G-1", "county_code": "341821", "township": "毕桥镇"}),
        )
        call(
            "patients.enrol_patient",
            "admin",
            patient_ref="G-1",
            body=models.EnrolPatientBody.from_dict({"command_id": "g:e", "year": 2018}),
        )
        call(
            "patients.record_poverty_status",
            "admin",
            patient_ref="G-1",
            body=models.RecordPovertyStatusBody.from_dict(
                {"command_id": "g:s", "status": "jiandanglika", "effective_from": "2016-01-01"}
            ),
        )
        token = f"hospital-{hospital['hospital_code']}"
        call(
            "admissions.register_admission",
            token,
            body=models.RegisterAdmissionBody.from_dict(
                {
                    "command_id": "g:a",
                    "admission_ref": "G-1-A",
                    "patient_ref": "G-1",
                    "hospital_code": hospital["hospital_code"],
                    "admitted_on": "2018-03-01",
                }
            ),
        )
        line = {k: v for k, v in COMMAND_ARGS["post_charge_line"].items() if k != "admission_ref"}
        call(
            "admissions.post_charge_line",
            token,
            admission_ref="G-1-A",
            body=models.PostChargeLineBody.from_dict(
                {**line, "command_id": "g:l1", "quantity": "1", "unit_price": "20000.00"}
            ),
        )
        call(
            "admissions.discharge",
            token,
            admission_ref="G-1-A",
            body=models.DischargeBody.from_dict({"command_id": "g:d", "discharged_on": "2018-03-05"}),
        )
        settle = models.SettleAdmissionBody.from_dict(
            {"command_id": "g:settle", "settled_at": "2018-03-05T10:00:00+08:00"}
        )
        first = call("settlements.settle_admission", token, admission_ref="G-1-A", body=settle)
        retry = call("settlements.settle_admission", token, 200, admission_ref="G-1-A", body=settle)
        assert first.to_dict() == retry.to_dict()
        year = call("settlements.read_benefit_year", "auditor", 200, patient_ref="G-1", year=2018).to_dict()
        [record] = year["settlements"]
        settlement = record["settlement"]
        assert settlement["total"] == "20000.00" == first.to_dict()["total"]
        assert record["settlement_id"] == first.settlement_id == "G-1-A#1"
        payers = sum(int(layer["amount"].replace(".", "")) for layer in settlement["layers"])
        patient = int(settlement["patient_compliant"].replace(".", "")) + int(
            settlement["patient_noncompliant"].replace(".", "")
        )
        assert payers + patient + int(settlement["hospital_borne"].replace(".", "")) == 2_000_000  # in fen
        refused = call(
            "patients.register_patient",
            "dashboard",
            403,
            body=body({"command_id": "g:x", "patient_ref": "G-2", "county_code": "341821"}),
        )
        assert refused.status == 403 and refused.type_.startswith("urn:benefit-ledger:problem:")
    finally:
        sys.path.remove(str(tmp_path))
        client.headers.pop("Authorization", None)
        for name in [m for m in sys.modules if m == "ledger_client" or m.startswith("ledger_client.")]:
            del sys.modules[name]
