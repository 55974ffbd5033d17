"""`GET /admissions/{ref}/settlement/slip` (HTML) and `.pdf` over HTTP: read like the admission (a hospital
only its own, the dashboard role not at all), the name and masked ID only for roles that read personal data,
409 before settlement, 404 for an unknown admission; and `ledger slip` writing both formats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.role_client import ACCESS, bearer
from tests.browser.dom_reader import parse
from tests.documents.conftest import NAME, slip_scenario
from tests.documents.pdf_tools import pdf_text
from typer.testing import CliRunner

from api.main import create_app
from cli.main import app as cli_app
from documents.slip_labels import WITHHELD
from service.ledger import BenefitLedger
from service.settings import Settings

SLIP = "/admissions/P-2.3-B/settlement/slip"  # settled at the province hospital AH-001
MASKED = "341821********123X"


@pytest.fixture(scope="module")
def client(slip_ledger: BenefitLedger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=slip_ledger, access=ACCESS)) as test_client:
        yield test_client


def fields(html: str) -> dict[str, str]:
    return {cell.attrs["data-field"]: cell.text for cell in parse(html).find_all(data_field=None)}


def test_the_admissions_hospital_reads_its_slip_without_personal_data(client: TestClient) -> None:
    response = client.get(SLIP, headers=bearer("tok-hospital-AH-001"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    shown = fields(response.text)
    assert (shown["patient_ref"], shown["name"], shown["id_card_no"]) == ("P-2.3", WITHHELD, WITHHELD)
    assert shown["hospital"].startswith("安徽省立医院") and shown["discharged_on"] == "2018-05-20"
    assert NAME not in response.text and "<script" not in response.text
    assert 'href="/admissions/P-2.3-B/settlement/slip.pdf"' in response.text


def test_an_auditor_sees_the_name_and_the_masked_id(client: TestClient) -> None:
    response = client.get(SLIP, headers=bearer("tok-auditor"))
    shown = fields(response.text)
    assert (shown["name"], shown["id_card_no"]) == (NAME, MASKED)


def test_the_pdf_is_the_same_slip(client: TestClient, tmp_path: Path) -> None:
    response = client.get(SLIP + ".pdf", headers=bearer("tok-auditor"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert 'filename="settlement-slip-P-2.3-B_1.pdf"' in response.headers["content-disposition"]
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    assert NAME in text and MASKED in text and "66,691.00" in text and "13,309.00" in text


@pytest.mark.parametrize(
    "token, status",
    [("tok-hospital-LX-001", 403), ("tok-dashboard", 403), ("tok-pay-ncms", 403), ("not-a-token", 401)],
)
def test_other_clients_are_refused(client: TestClient, token: str, status: int) -> None:
    for path in (SLIP, SLIP + ".pdf"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unsettled_admission_is_409_and_an_unknown_one_404(client: TestClient) -> None:
    open_slip = client.get("/admissions/P-2.3-OPEN/settlement/slip", headers=bearer("tok-hospital-LX-001"))
    assert open_slip.status_code == 409 and "尚未结算" in open_slip.json()["detail"]
    missing = client.get("/admissions/NOPE/settlement/slip.pdf", headers=bearer("tok-auditor"))
    assert missing.status_code == 404 and missing.json()["detail"] == "no admission NOPE"


def test_ledger_slip_writes_pdf_and_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        slip_scenario(ledger)
    finally:
        ledger.close()
    runner = CliRunner()
    pdf, html = tmp_path / "slip.pdf", tmp_path / "slip.html"
    result = runner.invoke(cli_app, ["slip", "P-2.3-B", "--out", str(pdf)], prog_name="ledger")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote the settlement slip of P-2.3-B#1 (PDF) to {pdf}\n"
    text = pdf_text(pdf)
    assert "住院费用结算单" in text and "49,700.00" in text and NAME in text
    result = runner.invoke(cli_app, ["slip", "P-2.3-A", "-o", str(html)], prog_name="ledger")
    assert result.exit_code == 0, result.output
    assert fields(html.read_text(encoding="utf-8"))["admitted_on"] == "2018-03-12"
    for args, message in (
        (["slip", "P-2.3-A", "--out", str(tmp_path / "slip.txt")], "give a file name ending in .pdf or .html"),
        (["slip", "P-2.3-OPEN", "--out", str(pdf)], "is not settled yet"),
        (["slip", "NOPE", "--out", str(pdf)], "no admission NOPE"),
    ):
        result = runner.invoke(cli_app, args, prog_name="ledger")
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
