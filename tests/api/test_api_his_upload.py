"""HIS upload: CSV and xlsx (Chinese headers accepted) of admissions, charge lines and discharges, mapped to the
same commands as batches; per-row errors (also as a downloadable CSV); all or nothing per file or per admission."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from role_client import ACCESS, bearer
from tests.application.scenario import poor_patient, publish_default, register_standard_hospitals

from api.main import create_app
from service.his_upload import XLSX
from service.ledger import BenefitLedger
from service.settings import Settings

HEADER_EN = "type,admission_ref,patient_ref,admitted_on,hospital_code,line_no,item_code,quantity,unit_price,category,discharged_on"
HEADER_ZH = "记录类型,住院号,患者编号,入院日期,医院编码,明细序号,项目编码,数量,单价,费用类别,出院日期"
TOKEN = bearer("tok-hospital-LX-001")


def rows_for(ref: str, patient: str, amount: str = "1250.50", day: str = "2018-03-05") -> list[str]:
    return [
        f"admission,{ref},{patient},2018-03-01,LX-001,,,,,,",
        f"charge_line,{ref},,,,1,G-DRUGS,1,{amount},drug,",  # in catalogue (class a)
        f"charge_line,{ref},,,,2,S-TREATMENT,1,100,treatment,",  # out of catalogue (self-pay)
        f"discharge,{ref},,,,,,,,,{day}",
    ]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, BenefitLedger]]:
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}"))
    try:
        publish_default(ledger)
        register_standard_hospitals(ledger)
        for ref in ("P-1", "P-2"):
            poor_patient(ledger, ref)
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as test_client:
            yield test_client, ledger
    finally:
        ledger.close()


def upload(client: TestClient, text: str, status: int = 201, mode: str = "file", **headers: str) -> object:
    response = client.post(
        f"/uploads/his?mode={mode}",
        content=text.encode(),
        headers={**TOKEN, "Content-Type": "text/csv", **headers},
    )
    assert response.status_code == status, response.text
    return response


def test_a_csv_with_chinese_headers_becomes_the_batch_commands(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    text = "\n".join([HEADER_ZH, *(r.replace("admission,", "入院,", 1) for r in rows_for("A-1", "P-1"))])
    body = upload(http, text).json()  # type: ignore[attr-defined]
    assert (body["rows"], body["appended"], body["replayed"], body["applied"]) == (4, 4, 0, 1)
    admission = ledger.get_admission("A-1")
    assert admission.discharged_on == "2018-03-05" and admission.hospital["code"] == "LX-001"
    lines = http.get("/admissions/A-1", headers=TOKEN).json()
    assert [(line["amount"], line["compliant"]) for line in lines["lines"]] == [
        ("1250.50", True),
        ("100.00", False),
    ]
    again = upload(http, text).json()  # type: ignore[attr-defined]
    assert (again["appended"], again["replayed"]) == (0, 4)  # the derived command ids replay


def test_xlsx_is_read_the_same_way(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_EN.split(","))
    for row in rows_for("A-2", "P-2"):
        cells: list[object] = row.split(",")
        cells = [None if c == "" else c for c in cells]
        sheet.append(cells)
    sheet["D2"] = date(2018, 3, 1)  # a real date cell
    sheet["I3"] = 1250.5  # a number cell (unit_price)
    out = io.BytesIO()
    book.save(out)
    response = http.post("/uploads/his", content=out.getvalue(), headers={**TOKEN, "Content-Type": XLSX})
    assert response.status_code == 201, response.text
    assert ledger.get_admission("A-2").admitted_on == "2018-03-01"
    assert http.get("/admissions/A-2", headers=TOKEN).json()["lines"][0]["amount"] == "1250.50"


def test_per_row_errors_and_nothing_written(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    head = ledger.recorder.max_notification_id()
    bad = rows_for("A-3", "P-1", amount="12.345")
    bad[3] = bad[3].replace("2018-03-05", "2018-02-30")
    bad.append("refund,A-3,,,,,,,,,,")
    problem = upload(http, "\n".join([HEADER_EN, *bad]), 422).json()  # type: ignore[attr-defined]
    assert [(r["row"], r["column"]) for r in problem["rows"]] == [(3, "unit_price"), (5, "discharged_on"), (6, "type")]
    report = upload(http, "\n".join([HEADER_EN, *bad]), 422, Accept="text/csv")
    assert report.headers["content-disposition"].startswith("attachment")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert [r[:2] for r in rows[1:]] == [["3", "unit_price"], ["5", "discharged_on"], ["6", "type"]]
    assert ledger.recorder.max_notification_id() == head


def test_all_or_nothing_per_file_or_per_admission(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    head = ledger.recorder.max_notification_id()
    good, bad = rows_for("A-4", "P-1"), rows_for("A-5", "P-UNKNOWN")  # the patient is not registered
    text = "\n".join([HEADER_EN, *good, *bad])
    refused = upload(http, text, 422).json()  # type: ignore[attr-defined]
    assert refused["rows"][0]["row"] == 6 and refused["rows"][0]["status"] == 404
    assert ledger.recorder.max_notification_id() == head  # nothing of the file
    per_admission = upload(http, text, mode="admission").json()  # type: ignore[attr-defined]
    assert (per_admission["applied"], per_admission["refused"]) == (1, 1)
    outcome = {o["admission_ref"]: o for o in per_admission["outcomes"]}
    assert outcome["A-4"]["status"] == "applied" and outcome["A-5"]["error"]["row"] == 6
    assert ledger.get_admission("A-4").discharged_on == "2018-03-05"
    other = bearer("tok-hospital-AH-001")  # a hospital uploads only rows at its own window
    response = http.post("/uploads/his", content=text.encode(), headers={**other, "Content-Type": "text/csv"})
    assert response.status_code == 422 and response.json()["rows"][0]["status"] == 403


def test_the_old_layout_columns_are_refused_by_name(client: tuple[TestClient, BenefitLedger]) -> None:
    http, ledger = client
    head = ledger.recorder.max_notification_id()
    text = "\n".join(
        [
            "记录类型,住院号,患者编号,入院日期,医院编码,医院级别,明细序号,项目编码,数量,单价,金额,是否合规",
            "入院,A-6,P-1,2018-03-01,LX-001,county,,,,,,",
            "charge_line,A-6,,,,,1,G-DRUGS,1,10,10,true",
        ]
    )
    problem = upload(http, text, 422).json()  # type: ignore[attr-defined]
    assert [(r["row"], r["column"]) for r in problem["rows"]] == [(2, "hospital_tier"), (3, "amount"), (3, "compliant")]
    assert ledger.recorder.max_notification_id() == head
