"""Every write is idempotent by client command id and concurrency-checked by expected version."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, SETTLED_AT, poor_patient, publish_default

from domain.errors import (
    CommandIdReusedError,
    ConcurrencyConflictError,
    NotFoundError,
    StateConflictError,
    ValidationError,
)
from service.commands import (
    CertifyChronicDisease,
    ConfirmMajorDisease,
    Discharge,
    EnrolPatient,
    RecordFollowUp,
    RecordPovertyStatus,
    RegisterAdmission,
    SettleAdmission,
    SignFamilyDoctorContract,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings


def _log_position(ledger: BenefitLedger) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_a_retried_command_returns_the_first_result_and_appends_nothing(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P1")
    first = ledger.handle(
        RecordFollowUp(
            command_id="fu-1",
            patient_ref="P1",
            followed_up_on=date(2018, 3, 1),
            heart_rate=72,
            blood_glucose=Decimal("6.1"),
            systolic=130,
            diastolic=85,
        )
    )
    position = _log_position(ledger)
    again = ledger.handle(
        RecordFollowUp(
            command_id="fu-1",
            patient_ref="P1",
            followed_up_on=date(2018, 3, 1),
            heart_rate=72,
            blood_glucose=Decimal("6.1"),
            systolic=130,
            diastolic=85,
        )
    )
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert {k: v for k, v in again.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}
    assert _log_position(ledger) == position
    assert ledger.get_patient("P1").follow_ups == 1


def test_a_command_id_reused_for_another_payload_is_refused(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P1")
    ledger.handle(
        SignFamilyDoctorContract(command_id="c-1", patient_ref="P1", doctor="Dr Wang", signed_on=date(2018, 1, 5))
    )
    position = _log_position(ledger)
    with pytest.raises(CommandIdReusedError):
        ledger.handle(
            SignFamilyDoctorContract(command_id="c-1", patient_ref="P1", doctor="Dr Li", signed_on=date(2018, 1, 5))
        )
    assert _log_position(ledger) == position


def test_a_stale_expected_version_is_refused_and_changes_nothing(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P1")
    version = ledger.get_patient("P1").version
    ledger.handle(
        ConfirmMajorDisease(
            command_id="md-1", patient_ref="P1", disease="esrd", confirmed_on=date(2018, 1, 9), expected_version=version
        )
    )
    position = _log_position(ledger)
    with pytest.raises(ConcurrencyConflictError):
        ledger.handle(
            CertifyChronicDisease(
                command_id="cc-1",
                patient_ref="P1",
                disease="diabetes",
                valid_from=date(2018, 1, 1),
                expected_version=version,
            )
        )
    assert _log_position(ledger) == position


def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P1")
    position = _log_position(ledger)
    with pytest.raises(ValidationError, match="status"):
        ledger.handle(
            RecordPovertyStatus(command_id="x1", patient_ref="P1", status="rich", effective_from=date(2018, 1, 1))
        )
    with pytest.raises(ValidationError, match="tier: not accepted: send hospital_code only"):
        ledger.handle(
            RegisterAdmission(
                command_id="x2",
                admission_ref="A1",
                patient_ref="P1",
                kind="inpatient",
                hospital_code="LX-001",
                tier="province",
                admitted_on=date(2018, 1, 1),
            )
        )
    with pytest.raises(NotFoundError, match="no hospital LX-001 in the registry"):
        ledger.handle(
            RegisterAdmission(
                command_id="x2b",
                admission_ref="A1",
                patient_ref="P1",
                hospital_code="LX-001",
                admitted_on=date(2018, 1, 1),
            )
        )
    assert _log_position(ledger) == position
    with pytest.raises(ValidationError, match="command_id"):
        ledger.handle(EnrolPatient(command_id="", patient_ref="P1", year=2019))
    ledger.handle(
        RegisterAdmission(
            command_id="x3",
            admission_ref="A1",
            patient_ref="P1",
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
            admitted_on=date(2018, 1, 1),
        )
    )
    position = _log_position(ledger)
    with pytest.raises(StateConflictError, match="not discharged"):
        ledger.handle(SettleAdmission(command_id="x4", admission_ref="A1", settled_at=SETTLED_AT))
    assert _log_position(ledger) == position


def test_concurrent_settlements_of_one_patient_year_never_interleave(store_url: str) -> None:
    """Two writers settle different admissions of the same patient-year at once: both land, in some order,
    and the cumulative layers see each other (the year totals equal a serial settlement)."""
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    publish_default(ledger)
    poor_patient(ledger, "P1")
    refs = [f"A{n}" for n in range(6)]
    for n, ref in enumerate(refs):
        ledger.handle(
            RegisterAdmission(
                command_id=f"{ref}:r",
                admission_ref=ref,
                patient_ref="P1",
                kind="inpatient",
                hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
                admitted_on=date(2018, 2, 1 + n),
            )
        )
        ledger.handle(
            charge_line(
                command_id=f"{ref}:l",
                admission_ref=ref,
                line_no="1",
                category="surgery",
                amount=Decimal("30000.00"),
                compliant=True,
            )
        )
        ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=date(2018, 2, 1 + n)))
    writers = [BenefitLedger.from_settings(Settings(database_url=store_url)) for _ in range(3)]
    errors: list[BaseException] = []

    def settle(app: BenefitLedger, mine: list[str]) -> None:
        try:
            for ref in mine:
                app.handle(SettleAdmission(command_id=f"{ref}:s", admission_ref=ref, settled_at=SETTLED_AT))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=settle, args=(w, refs[i::3])) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    account = ledger.get_benefit_year("P1", 2018)
    assert len(account.settlements) == 6 and account.version == 7
    cii_paid = [Decimal(r["settlement"]["layers"][1]["amount"]) for r in account.settlements]
    # every admission leaves 3,270 after NCMS (30,000 - 300 deductible, 90 %); CII's threshold is deducted once:
    assert sum(cii_paid) == Decimal("8772.00")  # (6 x 3,270 - 5,000) x 60 %
    assert account.state["amounts"]["ma.paid"] == Decimal("5424.00")  # (19,620 - 8,772) x 50 %
    assert ledger.verify_benefit_year("P1", 2018)["verified"] is True
    for w in writers:
        w.close()
    ledger.close()
