"""Loose ends of Langxi's money (issue #15), on SQLite and PostgreSQL: payment lines per household (from the
poverty office's roster), 再救助 already paid netted after a reversal and re-settlement lowers it, a direct
"5090" payment refused while the item is in an open run, and who paid the premium on enrolment."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.application.scenario import PROVINCE_HOSPITAL, REGION, admit_and_settle, paid, publish_default
from tests.money.money_scenario import bank_result, budget, id_card, owed_reassist, run

from domain.errors import StateConflictError
from domain.payment_file import render_payment_file
from service.commands import (
    EnrolPatient,
    ImportRoster,
    InvalidCommandError,
    PayRetroactiveCompensation,
    RecordPovertyStatus,
    RegisterPatient,
    ReverseChargeLine,
    ReverseSettlement,
    SettleAdmission,
)
from service.handlers.payments import fund_budget, payment_run
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line
from service.money_report import money_report


def _villager(ledger: BenefitLedger, ref: str, serial: int, total: str, day: date) -> Decimal:
    """A registered (ID number), enrolled, non-poor patient settled at a province hospital: its 再救助."""
    ledger.handle(
        RegisterPatient(
            command_id=f"{ref}:reg",
            patient_ref=ref,
            county_code=REGION,
            township="毕桥镇",
            name=f"村民{serial}",
            id_card_no=id_card(serial),
        )
    )
    ledger.handle(EnrolPatient(command_id=f"{ref}:enrol", patient_ref=ref, year=2018))
    ledger.handle(
        RecordPovertyStatus(command_id=f"{ref}:st", patient_ref=ref, status="none", effective_from=date(2016, 1, 1))
    )
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


def test_a_payment_line_pays_a_household_of_the_roster(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    husband = _villager(ledger, "V-1", 1, "80000", date(2018, 3, 1))
    wife = _villager(ledger, "V-2", 2, "60000", date(2018, 4, 1))
    alone = _villager(ledger, "V-3", 3, "100000", date(2018, 5, 1))  # on no roster: the patient is the household
    entry = {"status": "none", "effective_from": "2016-01-01"}
    ledger.handle(
        ImportRoster(
            command_id="roster:hh",
            county_code=REGION,
            roster_ref="FPB-2018-07",
            as_of=date(2018, 7, 1),
            entries=[
                {"id_card_no": id_card(1), "name": "村民1", "household": "HH-0101", **entry},
                {"id_card_no": id_card(2), "name": "村民2", "household": "HH-0101", **entry},
            ],
        )
    )
    budget(ledger, "2700000")
    result = run(ledger, "ZJZ-HH")
    lines = payment_run(ledger, "ZJZ-HH").lines
    assert [(ln["household"], ln["patient_refs"], ln["amount"]) for ln in lines] == [
        ("HH-0101", ["V-1", "V-2"], husband + wife),
        ("V-3", ["V-3"], alone),
    ]
    assert result["lines"] == 2 and result["total"] == husband + wife + alone
    run_state = payment_run(ledger, "ZJZ-HH")
    rows = list(csv.reader(io.StringIO(render_payment_file(vars(run_state) | {"lines": run_state.lines}))))
    assert rows[1][2:4] == ["HH-0101", "V-1|V-2"] and rows[1][6] == f"{husband + wife:.2f}"
    done = bank_result(ledger, "ZJZ-HH", {"HH-0101": "paid", "V-3": "paid"})
    assert done["budget"]["paid"] == husband + wife + alone


def test_reassist_already_paid_is_netted_after_a_re_settlement_lowers_it(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    first = owed_reassist(ledger, "H-1", total="80000")  # 3,981.00
    budget(ledger, "2700000")
    run(ledger, "R-1")
    bank_result(ledger, "R-1", {"H-1": "paid"})

    # 反结算 and a corrected, smaller bill: H-1-A#2 owes less 再救助 than H-1-A#1 was paid
    ledger.handle(ReverseSettlement(command_id="rev:H-1-A", admission_ref="H-1-A", reason="重复收费"))
    ledger.handle(ReverseChargeLine(command_id="H-1-A:rev1", admission_ref="H-1-A", line_no="1", reason="重复收费"))
    ledger.handle(
        charge_line(
            command_id="H-1-A:line3",
            admission_ref="H-1-A",
            line_no="3",
            category="treatment",
            amount=Decimal("63000"),
            compliant=True,
        )
    )
    again = ledger.handle(
        SettleAdmission(command_id="H-1-A:settle:2", admission_ref="H-1-A", settled_at=datetime(2018, 7, 2, tzinfo=UTC))
    )
    second = paid(again, "reassist")
    assert Decimal(0) < second < first
    with pytest.raises(StateConflictError, match="nothing to pay"):  # never pays twice, never a negative line
        run(ledger, "R-2", run_on=date(2018, 8, 2))

    # a later claim of the household: the next run pays it less the credit (first - second), once
    later = admit_and_settle(
        ledger,
        "H-1",
        "H-1-C",
        PROVINCE_HOSPITAL,
        total="60000",
        compliant="54000",
        day=date(2018, 7, 20),
        referred=True,
        settled_at=datetime(2018, 7, 20, 10, tzinfo=UTC),
    )
    third = paid(later, "reassist")
    assert third > first - second
    netted = run(ledger, "R-3", run_on=date(2018, 8, 3))
    assert netted["total"] == third - (first - second) and netted["credit_not_netted"] == Decimal("0.00")
    items = {i["settlement_id"]: Decimal(i["amount"]) for i in payment_run(ledger, "R-3").lines[0]["items"]}
    assert items == {"H-1-A#1": -first, "H-1-A#2": second, "H-1-C#1": third}  # the credit, carried on the line
    done = bank_result(ledger, "R-3", {"H-1": "paid"})
    assert done["budget"]["paid"] == second + third  # what is owed now, paid once in all
    reassist = fund_budget(ledger, "reassist", REGION, 2018)
    assert reassist.paid_on("H-1:2018:H-1-A#1") == Decimal(0)
    with pytest.raises(StateConflictError, match="nothing to pay"):
        run(ledger, "R-4", run_on=date(2018, 8, 4))


def test_a_credit_beyond_what_is_owed_is_never_clawed_back(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    first = owed_reassist(ledger, "H-1", total="80000")
    other = owed_reassist(ledger, "H-2", total="60000")
    budget(ledger, "2700000")
    run(ledger, "R-1", through=date(2018, 3, 31))
    bank_result(ledger, "R-1", {"H-1": "paid", "H-2": "failed"})
    ledger.handle(ReverseSettlement(command_id="rev:H-1-A", admission_ref="H-1-A", reason="冒名"))
    result = run(ledger, "R-2", run_on=date(2018, 8, 2))  # H-1 owes back 3,981: no line, no claw-back
    assert [ln["household"] for ln in payment_run(ledger, "R-2").lines] == ["H-2"]
    assert result["total"] == other and result["credit_not_netted"] == first


def test_direct_5090_payment_of_an_item_in_an_open_run_is_refused(ledger: BenefitLedger) -> None:
    from tests.application.test_audit_and_retroactive_compensation import _retroactive_5090_year

    _retroactive_5090_year(ledger)
    budget(ledger, "100000", fund="s5090", command_id="budget:5090")
    run(ledger, "S5090-1", fund="s5090", run_on=date(2018, 8, 1), through=None)
    history = ledger.get_benefit_year("P-5090", 2018)
    owed = [r["settlement_id"] for r in history.settlements if history.compensation_outstanding(r["settlement_id"])]
    head = ledger.recorder.max_notification_id()

    def pay(command_id: str) -> dict:
        return ledger.handle(
            PayRetroactiveCompensation(
                command_id=command_id,
                patient_ref="P-5090",
                year=2018,
                settlement_id=owed[0],
                amount=Decimal("1.00"),
                paid_on=date(2018, 8, 5),
            )
        )

    with pytest.raises(StateConflictError, match="in open payment run S5090-1") as refused:
        pay("direct:1")
    assert refused.value.status == 409 and ledger.recorder.max_notification_id() == head  # nothing changed
    bank_result(ledger, "S5090-1", {"P-5090": "failed"}, fund="s5090")  # back to owed: a direct payment may close it
    assert pay("direct:2")["outstanding"] == history.compensation_outstanding(owed[0]) - Decimal("1.00")


def test_enrolment_records_who_paid_the_premium_and_the_subsidy_rate_derives_from_it(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    payers = {"E-1": ("county_finance", True), "E-2": ("self", False), "E-3": ("other", False), "E-4": (None, True)}
    for ref, (payer, by_state) in payers.items():
        ledger.handle(RegisterPatient(command_id=f"{ref}:reg", patient_ref=ref, county_code=REGION, township="x"))
        ledger.handle(
            RecordPovertyStatus(
                command_id=f"{ref}:st", patient_ref=ref, status="jiandanglika", effective_from=date(2016, 1, 1)
            )
        )
        extra = {} if payer is None else {"premium_payer": payer}
        ledger.handle(
            EnrolPatient(command_id=f"{ref}:enrol", patient_ref=ref, year=2018, premium_paid_by_state=by_state, **extra)
        )
    assert ledger.get_patient("E-3").premium_payer_in(2018).value == "other"
    assert ledger.get_patient("E-4").premium_payer_in(2018).value == "county_finance"  # from the flag
    enrolment = money_report(ledger, REGION, 2018)["enrolment"]
    assert enrolment["premium_payers"] == {"county_finance": 2, "self": 1, "other": 1}
    assert enrolment["premium_paid_by_state"] == 2 and enrolment["premium_subsidy_rate"] == Decimal("0.5")
    with pytest.raises(InvalidCommandError, match="premium_payer"):
        EnrolPatient(command_id="x", patient_ref="E-1", year=2019, premium_paid_by_state=True, premium_payer="self")


def test_an_enrolment_without_a_payer_keeps_its_old_fingerprint() -> None:
    plain = EnrolPatient(command_id="e", patient_ref="P-1", year=2018)
    assert "premium_payer" not in plain.fingerprint_payload(lambda _: "")
    given = EnrolPatient(command_id="e", patient_ref="P-1", year=2018, premium_payer="county_finance")
    assert given.fingerprint_payload(lambda _: "")["premium_payer"] == "county_finance"
