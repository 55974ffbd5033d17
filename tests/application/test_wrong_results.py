"""Regression tests of three wrong results (issue 10): each on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from tests.application.scenario import PROVINCE_HOSPITAL, admit_and_settle, paid, poor_patient, publish_default

from domain.errors import NotFoundError, StateConflictError, ValidationError
from service.commands import (
    CertifyChronicDisease,
    RecordAuditFinding,
    RevokeChronicDisease,
    WithdrawAuditFinding,
)
from service.ledger import BenefitLedger

TOWNSHIP = {
    **PROVINCE_HOSPITAL,
    "code": "LX-T01",
    "name": "毕桥镇卫生院",
    "tier": "township",
    "county_code": "341821",
    "in_county": True,
}


def _outpatient_visit(ledger: BenefitLedger, patient: str, ref: str, day: date) -> dict:
    return admit_and_settle(
        ledger,
        patient,
        ref,
        TOWNSHIP,
        total="1000",
        compliant="1000",
        day=day,
        kind="outpatient_chronic",
        settled_at=datetime.combine(day, time(10), UTC),
    )


def test_revoking_an_expired_certificate_does_not_bring_it_back(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-C")
    ledger.handle(
        CertifyChronicDisease(
            command_id="cert",
            patient_ref="P-C",
            disease="hypertension",
            valid_from=date(2018, 1, 1),
            valid_to=date(2018, 6, 30),
        )
    )
    ledger.handle(
        RevokeChronicDisease(
            command_id="revoke", patient_ref="P-C", disease="hypertension", revoked_on=date(2018, 9, 30)
        )
    )
    assert ledger.get_patient("P-C").chronic["hypertension"] == ("2018-01-01", "2018-06-30")
    result = _outpatient_visit(ledger, "P-C", "P-C-V1", date(2018, 8, 1))
    assert (paid(result, "ncms"), paid(result, "s180")) == (Decimal("0.00"), Decimal("0.00"))
    assert result["patient_share"] == Decimal("1000.00")


def test_a_revocation_before_the_end_ends_the_certificate_on_the_revocation_day_inclusive(
    ledger: BenefitLedger,
) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-R")
    ledger.handle(
        CertifyChronicDisease(command_id="cert", patient_ref="P-R", disease="diabetes", valid_from=date(2018, 1, 1))
    )
    ledger.handle(
        RevokeChronicDisease(command_id="revoke", patient_ref="P-R", disease="diabetes", revoked_on=date(2018, 5, 31))
    )
    on_the_day = _outpatient_visit(ledger, "P-R", "P-R-V1", date(2018, 5, 31))
    next_day = _outpatient_visit(ledger, "P-R", "P-R-V2", date(2018, 6, 1))
    assert paid(on_the_day, "ncms") > Decimal("0.00")  # the revocation day is still covered
    assert (paid(next_day, "ncms"), paid(next_day, "s180")) == (Decimal("0.00"), Decimal("0.00"))


def test_a_certificate_for_a_disease_off_the_chronic_list_is_refused(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-A")
    version = ledger.get_patient("P-A").version
    with pytest.raises(ValidationError, match="asthma is not on the chronic-disease list"):
        ledger.handle(
            CertifyChronicDisease(command_id="cert", patient_ref="P-A", disease="asthma", valid_from=date(2018, 1, 1))
        )
    assert ledger.get_patient("P-A").version == version  # nothing recorded
    assert ledger.get_patient("P-A").chronic == {}
    result = _outpatient_visit(ledger, "P-A", "P-A-V1", date(2018, 8, 1))
    assert (paid(result, "ncms"), paid(result, "s180")) == (Decimal("0.00"), Decimal("0.00"))


def _finding(ledger: BenefitLedger, ref: str, lines: list[str]) -> dict:
    return ledger.handle(
        RecordAuditFinding(
            command_id=ref,
            finding_ref=ref,
            admission_ref="P-F-V1",
            line_nos=lines,
            reason="unreasonable_drug",
            found_on=date(2018, 9, 5),
        )
    )


def test_a_second_finding_on_a_line_already_disallowed_is_refused_naming_the_first(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-F")
    ledger.handle(
        CertifyChronicDisease(command_id="cert", patient_ref="P-F", disease="diabetes", valid_from=date(2018, 1, 1))
    )
    admit_and_settle(
        ledger,
        "P-F",
        "P-F-V1",
        TOWNSHIP,
        total="1500",
        compliant="1000",
        day=date(2018, 8, 1),
        kind="outpatient_chronic",
        settled_at=datetime(2018, 8, 1, 10, tzinfo=UTC),
    )
    first = _finding(ledger, "F-1", ["1"])
    deducted = dict(ledger.hospital_account("LX-T01").deducted)
    with pytest.raises(StateConflictError, match="line 1 by finding F-1"):
        _finding(ledger, "F-2", ["2", "1"])
    assert ledger.hospital_account("LX-T01").deducted == deducted  # the fund is not deducted twice
    with pytest.raises(NotFoundError):
        ledger.get_audit_finding("F-2")  # no second refund due
    _finding(ledger, "F-3", ["2"])  # another line is still open to a finding
    ledger.handle(
        WithdrawAuditFinding(command_id="w1", finding_ref="F-1", reason="appeal upheld", withdrawn_on=date(2018, 9, 9))
    )
    again = _finding(ledger, "F-4", ["1"])  # once withdrawn, the line may be found again
    assert again["fund_recovery"] == first["fund_recovery"]
