"""Fund budgets and payment runs to households (批量发放): budgets (admin), runs and bank results (the
payment_service of the fund), the run's payment file (CSV, docs/payment-files.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.access import ForbiddenError, PrincipalDep, Read, Role, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath, YearPath
from api.responses import plain
from api.schemas.payments import (
    DrugDeliveryPublic,
    FundBudgetPublic,
    MoneyReportPublic,
    PaymentRunPublic,
    PaymentRunWrittenPublic,
)
from domain.payment_file import render_payment_file
from service.commands import CreatePaymentRun, RecordDrugDelivery, RecordFundBudget, RecordPaymentResult
from service.handlers.payments import fund_budget, payment_run
from service.money_report import money_report

router = APIRouter(tags=["payments"])


command_route(router, "/fund-budgets", RecordFundBudget, FundBudgetPublic)
command_route(router, "/payment-runs", CreatePaymentRun, PaymentRunWrittenPublic)
command_route(router, "/payment-runs/{run_id}/results", RecordPaymentResult, PaymentRunWrittenPublic)
command_route(router, "/drug-deliveries", RecordDrugDelivery, DrugDeliveryPublic)


@router.get(
    "/fund-budgets/{fund}/{county_code}/{year}",
    response_model=FundBudgetPublic,
    dependencies=[require_read(Read.AGGREGATE)],
)
def read_fund_budget(fund: RefPath, county_code: RefPath, year: YearPath, ledger: LedgerDep) -> Any:
    """A fund's budget for a county-year: budget, committed, paid, remaining."""
    return plain(fund_budget(ledger, fund, county_code, year).figures())


@router.get(
    "/reports/money/{county_code}/{year}", response_model=MoneyReportPublic, dependencies=[require_read(Read.AGGREGATE)]
)
def read_money_report(county_code: RefPath, year: YearPath, ledger: LedgerDep) -> Any:
    """Budgets (budget, committed, paid, remaining) per fund, 送药上门 counts and cost, 参保率 and 参保补贴落实率."""
    return plain(money_report(ledger, county_code, year))


@router.get(
    "/payment-runs/{run_id}", response_model=PaymentRunPublic, dependencies=[require_read(Read.COMPENSATION_OWED)]
)
def read_payment_run(run_id: RefPath, ledger: LedgerDep, principal: PrincipalDep) -> Any:
    """A run's figures: lines, total, sent / paid / failed."""
    run = payment_run(ledger, run_id)
    _own_fund(principal, run.fund)
    return plain(run.figures())


@router.get(
    "/payment-runs/{run_id}/file",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    dependencies=[require_read(Read.COMPENSATION_OWED)],
)
def read_payment_file(run_id: RefPath, ledger: LedgerDep, principal: PrincipalDep) -> Response:
    """The run's payment file for the bank (CSV, UTF-8, one line per household and a TOTAL trailer)."""
    run = payment_run(ledger, run_id)
    _own_fund(principal, run.fund)
    body = render_payment_file({"run_id": run.run_id, "fund": run.fund, "year": run.year, "lines": run.lines})
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{run.run_id}.csv"'},
    )


def _own_fund(principal: Any, fund: str) -> None:
    if principal.role is Role.PAYMENT_SERVICE and principal.fund != fund:
        raise ForbiddenError(f"payment service {principal.name} reads only runs of its own fund ({principal.fund})")
