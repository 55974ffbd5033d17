"""Payment runs (批量发放) to households, on SQLite and PostgreSQL: budgets as events, the payment file, a bank
result with failures, a re-run that pays only the failed ones, idempotency, never paying twice, totals."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from tests.application.scenario import REGION, publish_default
from tests.money.money_scenario import bank_result, budget, owed_reassist, run

from domain.errors import AlreadyExistsError, StateConflictError, ValidationError
from domain.payment_file import render_payment_file
from service.advances import AdvanceTally
from service.commands import CreatePaymentRun
from service.handlers.payments import fund_budget, payment_run
from service.ledger import BenefitLedger


def _three_households(ledger: BenefitLedger) -> dict[str, Decimal]:
    publish_default(ledger)
    return {
        ref: owed_reassist(ledger, ref, total=total)
        for ref, total in (("H-1", "80000"), ("H-2", "60000"), ("H-3", "100000"))
    }


def test_reassist_is_owed_to_the_household_and_not_advanced_by_the_hospital(ledger: BenefitLedger) -> None:
    owed = _three_households(ledger)
    # H-1 by hand: compliant 72,000 - NCMS 49,700 - CII 5,665 = 16,635 self-pay; (16,635 - 10,000) x 60 % = 3,981
    assert owed == {"H-1": Decimal("3981.00"), "H-2": Decimal("2523.00"), "H-3": Decimal("5439.00")}
    assert AdvanceTally(ledger).advanced("AH-001", "reassist") == Decimal("0.00")
    assert AdvanceTally(ledger).advanced("AH-001", "ncms") > 0


def test_a_run_with_failures_and_a_rerun_that_pays_only_the_failed(ledger: BenefitLedger) -> None:
    owed = _three_households(ledger)
    budget(ledger, "2700000")
    first = run(ledger, "LX-ZJZ-2018-08")
    assert first["lines"] == 3 and first["total"] == sum(owed.values()) == Decimal("11943.00")
    assert first["budget"]["committed"] == Decimal("11943.00")
    assert first["budget"]["remaining"] == Decimal("2688057.00")

    file = render_payment_file(
        vars(payment_run(ledger, "LX-ZJZ-2018-08")) | {"lines": payment_run(ledger, "LX-ZJZ-2018-08").lines}
    )
    rows = list(csv.reader(io.StringIO(file)))
    assert rows[0] == ["line_id", "run_id", "household", "patient_refs", "fund", "year", "amount", "memo"]
    assert [(r[2], r[6]) for r in rows[1:-1]] == [("H-1", "3981.00"), ("H-2", "2523.00"), ("H-3", "5439.00")]
    assert rows[-1] == ["TOTAL", "LX-ZJZ-2018-08", "", "", "reassist", "2018", "11943.00", "3"]

    result = bank_result(ledger, "LX-ZJZ-2018-08", {"H-1": "paid", "H-2": "failed", "H-3": "paid"})
    assert (result["paid"], result["failed"], result["sent"]) == (
        Decimal("9420.00"),
        Decimal("2523.00"),
        Decimal("0.00"),
    )
    assert result["budget"]["paid"] == Decimal("9420.00")
    assert result["budget"]["committed"] == Decimal("0.00")
    assert result["budget"]["remaining"] == Decimal("2690580.00")

    again = run(ledger, "LX-ZJZ-2018-08-R1")  # the re-run: only the failed household
    assert [line["household"] for line in payment_run(ledger, "LX-ZJZ-2018-08-R1").lines] == ["H-2"]
    assert again["total"] == Decimal("2523.00")
    done = bank_result(ledger, "LX-ZJZ-2018-08-R1", {"H-2": "paid"})
    assert done["budget"]["paid"] == Decimal("11943.00") == sum(owed.values())  # totals reconcile
    assert done["budget"]["remaining"] == Decimal("2688057.00")
    with pytest.raises(StateConflictError, match="nothing to pay"):  # never pays an item twice
        run(ledger, "LX-ZJZ-2018-08-R2")


def test_runs_are_idempotent_by_command_and_run_id(ledger: BenefitLedger) -> None:
    _three_households(ledger)
    budget(ledger, "2700000")
    first = run(ledger, "R-1")
    replay = run(ledger, "R-1")
    assert replay["replayed"] and replay["total"] == first["total"]
    with pytest.raises(AlreadyExistsError):
        ledger.handle(
            CreatePaymentRun(
                command_id="other-id",
                run_id="R-1",
                fund="reassist",
                county_code=REGION,
                year=2018,
                run_on=date(2018, 8, 1),
            )
        )
    assert fund_budget(ledger, "reassist", REGION, 2018).committed == first["total"]
    bank_result(ledger, "R-1", {"H-1": "paid"})
    assert bank_result(ledger, "R-1", {"H-1": "paid"})["replayed"]  # same result command: replayed
    with pytest.raises(StateConflictError, match="already paid"):  # the same line answered again
        bank_result(ledger, "R-1", {"H-1": "failed"}, command_id="result:R-1:again")


def test_a_run_stays_within_the_remaining_budget(ledger: BenefitLedger) -> None:
    _three_households(ledger)
    budget(ledger, "7000.00")
    first = run(ledger, "R-1")
    assert [ln["household"] for ln in payment_run(ledger, "R-1").lines] == ["H-1", "H-2"]
    assert first["left_owed"] == Decimal("5439.00")
    assert first["budget"]["remaining"] == Decimal("496.00")
    budget(ledger, "12000.00", command_id="budget:2")  # a budget raise is a new event
    second = run(ledger, "R-2")
    assert [ln["household"] for ln in payment_run(ledger, "R-2").lines] == ["H-3"]
    assert second["budget"]["committed"] == Decimal("11943.00")
    with pytest.raises(ValidationError, match="below what is committed"):
        budget(ledger, "100.00", command_id="budget:3")


def test_periodic_runs_take_settlements_up_to_their_date_and_need_a_deferring_policy(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    owed_reassist(ledger, "H-1")
    owed_reassist(ledger, "H-9", day=date(2018, 9, 3))
    budget(ledger, "2700000")
    assert [ln["household"] for ln in payment_run(ledger, run(ledger, "R-8")["run_id"]).lines] == ["H-1"]
    later = run(ledger, "R-12", run_on=date(2019, 1, 10), through=None)
    assert [ln["household"] for ln in payment_run(ledger, later["run_id"]).lines] == ["H-9"]


def test_a_5090_run_pays_the_compensation_owed_and_closes_it_on_the_patient_year(ledger: BenefitLedger) -> None:
    from tests.application.test_audit_and_retroactive_compensation import _retroactive_5090_year

    _retroactive_5090_year(ledger)  # 4,500.00 owed to P-5090 (worked out in that test)
    budget(ledger, "100000", fund="s5090", command_id="budget:5090")
    first = run(ledger, "S5090-1", fund="s5090", run_on=date(2018, 8, 1), through=None)
    assert first["total"] == Decimal("4500.00") and first["lines"] == 1
    bank_result(ledger, "S5090-1", {"P-5090": "failed"}, fund="s5090")
    account = ledger.get_benefit_year("P-5090", 2018)
    assert sum(account.compensation_outstanding(r["settlement_id"]) for r in account.settlements) == Decimal("4500.00")
    second = run(ledger, "S5090-2", fund="s5090", run_on=date(2018, 9, 1), through=None)
    assert second["total"] == Decimal("4500.00")
    paid = bank_result(ledger, "S5090-2", {"P-5090": "paid"}, fund="s5090")
    assert paid["budget"]["paid"] == Decimal("4500.00")
    account = ledger.get_benefit_year("P-5090", 2018)
    assert sum(account.compensation_outstanding(r["settlement_id"]) for r in account.settlements) == Decimal("0.00")
    with pytest.raises(StateConflictError, match="nothing to pay"):
        run(ledger, "S5090-3", fund="s5090", run_on=date(2018, 10, 1), through=None)


def test_a_policy_that_pays_reassist_at_the_window_refuses_a_run(ledger: BenefitLedger) -> None:
    from datetime import UTC, datetime

    from tests.application.scenario import policy_variant

    publish_default(
        ledger, policy_variant("window", datetime(2017, 12, 31, tzinfo=UTC), **{"reassist.payout": "window"})
    )
    assert owed_reassist(ledger, "H-1") == Decimal("3981.00")
    assert AdvanceTally(ledger).advanced("AH-001", "reassist") == Decimal("3981.00")  # advanced at the window
    budget(ledger, "2700000")
    with pytest.raises(StateConflictError, match="at the window"):
        run(ledger, "R-1")


def test_after_year_payout_waits_for_the_year_to_end(ledger: BenefitLedger) -> None:
    from datetime import UTC, datetime

    from tests.application.scenario import policy_variant

    publish_default(
        ledger, policy_variant("after", datetime(2017, 12, 31, tzinfo=UTC), **{"reassist.payout": "after_year"})
    )
    owed_reassist(ledger, "H-1")
    budget(ledger, "2700000")
    with pytest.raises(StateConflictError, match="after the year"):
        run(ledger, "R-1")
    assert run(ledger, "R-2019", run_on=date(2019, 1, 15), through=None)["total"] == Decimal("3981.00")
