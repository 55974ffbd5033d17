"""A fund never reimburses a hospital more than it owes (advanced - reimbursed - deducted), in every process:
direct commands, in-process batches, a JSON Lines import and a second process on the same store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ValidationError
from service.batch import BatchCommandError, parse_batch, run_batch
from service.commands import RecordFundReimbursement, entry_of
from service.ledger import BenefitLedger
from service.settings import Settings

from .scenario import COUNTY_HOSPITAL, admit_and_settle, poor_patient, publish_default

D = Decimal


def _reimburse(command_id: str, amount: str, fund: str = "ncms") -> RecordFundReimbursement:
    return RecordFundReimbursement(
        command_id=command_id, hospital_code="LX-001", fund=fund, amount=amount, received_on=date(2018, 8, 1)
    )


def test_reimbursements_stop_at_what_the_fund_owes(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    settled = admit_and_settle(
        ledger, "P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
    )
    ncms = next(D(layer["amount"]) for layer in settled["layers"] if layer["payer"] == "ncms")
    assert ncms == D("16830.00")
    ledger.handle(_reimburse("r1", "16000.00"))
    with pytest.raises(ValidationError, match=r"exceeds what ncms owes hospital LX-001 \(830.00 = advanced 16830.00"):
        ledger.handle(_reimburse("r2", "830.01"))
    ledger.handle(_reimburse("r3", "830.00"))
    with pytest.raises(ValidationError, match="exceeds"):  # a fund that advanced nothing owes nothing
        ledger.handle(_reimburse("r4", "0.01", fund="cii"))


def test_a_batch_counts_the_settlements_it_staged_and_refuses_beyond_them(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P")
    settled = admit_and_settle(
        ledger, "P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
    )
    head = ledger.recorder.max_notification_id()
    too_much = parse_batch([entry_of(_reimburse("b1", "10000.00")), entry_of(_reimburse("b2", "6830.01"))])
    with pytest.raises(BatchCommandError) as refused:
        run_batch(ledger, too_much)
    assert refused.value.index == 1 and ledger.recorder.max_notification_id() == head
    assert run_batch(ledger, parse_batch([entry_of(_reimburse("b3", "16830.00"))]))[0]["result"]["amount"] == D(
        "16830.00"
    )
    assert settled["settlement_id"] == "A#1"


def test_another_process_on_the_same_store_checks_against_the_same_log(store_url: str) -> None:
    first = BenefitLedger.from_settings(Settings(database_url=store_url))
    second = BenefitLedger.from_settings(Settings(database_url=store_url))
    try:
        publish_default(first)
        poor_patient(first, "P")
        with pytest.raises(ValidationError, match="exceeds"):  # nothing advanced yet
            second.handle(_reimburse("r0", "1.00"))
        admit_and_settle(first, "P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12))
        second.handle(_reimburse("r1", "16830.00"))  # the second process catches up from the log
        with pytest.raises(ValidationError, match="exceeds"):
            first.handle(_reimburse("r2", "0.01"))
    finally:
        first.close()
        second.close()
