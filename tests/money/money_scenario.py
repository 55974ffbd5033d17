"""Builders for the money-after-the-window tests: households owed 再救助, budgets, runs and bank results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.application.scenario import PROVINCE_HOSPITAL, REGION, admit_and_settle, paid, poor_patient

from domain.payment_file import parse_result_file, render_result_file
from service.commands import CreatePaymentRun, RecordFundBudget, RecordPaymentResult
from service.ledger import BenefitLedger


def owed_reassist(ledger: BenefitLedger, ref: str, *, total: str = "80000", day: date = date(2018, 3, 1)) -> Decimal:
    """A non-poor patient (再救助 covers every 参合 person) settled at a province hospital: its 再救助."""
    poor_patient(ledger, ref, status="none")
    result = admit_and_settle(
        ledger,
        ref,
        f"{ref}-A",
        PROVINCE_HOSPITAL,
        total=total,
        compliant=str(Decimal(total) * 9 / 10),
        day=day,
        referred=True,
    )
    return paid(result, "reassist")


def budget(
    ledger: BenefitLedger, amount: str, *, fund: str = "reassist", command_id: str = "budget:1"
) -> dict[str, Any]:
    return ledger.handle(
        RecordFundBudget(
            command_id=command_id,
            fund=fund,
            county_code=REGION,
            year=2018,
            amount=Decimal(amount),
            recorded_on=date(2018, 1, 1),
            reason="县财政 270万/年",
        )
    )


def run(
    ledger: BenefitLedger,
    run_id: str,
    *,
    fund: str = "reassist",
    run_on: date = date(2018, 8, 1),
    through: date | None = date(2018, 7, 31),
) -> dict[str, Any]:
    return ledger.handle(
        CreatePaymentRun(
            command_id=f"run:{run_id}",
            run_id=run_id,
            fund=fund,
            county_code=REGION,
            year=2018,
            run_on=run_on,
            through=through,
        )
    )


def bank_result(
    ledger: BenefitLedger,
    run_id: str,
    statuses: dict[str, str],
    *,
    fund: str = "reassist",
    command_id: str | None = None,
) -> dict[str, Any]:
    """The bank answers each line (by household) through the result file, parsed as `ledger pay result` does."""
    from service.handlers.payments import payment_run

    lines = payment_run(ledger, run_id).lines
    rows = [
        {
            "line_id": ln["line_id"],
            "status": statuses[ln["household"]],
            "amount": f"{ln['amount']}",
            "bank_reference": f"B-{ln['line_id']}",
            "reason": "" if statuses[ln["household"]] == "paid" else "账户已注销",
        }
        for ln in lines
        if ln["household"] in statuses
    ]
    outcomes = parse_result_file(render_result_file(rows))
    return ledger.handle(
        RecordPaymentResult(
            command_id=command_id or f"result:{run_id}",
            run_id=run_id,
            fund=fund,
            paid_on=date(2018, 8, 10),
            outcomes=[{k: v for k, v in o.items() if v != "" or k in ("bank_reference", "reason")} for o in outcomes],
        )
    )


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card(serial: int, born: str = "19600101") -> str:
    """A valid GB 11643 resident ID number of Langxi (341821) for test person `serial`."""
    body = f"341821{born}{serial:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
