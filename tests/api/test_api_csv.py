"""CSV for every report endpoint (`?format=csv` or `Accept: text/csv`): the same figures as the JSON, cell by
cell, through one renderer; a new report route without a case here fails the first test."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    PROVINCE_HOSPITAL,
    REGION,
    admit_and_settle,
    poor_patient,
    publish_default,
)

from api.main import create_app
from service.commands import EnrolPatient, IssueBulletin, RecordPovertyStatus, RegisterPatient
from service.ledger import BenefitLedger
from service.settings import Settings

AUDITOR = bearer("tok-auditor")
CASES = {
    "/reports/counties/{county_code}/{year}": f"/reports/counties/{REGION}/2018?month=3",
    "/reports/patients/{patient_ref}/years/{year}/totals": "/reports/patients/P-1/years/2018/totals",
    "/reports/retroactive-compensation": "/reports/retroactive-compensation",
    "/reports/retroactive-compensation/summary": "/reports/retroactive-compensation/summary",
    "/reports/hospitals": "/reports/hospitals",
    "/reports/patients/{patient_ref}/years/{year}/audit-trail": "/reports/patients/P-1/years/2018/audit-trail",
    "/reports/admissions/{admission_ref}/audit-trail": "/reports/admissions/P-1-A/audit-trail?limit=2",
    "/reports/counties/{county_code}/{year}/townships": f"/reports/counties/{REGION}/2018/townships",
    "/reports/counties/{county_code}/{year}/trend": f"/reports/counties/{REGION}/2018/trend",
    "/reports/counties/{county_code}/{year}/restatements": f"/reports/counties/{REGION}/2018/restatements",
    "/reports/reference-reports/{county_code}": f"/reports/reference-reports/{REGION}",
    "/bulletins/{county_code}/{period}": f"/bulletins/{REGION}/2018-Q1",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path: Path = tmp_path_factory.mktemp("csv") / "ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        publish_default(ledger)
        poor_patient(ledger, "P-1")
        admit_and_settle(
            ledger, "P-1", "P-1-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 9)
        )
        ledger.handle(RegisterPatient(command_id="Q:r", patient_ref="Q", county_code=REGION, township="建平镇"))
        ledger.handle(EnrolPatient(command_id="Q:e", patient_ref="Q", year=2018))
        ledger.handle(
            RecordPovertyStatus(command_id="Q:s", patient_ref="Q", status="dibao", effective_from=date(2016, 1, 1))
        )
        admit_and_settle(ledger, "Q", "Q-A", PROVINCE_HOSPITAL, total="80000", compliant="72000", day=date(2018, 3, 20))
        ledger.handle(IssueBulletin(command_id="b", county_code=REGION, year=2018, quarter=1))
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client
    finally:
        ledger.close()


def flat(value: object, prefix: str = "") -> dict[str, str]:
    """The CSV spelling of a JSON value, written independently of the renderer."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flat(item, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list):
        out[prefix] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        out[prefix] = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    return out


def read_csv(response: object) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # type: ignore[attr-defined]
    content: bytes = response.content  # type: ignore[attr-defined]
    assert content.startswith("\ufeff".encode())  # Excel reads the Chinese names
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_every_report_route_answers_csv(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    templates = {
        path
        for path, operations in paths.items()
        if "text/csv" in operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        and "format" in {p["name"] for p in operations["get"].get("parameters", [])}
    }
    assert templates == set(CASES)
    for path in templates:
        assert "format" in {p["name"] for p in paths[path]["get"]["parameters"]}, path


@pytest.mark.parametrize("template", sorted(CASES))
def test_the_csv_has_the_json_figures_cell_by_cell(client: TestClient, template: str) -> None:
    url = CASES[template]
    body = client.get(url, headers=AUDITOR).json()
    by_query = read_csv(client.get(url + ("&" if "?" in url else "?") + "format=csv", headers=AUDITOR))
    by_accept = read_csv(client.get(url, headers={**AUDITOR, "Accept": "text/csv"}))
    assert by_query == by_accept
    scalars = {k: v for k, v in body.items() if not isinstance(v, (dict, list))}
    scalars = {k: v for k, v in scalars.items() if k not in ("count", "limit", "offset", "next_offset")}
    lists = [v for v in body.values() if isinstance(v, list) and all(isinstance(i, dict) for i in v)]
    if template == "/bulletins/{county_code}/{period}":
        figures = {(r["section"], r["row"], r["figure"]): r for r in by_query}
        county = body["issued"]["county"]
        assert figures[("county", "", "compensation")]["issued"] == county["compensation"]
        assert figures[("county", "", "payer:ncms")]["current"] == county["compensation_by_payer"]["ncms"]
        assert {r["row"] for r in by_query if r["section"] == "townships"} == {"毕桥镇", "建平镇"}
        return
    rows = lists[0] if lists else [{k: v for k, v in body.items() if k not in scalars}]
    assert len(by_query) == len(rows)
    for got, row in zip(by_query, rows):
        expected = {**flat(scalars), **flat(row)}
        assert {k: got[k] for k in expected} == expected
    if "count" in body:
        response = client.get(url, headers={**AUDITOR, "Accept": "text/csv"})
        assert response.headers["x-total-count"] == str(body["count"])


def test_json_stays_the_default_and_a_bad_format_is_refused(client: TestClient) -> None:
    url = f"/reports/counties/{REGION}/2018"
    assert client.get(url, headers=AUDITOR).headers["content-type"].startswith("application/json")
    both = client.get(url, headers={**AUDITOR, "Accept": "application/json, text/csv"})
    assert both.headers["content-type"].startswith("application/json")
    refused = client.get(url + "?format=xml", headers=AUDITOR)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    denied = client.get("/reports/hospitals?format=csv")
    assert denied.status_code == 401 and denied.headers["content-type"] == "application/problem+json"
