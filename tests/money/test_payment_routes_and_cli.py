"""Payment runs over HTTP (roles: admin records budgets, the fund's payment service runs payments) and on the
command line (`ledger pay ...` with the payment and result files), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.application.scenario import publish_default
from tests.cli.cli_support import assert_one_line_error
from tests.money.conftest import auth
from tests.money.money_scenario import owed_reassist

from service.ledger import BenefitLedger

BUDGET = {"fund": "reassist", "county_code": "341821", "year": 2018, "amount": "2700000", "recorded_on": "2018-01-01"}
RUN = {
    "run_id": "ZJZ-08",
    "fund": "reassist",
    "county_code": "341821",
    "year": 2018,
    "run_on": "2018-08-01",
    "through": "2018-07-31",
}


def _owed(ledger: BenefitLedger, *, publish: bool = True) -> None:
    if publish:  # the API publishes the default policy when it starts
        publish_default(ledger)
    owed_reassist(ledger, "H-1")  # 3,981.00
    owed_reassist(ledger, "H-2", total="60000")  # 2,523.00


def test_roles_and_routes_of_a_payment_run(ledger: BenefitLedger, http: TestClient) -> None:
    _owed(ledger, publish=False)
    refused = http.post("/fund-budgets", json={**BUDGET, "command_id": "b"}, headers=auth("tok-pay-reassist"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    made = http.post("/fund-budgets", json={**BUDGET, "command_id": "b"}, headers=auth("tok-admin"))
    assert made.status_code == 201 and made.json()["remaining"] == "2700000.00"

    other_fund = http.post("/payment-runs", json={**RUN, "command_id": "r"}, headers=auth("tok-pay-ncms"))
    assert other_fund.status_code == 403
    bad = http.post(
        "/payment-runs", json={**RUN, "through": "2018-09-01", "command_id": "r"}, headers=auth("tok-pay-reassist")
    )
    assert bad.status_code == 422
    run = http.post("/payment-runs", json={**RUN, "command_id": "r"}, headers=auth("tok-pay-reassist"))
    assert run.status_code == 201, run.text
    assert run.json()["total"] == "6504.00" and run.json()["budget"]["committed"] == "6504.00"
    again = http.post("/payment-runs", json={**RUN, "command_id": "r"}, headers=auth("tok-pay-reassist"))
    assert again.status_code == 200 and again.json() == run.json()

    file = http.get("/payment-runs/ZJZ-08/file", headers=auth("tok-pay-reassist"))
    assert file.status_code == 200 and file.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(file.text)))
    assert [r[6] for r in rows[1:]] == ["3981.00", "2523.00", "6504.00"]
    assert http.get("/payment-runs/ZJZ-08/file", headers=auth("tok-pay-ncms")).status_code == 403
    assert http.get("/payment-runs/ZJZ-08/file", headers=auth("tok-dashboard")).status_code == 403

    outcomes = [
        {"line_id": rows[1][0], "status": "paid", "amount": "3981.00", "bank_reference": "B1"},
        {"line_id": rows[2][0], "status": "failed", "reason": "账户冻结"},
    ]
    wrong = http.post(
        "/payment-runs/ZJZ-08/results",
        headers=auth("tok-pay-reassist"),
        json={
            "command_id": "res-x",
            "fund": "reassist",
            "paid_on": "2018-08-10",
            "outcomes": [{**outcomes[0], "amount": "3981.01"}],
        },
    )
    assert wrong.status_code == 422 and "3981.01" in wrong.json()["detail"]
    result = http.post(
        "/payment-runs/ZJZ-08/results",
        headers=auth("tok-pay-reassist"),
        json={"command_id": "res-1", "fund": "reassist", "paid_on": "2018-08-10", "outcomes": outcomes},
    )
    assert result.status_code == 201, result.text
    body = result.json()
    assert (body["paid"], body["failed"], body["counts"]) == ("3981.00", "2523.00", {"sent": 0, "paid": 1, "failed": 1})
    figures = http.get("/fund-budgets/reassist/341821/2018", headers=auth("tok-dashboard")).json()
    assert figures == {
        "fund": "reassist",
        "county_code": "341821",
        "year": 2018,
        "budget": "2700000.00",
        "committed": "0.00",
        "paid": "3981.00",
        "remaining": "2696019.00",
        "open_runs": [],
    }


def test_ledger_pay_commands_with_the_bank_files(ledger: BenefitLedger, cli: Any, tmp_path: Path) -> None:
    _owed(ledger)
    out = cli("pay", "budget", "reassist", "341821", "2018", "2700000", "--on", "2018-01-01")
    assert out.exit_code == 0, out.output
    assert "remaining 2700000.00" in out.stdout
    payment_file = tmp_path / "run.csv"
    out = cli(
        "pay",
        "run",
        "ZJZ-08",
        "reassist",
        "341821",
        "2018",
        "--on",
        "2018-08-01",
        "--through",
        "2018-07-31",
        "-o",
        str(payment_file),
    )
    assert out.exit_code == 0, out.output
    assert "2 households, 6504.00 yuan" in out.stdout
    rows = list(csv.reader(payment_file.open(encoding="utf-8", newline="")))
    assert rows[-1] == ["TOTAL", "ZJZ-08", "", "", "reassist", "2018", "6504.00", "2"]
    again = tmp_path / "again.csv"
    assert cli("pay", "file", "ZJZ-08", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == payment_file.read_bytes()

    result_file = tmp_path / "bank.csv"
    result_file.write_text(
        "line_id,status,amount,bank_reference,reason\n"
        f"{rows[1][0]},paid,3981.00,B-1,\n{rows[2][0]},failed,,,账户已注销\n",
        encoding="utf-8",
    )
    out = cli("pay", "result", "ZJZ-08", str(result_file), "--paid-on", "2018-08-10")
    assert out.exit_code == 0, out.output
    assert "1 lines paid, 1 failed" in out.stdout and "remaining 2696019.00" in out.stdout
    assert cli("pay", "result", "ZJZ-08", str(result_file), "--paid-on", "2018-08-10").exit_code == 0  # replayed

    out = cli("pay", "run", "ZJZ-08-R1", "reassist", "341821", "2018", "--on", "2018-08-20", "--through", "2018-07-31")
    assert out.exit_code == 0 and "1 households, 2523.00 yuan" in out.stdout, out.output
    out = cli("pay", "status", "reassist", "341821", "2018")
    assert "committed 2523.00, paid 3981.00, remaining 2693496.00" in out.stdout

    broken = tmp_path / "broken.csv"
    broken.write_text("line_id,status,amount,bank_reference,reason\nZJZ-08-R1:00001,maybe,,,\n", encoding="utf-8")
    assert_one_line_error(cli("pay", "result", "ZJZ-08-R1", str(broken), "--paid-on", "2018-08-30"), "line 2")
    assert_one_line_error(cli("pay", "run", "X", "ncms", "341821", "2018", "--on", "2018-08-01"), "fund")
    assert_one_line_error(cli("pay", "status", "reassist", "341821", "2017"), "no reassist budget")
