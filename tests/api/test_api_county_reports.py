"""The county dashboard's detail reports over HTTP: townships for a month or quarter, the year-on-year trend,
restated months and the Langxi report; aggregates any aggregate reader may read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from role_client import ACCESS, bearer
from tests.application.scenario import COUNTY_HOSPITAL, REGION, admit_and_settle, policy_variant

from api.main import create_app
from service.commands import EnrolPatient, PublishPolicyVersion, RecordPovertyStatus, RegisterPatient
from service.ledger import BenefitLedger
from service.settings import Settings

D = Decimal


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Patient T settled in March 2017 and March 2018 (建平镇), patient U in May 2018 (毕桥镇)."""
    path: Path = tmp_path_factory.mktemp("county") / "ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        ledger.handle(
            PublishPolicyVersion.of(
                policy_variant("langxi-2017", datetime(2016, 12, 1, tzinfo=UTC), effective_from=date(2017, 1, 1)),
                command_id="p2017",
            )
        )
        for ref, township in (("T", "建平镇"), ("U", "毕桥镇")):
            ledger.handle(
                RegisterPatient(command_id=f"{ref}:r", patient_ref=ref, county_code=REGION, township=township)
            )
            for year in (2017, 2018):
                ledger.handle(EnrolPatient(command_id=f"{ref}:e{year}", patient_ref=ref, year=year))
            ledger.handle(
                RecordPovertyStatus(
                    command_id=f"{ref}:s", patient_ref=ref, status="jiandanglika", effective_from=date(2016, 1, 1)
                )
            )
        admit_and_settle(
            ledger,
            "T",
            "T-17",
            COUNTY_HOSPITAL,
            total="10000",
            compliant="9000",
            day=date(2017, 3, 8),
            settled_at=datetime(2017, 3, 8, 10, tzinfo=UTC),
        )
        admit_and_settle(ledger, "T", "T-18", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 9))
        admit_and_settle(ledger, "U", "U-18", COUNTY_HOSPITAL, total="6000", compliant="6000", day=date(2018, 5, 2))
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client
    finally:
        ledger.close()


def get(client: TestClient, path: str, token: str = "tok-dashboard", status: int = 200, **params: object) -> dict:
    response = client.get(path, params=params, headers=bearer(token))
    assert response.status_code == status, response.text
    body: dict = response.json()
    return body


def test_the_trend_sets_each_month_beside_the_same_month_a_year_earlier(client: TestClient) -> None:
    trend = get(client, f"/reports/counties/{REGION}/2018/trend")
    assert (trend["year"], trend["previous_year"], len(trend["months"])) == (2018, 2017, 12)
    march = trend["months"][2]
    now, before = march["this_year"], march["last_year"]
    assert (now["person_times"], now["total_cost"], before["total_cost"]) == (1, "20000.00", "10000.00")
    change = (D(now["compensation"]) - D(before["compensation"])) / D(before["compensation"])
    assert D(march["compensation_change"]) == change.quantize(D("0.0001"))
    may = trend["months"][4]
    assert (
        may["last_year"] is None and may["compensation_change"] is None and may["this_year"]["total_cost"] == "6000.00"
    )
    assert trend["months"][0] == {"month": 1, "this_year": None, "last_year": None, "compensation_change": None}
    march_report = get(client, f"/reports/counties/{REGION}/2018", month=3)
    assert now["compensation"] == march_report["compensation"]


def test_townships_for_a_month_a_quarter_and_the_year(client: TestClient) -> None:
    base = f"/reports/counties/{REGION}/2018/townships"
    year = get(client, base)
    assert year["months"] == [1, 12] and [t["township"] for t in year["townships"]] == ["建平镇", "毕桥镇"]
    assert get(client, base, quarter=1)["townships"][0]["township"] == "建平镇"
    assert [t["township"] for t in get(client, base, quarter=1)["townships"]] == ["建平镇"]
    assert [t["township"] for t in get(client, base, quarter=2, cumulative="true")["townships"]] == ["建平镇", "毕桥镇"]
    assert get(client, base, month=5)["townships"][0]["total_cost"] == "6000.00"
    both = get(client, base, status=422, month=5, quarter=2)
    assert "not both" in both["detail"]
    county = get(client, f"/reports/counties/{REGION}/2018", quarter=2)
    assert county["period"] == ["2018-04-01", "2018-06-30"] and county["total_cost"] == "6000.00"
    assert get(client, base, token="tok-hospital-LX-001")["townships"]  # aggregates: any aggregate reader


def test_restatements_and_the_reference_report(client: TestClient) -> None:
    assert get(client, f"/reports/counties/{REGION}/2018/restatements")["restatements"] == []  # never recalculated
    report = get(client, f"/reports/reference-reports/{REGION}")
    assert report["figures"]["total_cost"] == "15050500.00" and report["months"] == [1, 7]
    assert report["figures"]["compensation_by_payer"]["reassist"] is None
    assert get(client, "/reports/reference-reports/999999", status=404)["detail"].startswith("no published report")
    assert get(client, f"/reports/counties/{REGION}/2018/trend", token="nope", status=401)
