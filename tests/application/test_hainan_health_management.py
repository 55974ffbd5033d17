"""慢病签约服务管理一批 and 慈善医疗救助 commands through the real service, on SQLite and PostgreSQL: health
cards (one per person), annual check-ups (as many a year as the policy's schedule: one), the high-risk /
ordinary classification on the family-doctor contract, charity grants; each refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from tests.application.hainan_scenario import grant, hainan_patient, publish_hainan
from tests.application.scenario import publish_default, worked_example

from domain.errors import AlreadyExistsError, StateConflictError
from domain.vocabulary import ChronicRisk
from service.commands import (
    ClassifyChronicRisk,
    InvalidCommandError,
    IssueHealthCard,
    RecordCharityGrant,
    RecordHealthCheckUp,
    SignFamilyDoctorContract,
)
from service.ledger import BenefitLedger


@pytest.fixture
def hainan(ledger: BenefitLedger) -> BenefitLedger:
    publish_default(ledger)
    publish_hainan(ledger)
    hainan_patient(ledger, "QZ-1")
    return ledger


def _head(ledger: BenefitLedger) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_a_health_card_is_issued_once(hainan: BenefitLedger) -> None:
    hainan.handle(IssueHealthCard(command_id="c1", patient_ref="QZ-1", card_no="HC-1", issued_on=date(2018, 1, 10)))
    assert hainan.get_patient("QZ-1").health_card == ("HC-1", "2018-01-10")
    head = _head(hainan)
    with pytest.raises(StateConflictError, match="already has health card HC-1"):
        hainan.handle(IssueHealthCard(command_id="c2", patient_ref="QZ-1", card_no="HC-2", issued_on=date(2018, 2, 1)))
    assert _head(hainan) == head
    # a retry of the first is a replay, not a refusal
    again = hainan.handle(
        IssueHealthCard(command_id="c1", patient_ref="QZ-1", card_no="HC-1", issued_on=date(2018, 1, 10))
    )
    assert again["replayed"] is True


def test_one_health_check_up_a_year_as_the_policy_schedules(hainan: BenefitLedger) -> None:
    hainan.handle(RecordHealthCheckUp(command_id="k1", patient_ref="QZ-1", checked_on=date(2018, 3, 15)))
    head = _head(hainan)
    with pytest.raises(StateConflictError, match="already had the 1 health check-up"):
        hainan.handle(RecordHealthCheckUp(command_id="k2", patient_ref="QZ-1", checked_on=date(2018, 11, 2)))
    assert _head(hainan) == head
    hainan.handle(RecordHealthCheckUp(command_id="k3", patient_ref="QZ-1", checked_on=date(2019, 1, 4)))
    assert hainan.get_patient("QZ-1").check_ups == ("2018-03-15", "2019-01-04")


def test_a_region_without_a_health_management_schedule_records_no_check_up(hainan: BenefitLedger) -> None:
    worked_example(hainan, "P-LX")  # a Langxi patient: the Langxi policy has no [health_management]
    with pytest.raises(StateConflictError, match="no health-management schedule"):
        hainan.handle(RecordHealthCheckUp(command_id="k", patient_ref="P-LX", checked_on=date(2018, 3, 15)))


def test_the_risk_class_needs_a_family_doctor_contract_and_is_effective_dated(hainan: BenefitLedger) -> None:
    with pytest.raises(StateConflictError, match="no family-doctor contract"):
        hainan.handle(
            ClassifyChronicRisk(command_id="r0", patient_ref="QZ-1", risk="ordinary", classified_on=date(2018, 1, 6))
        )
    hainan.handle(
        SignFamilyDoctorContract(command_id="fd", patient_ref="QZ-1", doctor="黎医生", signed_on=date(2018, 1, 5))
    )
    hainan.handle(
        ClassifyChronicRisk(command_id="r1", patient_ref="QZ-1", risk="ordinary", classified_on=date(2018, 1, 6))
    )
    hainan.handle(
        ClassifyChronicRisk(command_id="r2", patient_ref="QZ-1", risk="high_risk", classified_on=date(2018, 6, 1))
    )
    patient = hainan.get_patient("QZ-1")
    assert patient.risk_on(date(2018, 1, 5)) is None
    assert patient.risk_on(date(2018, 3, 1)) is ChronicRisk.ORDINARY
    assert patient.risk_on(date(2018, 12, 31)) is ChronicRisk.HIGH_RISK
    with pytest.raises(InvalidCommandError):
        ClassifyChronicRisk(command_id="r3", patient_ref="QZ-1", risk="severe", classified_on=date(2018, 6, 1))


def test_charity_grants_add_up_per_patient_year_and_a_grant_ref_is_recorded_once(hainan: BenefitLedger) -> None:
    grant(hainan, "QZ-1", "G-1", "500")
    grant(hainan, "QZ-1", "G-2", "250.50")
    grant(hainan, "QZ-1", "G-3", "900", year=2019)
    patient = hainan.get_patient("QZ-1")
    assert patient.charity_granted(2018) == D("750.50")
    assert patient.charity_granted(2019) == D("900.00")
    assert patient.charity_granted(2017) == D("0.00")
    head = _head(hainan)
    with pytest.raises(AlreadyExistsError, match="G-1"):
        hainan.handle(
            RecordCharityGrant(
                command_id="other-id",
                patient_ref="QZ-1",
                grant_ref="G-1",
                year=2018,
                amount=D("1.00"),
                granted_on=date(2018, 6, 1),
            )
        )
    with pytest.raises(InvalidCommandError):  # money is never a float, never three places
        RecordCharityGrant(
            command_id="x", patient_ref="QZ-1", grant_ref="G-9", year=2018, amount="1.005", granted_on=date(2018, 6, 1)
        )
    assert _head(hainan) == head


def test_a_region_without_the_charity_payer_takes_no_grant(hainan: BenefitLedger) -> None:
    worked_example(hainan, "P-LX")
    with pytest.raises(StateConflictError, match="no charity payer"):
        grant(hainan, "P-LX", "G-LX", "100")


def test_follow_ups_are_counted_against_the_policys_yearly_schedule(hainan: BenefitLedger) -> None:
    """hainan-2017.1: ordinary 4 a year (INFERRED-RECALL), high-risk 12 (ILLUSTRATIVE)."""
    from service.commands import RecordFollowUp

    for month in (2, 5, 8, 11):
        hainan.handle(
            RecordFollowUp(
                command_id=f"fu-{month}", patient_ref="QZ-1", followed_up_on=date(2018, month, 3), heart_rate=72
            )
        )
    hainan.handle(RecordFollowUp(command_id="fu-next", patient_ref="QZ-1", followed_up_on=date(2019, 1, 3)))
    patient = hainan.get_patient("QZ-1")
    _, policy = hainan.policy_in_force("469030", date(2018, 12, 31), datetime.now(UTC))
    rule = policy.health_management
    assert rule is not None and rule.check_ups_per_year == 1
    assert patient.follow_ups_in(2018) == 4 and patient.follow_ups_in(2019) == 1
    assert rule.on_schedule(ChronicRisk.ORDINARY, patient.follow_ups_in(2018))
    assert not rule.on_schedule(ChronicRisk.HIGH_RISK, patient.follow_ups_in(2018))
