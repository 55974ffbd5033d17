"""Search and lists, paged in SQL: patients by ref or whole name (admins and auditors; the index holds only a
keyed digest and the ciphertext), admissions by hospital and date range, settlements by period. Both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer
from tests.application.scenario import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, REGION, admit_and_settle, publish_default

from api.main import create_app
from service.commands import EnrolPatient, RecordPovertyStatus, RegisterAdmission, RegisterPatient
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings

NAMES = {"P-01": "张桂兰", "P-02": "李建国", "P-03": "张桂芳", "Q-01": "王芳"}
ID_CARD_NO = "34182119800101123X"
AUDITOR, ADMIN, DASHBOARD = bearer("tok-auditor"), bearer("tok-admin"), bearer("tok-dashboard")


@pytest.fixture
def client(store_url: str) -> Iterator[tuple[TestClient, BenefitLedger]]:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    try:
        publish_default(ledger)
        for ref, name in NAMES.items():
            extra = {"id_card_no": ID_CARD_NO} if ref == "P-01" else {}
            ledger.handle(
                RegisterPatient(
                    command_id=f"{ref}:r", patient_ref=ref, county_code=REGION, township="毕桥镇", name=name, **extra
                )
            )
            ledger.handle(EnrolPatient(command_id=f"{ref}:e", patient_ref=ref, year=2018))
            ledger.handle(
                RecordPovertyStatus(
                    command_id=f"{ref}:s", patient_ref=ref, status="jiandanglika", effective_from=date(2016, 1, 1)
                )
            )
        ledger.handle(RegisterPatient(command_id="P-04:r", patient_ref="P-04", county_code=REGION))  # no name
        admit_and_settle(
            ledger, "P-01", "P-01-A", COUNTY_HOSPITAL, total="1000", compliant="900", day=date(2018, 1, 20)
        )
        admit_and_settle(
            ledger, "P-01", "P-01-B", PROVINCE_HOSPITAL, total="9000", compliant="9000", day=date(2018, 3, 2)
        )
        admit_and_settle(
            ledger, "P-02", "P-02-A", COUNTY_HOSPITAL, total="2000", compliant="2000", day=date(2018, 3, 30)
        )
        admit_and_settle(
            ledger, "Q-01", "Q-01-A", COUNTY_HOSPITAL, total="3000", compliant="2500", day=date(2018, 4, 1)
        )
        ledger.handle(
            RegisterAdmission(
                command_id="open",
                admission_ref="P-03-A",
                patient_ref="P-03",
                kind="inpatient",
                hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
                admitted_on=date(2018, 3, 15),
            )
        )
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client, ledger
    finally:
        ledger.close()


def get(client: TestClient, path: str, headers: dict, status: int = 200, **params: object) -> dict:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == status, response.text
    body: dict = response.json()
    return body


def test_patients_by_ref_prefix_paged_and_by_whole_name(client: tuple[TestClient, BenefitLedger]) -> None:
    http, _ = client
    first = get(http, "/search/patients", AUDITOR, ref="P-", limit=2)
    assert (first["count"], first["next_offset"]) == (4, 2)
    second = get(http, "/search/patients", AUDITOR, ref="P-", limit=2, offset=2)
    assert second["next_offset"] is None
    refs = [p["patient_ref"] for p in first["patients"] + second["patients"]]
    assert refs == ["P-01", "P-02", "P-03", "P-04"]
    assert first["patients"][0] == {
        "patient_ref": "P-01",
        "county_code": REGION,
        "township": "毕桥镇",
        "name": "张桂兰",
        "id_card_no_masked": "341821********123X",
    }
    assert get(http, "/search/patients", AUDITOR, ref="P_0")["count"] == 0  # "_" is no wildcard
    by_name = get(http, "/search/patients", ADMIN, name="张桂兰")
    assert [p["patient_ref"] for p in by_name["patients"]] == ["P-01"]
    assert [p["patient_ref"] for p in get(http, "/search/patients", ADMIN, name=" 张 桂兰 ")["patients"]] == ["P-01"]
    assert get(http, "/search/patients", ADMIN, name="张")["count"] == 0  # a whole name only
    assert get(http, "/search/patients", ADMIN, name="王芳", ref="P-")["count"] == 0
    assert get(http, "/search/patients", ADMIN, name="王芳", county_code=REGION)["patients"][0]["patient_ref"] == "Q-01"
    get(http, "/search/patients", DASHBOARD, 403, ref="P-")
    get(http, "/search/patients", bearer("tok-hospital-LX-001"), 403, ref="P-")


def test_the_index_holds_no_name(client: tuple[TestClient, BenefitLedger]) -> None:
    http, _ = client
    get(http, "/search/patients", AUDITOR)  # caught up
    views = http.app.state.views  # type: ignore[attr-defined]
    with views.transaction(readonly=True) as tx:
        rows = tx.rows("SELECT patient_ref, county_code, township, name_key, personal_sealed FROM proj_search_patients")
    text = repr(rows)
    assert len(rows) == 5
    for name in NAMES.values():
        assert name not in text
    assert ID_CARD_NO not in text


def test_admissions_by_hospital_and_date_range(client: tuple[TestClient, BenefitLedger]) -> None:
    http, _ = client
    march = get(http, "/search/admissions", AUDITOR, admitted_from="2018-03-01", admitted_to="2018-03-31")
    assert [a["admission_ref"] for a in march["admissions"]] == ["P-01-B", "P-03-A", "P-02-A"]
    county = get(http, "/search/admissions", AUDITOR, hospital_code="LX-001", admitted_from="2018-03-01", limit=1)
    assert (county["count"], county["admissions"][0]["admission_ref"], county["next_offset"]) == (3, "P-03-A", 1)
    open_one = county["admissions"][0]
    assert open_one["discharged_on"] is None and open_one["settlement_id"] is None
    own = get(http, "/search/admissions", bearer("tok-hospital-LX-001"))
    assert {a["hospital_code"] for a in own["admissions"]} == {"LX-001"} and own["count"] == 4
    get(http, "/search/admissions", bearer("tok-hospital-LX-001"), 403, hospital_code="AH-001")
    get(http, "/search/admissions", AUDITOR, 422, admitted_from="2018-04-01", admitted_to="2018-03-01")
    get(http, "/search/admissions", AUDITOR, 422, admitted_from="2018-02-30")


def test_settlements_by_period(client: tuple[TestClient, BenefitLedger]) -> None:
    http, _ = client
    quarter = get(http, "/search/settlements", AUDITOR, period="2018-Q1")
    assert [s["settlement_id"] for s in quarter["settlements"]] == ["P-01-A#1", "P-01-B#1", "P-02-A#1"]
    assert quarter["settlements"][0]["total_cost"] == "1000.00"
    assert get(http, "/search/settlements", AUDITOR, period="2018-04")["count"] == 1
    assert get(http, "/search/settlements", AUDITOR, period="2018")["count"] == 4
    ranged = get(http, "/search/settlements", AUDITOR, service_from="2018-03-01", service_to="2018-03-31", limit=1)
    assert (ranged["count"], ranged["settlements"][0]["settlement_id"]) == (2, "P-01-B#1")
    own = get(http, "/search/settlements", bearer("tok-hospital-AH-001"), period="2018")
    assert [s["settlement_id"] for s in own["settlements"]] == ["P-01-B#1"]
    get(http, "/search/settlements", AUDITOR, 422, period="2018-13")
    get(http, "/search/settlements", AUDITOR, 422, period="2018", service_from="2018-01-01")
    get(http, "/search/settlements", DASHBOARD, 403, period="2018")
