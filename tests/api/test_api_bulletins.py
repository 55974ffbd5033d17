"""County bulletins: issued by an admin with their figures frozen; xlsx read back and compared with the
projections to the fen; the PDF rendered to PNG and its text checked; a later retroactive recalculation
shows as a restatement against the issued bulletin, which itself never changes. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from role_client import ACCESS, bearer
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    PROVINCE_HOSPITAL,
    REGION,
    admit_and_settle,
    poor_patient,
    publish_default,
)
from tests.application.scenario import policy_variant as variant
from tests.browser.png_reader import read_png
from tests.documents.pdf_tools import pdf_pages_png, pdf_text
from tests.projections.builders import WITHOUT_5090

from api.main import create_app
from projections.county_dashboard import county_dashboard
from projections.county_detail import township_breakdown
from projections.hospital_months import hospital_breakdown
from service.clock import ManualClock
from service.commands import (
    ConfirmMajorDisease,
    EnrolPatient,
    PublishPolicyVersion,
    RecalculateForPolicy,
    RecordPovertyStatus,
    RegisterPatient,
)
from service.ledger import BenefitLedger
from service.settings import Settings

D = Decimal
ADMIN, DASHBOARD = bearer("tok-admin"), bearer("tok-dashboard")


def scenario(ledger: BenefitLedger) -> None:
    """P-5090 (毕桥镇, ESRD) settled in February and May at the province hospital without "5090"; Q (建平镇)
    settled in May at the county hospital. The server clock is scripted (ManualClock): the bulletin is issued on
    5 June 2018, after May closed."""
    ledger.clock = clock = ManualClock(datetime(2017, 12, 31, tzinfo=UTC))
    publish_default(
        ledger,
        variant(
            "langxi-2018.1-no5090",
            datetime(2017, 12, 31, tzinfo=UTC),
            **{"cascade.inpatient": WITHOUT_5090, "ma.by_status": {}},
        ),
    )
    poor_patient(ledger, "P-5090")
    ledger.handle(
        ConfirmMajorDisease(command_id="esrd", patient_ref="P-5090", disease="esrd", confirmed_on=date(2017, 6, 1))
    )
    for n, day in enumerate([date(2018, 2, 10), date(2018, 5, 10)]):
        clock.set(datetime(2018, day.month, 11, tzinfo=UTC))
        admit_and_settle(
            ledger,
            "P-5090",
            f"P-5090-D{n}",
            PROVINCE_HOSPITAL,
            total="40000",
            compliant="40000",
            day=day,
            referred=True,
            settled_at=clock.now(),
        )
    ledger.handle(RegisterPatient(command_id="Q:r", patient_ref="Q", county_code=REGION, township="建平镇"))
    ledger.handle(EnrolPatient(command_id="Q:e", patient_ref="Q", year=2018))
    ledger.handle(
        RecordPovertyStatus(command_id="Q:s", patient_ref="Q", status="jiandanglika", effective_from=date(2016, 1, 1))
    )
    clock.set(datetime(2018, 5, 11, tzinfo=UTC))
    admit_and_settle(
        ledger,
        "Q",
        "Q-1",
        COUNTY_HOSPITAL,
        total="10000.50",
        compliant="9000.25",
        day=date(2018, 5, 3),
        settled_at=datetime(2018, 5, 11, tzinfo=UTC),
    )


def recalculate_with_5090(ledger: BenefitLedger) -> None:
    ledger.clock.set(datetime(2018, 7, 15, tzinfo=UTC))
    ledger.handle(
        PublishPolicyVersion.of(
            variant("langxi-2018.2-5090", datetime(2018, 7, 15, tzinfo=UTC), **{"ma.by_status": {}}),
            command_id="publish-5090",
        )
    )
    ledger.clock.set(datetime(2018, 7, 16, tzinfo=UTC))
    ledger.handle(
        RecalculateForPolicy(
            command_id="recalc-5090",
            region=REGION,
            version="langxi-2018.2-5090",
            known_at=datetime(2018, 7, 16, tzinfo=UTC),
        )
    )


@pytest.fixture
def client(store_url: str) -> Iterator[tuple[TestClient, BenefitLedger]]:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    try:
        scenario(ledger)
        ledger.clock.set(datetime(2018, 6, 5, tzinfo=UTC))
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client, ledger
    finally:
        ledger.close()


def issue(client: TestClient, status: int = 201, headers: dict | None = None, **body: object) -> dict:
    response = client.post("/bulletins", json=body, headers=headers or ADMIN)
    assert response.status_code == status, response.text
    result: dict = response.json()
    return result


def read(client: TestClient, path: str, status: int = 200) -> dict:
    response = client.get(path, headers=DASHBOARD)
    assert response.status_code == status, response.text
    body: dict = response.json()
    return body


def money_cell(value: object) -> Decimal:
    """An xlsx number read back, to the fen (exact: two places far below 2**53)."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return D(repr(value)).quantize(D("0.01"))


def test_an_issued_bulletin_freezes_its_figures_and_shows_a_later_recalculation_as_a_restatement(
    client: tuple[TestClient, BenefitLedger], tmp_path: Path
) -> None:
    http, ledger = client
    issued = issue(http, command_id="b-2018-05", county_code=REGION, year=2018, month=5)
    assert (issued["county_code"], issued["period"], issued["version"]) == (REGION, "2018-05", 1)
    again = http.post(
        "/bulletins", json={"command_id": "b-2018-05", "county_code": REGION, "year": 2018, "month": 5}, headers=ADMIN
    )
    assert again.status_code == 200 and again.json() == issued  # an idempotent retry
    issue(http, 409, command_id="b-2018-05-twice", county_code=REGION, year=2018, month=5)
    issue(http, command_id="b-2018-q2", county_code=REGION, year=2018, quarter=2)

    views = http.app.state.views  # type: ignore[attr-defined]
    before = read(http, f"/bulletins/{REGION}/2018-05")
    assert before["restated"] is False and before["restatement"] == [] and before["issued"] == before["current"]
    county = county_dashboard(views, REGION, 2018, month=5)
    frozen = before["issued"]["county"]
    assert (frozen["person_times"], frozen["total_cost"]) == (2, "50000.50")
    for figure in ("total_cost", "compensation", "patient_share", "hospital_borne"):
        assert D(frozen[figure]) == county[figure], figure
    assert [t["township"] for t in before["issued"]["townships"]] and {
        t["township"] for t in before["issued"]["townships"]
    } == {"毕桥镇", "建平镇"}
    assert [h["rank"] for h in before["issued"]["hospitals"]] == [1, 2]
    assert before["issued"]["hospitals"][0]["hospital_code"] == "AH-001"  # the larger compensation ranks first

    # xlsx read back: every county figure, township and hospital row equals the projection to the fen
    workbook = http.get(f"/bulletins/{REGION}/2018-05.xlsx", headers=DASHBOARD)
    assert workbook.status_code == 200 and workbook.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(BytesIO(workbook.content))
    assert book.sheetnames == ["概况", "乡镇排名", "医院排名", "更正", "说明"]
    summary = {row[1]: row for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    for figure in ("total_cost", "compensation", "patient_share", "hospital_borne"):
        assert money_cell(summary[figure][2]) == county[figure], figure
    for payer, amount in county["compensation_by_payer"].items():
        assert money_cell(summary[f"payer:{payer}"][2]) == amount, payer
    assert summary["person_times"][2] == county["person_times"] == 2
    assert D(repr(summary["actual_compensation_ratio"][2])) == county["actual_compensation_ratio"]
    townships = {t["township"]: t for t in township_breakdown(views, REGION, 2018, 5, 5)}
    for row in book["乡镇排名"].iter_rows(min_row=2, values_only=True):
        _rank, name, person_times, _inpatient, _rate, total, compensation = row[:7]
        assert (person_times, money_cell(total), money_cell(compensation)) == (
            townships[name]["person_times"],
            townships[name]["total_cost"],
            townships[name]["compensation"],
        )
    hospitals = {h["hospital_code"]: h for h in hospital_breakdown(views, REGION, 2018, 5, 5)}
    rows = list(book["医院排名"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["AH-001", "LX-001"]
    for row in rows:
        assert money_cell(row[7]) == hospitals[row[1]]["compensation"]

    # the PDF: rendered to PNG (not blank) and its text carries the figures
    pdf = tmp_path / "bulletin.pdf"
    response = http.get(f"/bulletins/{REGION}/2018-05.pdf", headers=DASHBOARD)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    for fact in ("郎溪县健康扶贫医疗保障月点评（2018-05）", "毕桥镇", "建平镇", "安徽省立医院", "50,000.50"):
        assert fact in text, fact
    assert f"{county['compensation']:,.2f}" in text
    assert "无更正" in text
    pages = pdf_pages_png(pdf, resolution=100)
    assert len(pages) == 1, "a county's monthly bulletin prints on one A4 page"
    image = read_png(pages[0].read_bytes())
    assert abs(image.width - 827) <= 1 and abs(image.height - 1170) <= 1, (image.width, image.height)  # A4
    colours = image.colours()
    dark = sum(n for (r, g, b), n in colours.items() if r + g + b < 300)
    assert colours[(255, 255, 255)] < 0.97 * image.width * image.height and dark > 5_000, "a blank page"
    assert image.box((180, 83, 9)) is None  # no restatement frame (#b45309) yet

    # a retroactive recalculation after the month closed: the bulletin stays, the restatement shows
    recalculate_with_5090(ledger)
    after = read(http, f"/bulletins/{REGION}/2018-05")
    assert after["issued"] == before["issued"]  # frozen
    assert after["restated"] is True
    changes = {(c["section"], c["row"], c["figure"]): c for c in after["restatement"]}
    compensation = changes[("county", "", "compensation")]
    now = county_dashboard(views, REGION, 2018, month=5)["compensation"]
    assert D(compensation["current"]) == now and D(compensation["issued"]) == D(frozen["compensation"])
    assert D(compensation["change"]) == now - D(frozen["compensation"]) > 0
    assert ("county", "", "payer:s5090") in changes
    assert ("townships", "建平镇", "compensation") not in changes  # Q's settlement did not change
    assert [m["month"] for m in after["restated_months"]] == [5]
    assert D(after["restated_months"][0]["compensation_change"]) == D(compensation["change"])
    quarter = read(http, f"/bulletins/{REGION}/2018-Q2")
    assert quarter["restated"] is True and quarter["kind"] == "quarterly"

    pdf.write_bytes(http.get(f"/bulletins/{REGION}/2018-05.pdf", headers=DASHBOARD).content)
    text = pdf_text(pdf)
    assert "更正说明" in text and f"{D(compensation['change']):,.2f}" in text
    pages = pdf_pages_png(pdf, resolution=100)
    frame = read_png(pages[0].read_bytes()).box((180, 83, 9))
    assert frame is not None and frame[2] - frame[0] > 400, "no restatement section drawn"
    book = load_workbook(BytesIO(http.get(f"/bulletins/{REGION}/2018-05.xlsx", headers=DASHBOARD).content))
    restated = {row[3]: row for row in book["更正"].iter_rows(min_row=2, values_only=True) if row[0] == "county"}
    assert money_cell(restated["compensation"][6]) == D(compensation["change"])


def test_who_may_issue_and_what_is_refused(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    head = ledger.recorder.max_notification_id()
    issue(http, 403, headers=DASHBOARD, command_id="x", county_code=REGION, year=2018, month=5)
    issue(http, 422, command_id="x", county_code=REGION, year=2018)  # neither month nor quarter
    issue(http, 422, command_id="x", county_code=REGION, year=2018, month=5, quarter=2)
    issue(http, 422, command_id="x", county_code=REGION, year=2018, month=13)
    issue(http, 422, command_id="x", county_code=REGION, year=2018, quarter="2")
    assert ledger.recorder.max_notification_id() == head
    read(http, f"/bulletins/{REGION}/2018-06", 404)
    read(http, f"/bulletins/{REGION}/2018-13", 422)
