"""Handlers of the hospital window's commands: admissions, charge lines, discharge and settlement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain import ids
from domain.aggregates.admission import Admission
from domain.aggregates.claim_facts import benefit_year_of
from domain.errors import AlreadyExistsError, StateConflictError
from domain.registry.catalogue import classify_line
from domain.rules.cascade import settle_claim
from domain.rules.settlement_time import check_settled_at
from service.commands.admissions import (
    AdmissionCommand,
    Discharge,
    PostChargeLine,
    PostLegacyChargeLine,
    RegisterAdmission,
    ReverseChargeLine,
    SettleAdmission,
)
from service.handlers import handles, written
from service.idempotency import Outcome, check_expected_version
from service.settlement_claims import settlement_claim
from service.year_close import check_open, year_close_of

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RegisterAdmission)
def register_admission(ledger: BenefitLedger, cmd: RegisterAdmission) -> Outcome:
    patient = ledger.get_patient(cmd.patient_ref)
    if ids.admission_id(cmd.admission_ref) in ledger.repository:
        raise AlreadyExistsError(f"admission {cmd.admission_ref} is already registered")
    record = ledger.hospital_in_force(cmd.hospital_code, cmd.admitted_on)
    admission = Admission(
        admission_ref=cmd.admission_ref,
        patient_ref=cmd.patient_ref,
        kind=cmd.kind.value,
        hospital=record.claim_attributes(patient.county_code),
        referred=cmd.referred,
        admitted_on=cmd.admitted_on.isoformat(),
        diagnosis=cmd.diagnosis,
    )
    return Outcome([admission], written(admission))


def _on_admission(ledger: BenefitLedger, cmd: AdmissionCommand, apply: Callable[[Admission], None]) -> Outcome:
    admission = ledger.get_admission(cmd.admission_ref)
    check_expected_version(admission, cmd.expected_version)
    apply(admission)
    return Outcome([admission], written(admission))


@handles(PostChargeLine)
def post_charge_line(ledger: BenefitLedger, cmd: PostChargeLine) -> Outcome:
    """The ledger classifies the line against the catalogue in force on the admission day (the patient's region)."""

    def classify(admission: Admission) -> None:
        region = ledger.county_of_patient(admission.patient_ref)  # fixed at registration: read once
        catalogue = ledger.catalogue_in_force(region, date.fromisoformat(admission.admitted_on))
        classification = classify_line(catalogue, cmd.item_code, cmd.quantity, cmd.unit_price)
        admission.post_classified_line(cmd.line_no, cmd.category, classification)

    return _on_admission(ledger, cmd, classify)


@handles(PostLegacyChargeLine)
def post_legacy_charge_line(ledger: BenefitLedger, cmd: PostLegacyChargeLine) -> Outcome:
    """Admin import of a pre-classified line: recorded as the sender classified it, marked legacy."""
    return _on_admission(
        ledger, cmd, lambda a: a.post_charge_line(cmd.line_no, cmd.category, cmd.amount, cmd.compliant)
    )


@handles(ReverseChargeLine)
def reverse_charge_line(ledger: BenefitLedger, cmd: ReverseChargeLine) -> Outcome:
    return _on_admission(ledger, cmd, lambda a: a.reverse_charge_line(cmd.line_no, cmd.reason))


@handles(Discharge)
def discharge(ledger: BenefitLedger, cmd: Discharge) -> Outcome:
    return _on_admission(ledger, cmd, lambda a: a.discharge(cmd.discharged_on))


@handles(SettleAdmission)
def settle_admission(ledger: BenefitLedger, cmd: SettleAdmission) -> Outcome:
    """One-stop settlement at discharge: run the cascade for the admission in its patient-year.

    The policy version is the one in force on the service date among the versions the ledger had
    recorded by now: the server clock (`ledger.clock`), which is also the settlement's recorded time.
    The client's `settled_at` (default: that server time) is only checked (domain.rules.settlement_time)
    and kept on the record. The patient-year account is the consistency boundary: concurrent
    settlements of one patient-year are serialised by optimistic concurrency and retried. The
    fingerprint holds the client's `settled_at` (None when defaulted), so a plain retry is a replay.
    """
    return settle(ledger, cmd.admission_ref, cmd.settled_at, cmd.expected_version)


def settle(
    ledger: BenefitLedger,
    admission_ref: str,
    client_settled_at: datetime | None,
    expected_version: int | None,
    *,
    late_claim_reason: str | None = None,
) -> Outcome:
    """The settlement of `settle_admission`, or with `late_claim_reason` of `settle_late_claim` (零星报销): only
    in a closed county-year (service.year_close), where the policy's `year_close.late_claims` allows it, at the
    server's time and without the window's days-after-discharge limit, recorded against the close too."""
    recorded_at = ledger.clock.now()
    settled_at = client_settled_at or recorded_at
    admission = ledger.get_admission(admission_ref)
    check_expected_version(admission, expected_version)
    admission.check_settleable()
    patient = ledger.get_patient(admission.patient_ref)
    entry, policy = ledger.policy_in_force(patient.county_code, admission.service_date(), recorded_at)
    year = benefit_year_of(admission, policy)
    if not patient.enrolled_in(year):
        raise StateConflictError(f"patient {patient.patient_ref} is not enrolled in basic insurance for {year}")
    close = year_close_of(ledger, patient.county_code, year)
    if late_claim_reason is None and close is not None:
        check_open(ledger, patient.county_code, year)
    if late_claim_reason is not None:
        if close is None:
            raise StateConflictError(
                f"county-year {patient.county_code}/{year} is not closed: settle {admission_ref} at the window"
            )
        if policy.late_claims_after_close != "closed_year":
            raise StateConflictError(
                f"the {patient.county_code} policy refuses late claims after {close.describe()} (year_close.late_claims)"
            )
    account = ledger.benefit_year_for_settlement(patient.patient_ref, year, patient.county_code)
    previous = account.previous_settled_at
    if late_claim_reason is None:
        check_settled_at(
            settled_at,
            admitted_on=date.fromisoformat(admission.admitted_on),
            discharged_on=admission.service_date(),
            days_after_discharge=policy.settlement_days_after_discharge,
            recorded_at=recorded_at,
            tolerance=ledger.clock_tolerance,
            previous_settled_at=None if previous is None else datetime.fromisoformat(previous),
        )
    sid = ids.settlement_id(admission_ref, len(admission.settlements) + 1)
    hospital = ledger.hospital_at_settlement(admission, patient.county_code)
    claim = settlement_claim(sid, admission, patient, policy, year, hospital=hospital)
    settlement, state_after = settle_claim(claim, account.year_state, policy, entry["version"])
    account.record_settlement(
        sid,
        admission_ref,
        hospital,
        settled_at.isoformat(),
        claim,
        settlement,
        state_after,
        patient_version=patient.version,
        admission_version=admission.version,
    )
    admission.mark_settled(
        sid, str(account.id), settlement.patient_share, settlement.payer_total, settlement.hospital_borne
    )
    result = {
        "settlement_id": sid,
        "patient_ref": patient.patient_ref,
        "year": year,
        "admission_version": admission.version,
        "benefit_year_version": account.version,
        **settlement.to_dict(),
        "payer_total": settlement.payer_total,
        "patient_share": settlement.patient_share,
    }
    saved: list[Any] = [admission, account]
    if late_claim_reason is not None and close is not None:
        close.record_late_claim(
            sid,
            patient.patient_ref,
            late_claim_reason,
            settled_at.isoformat(),
            settlement.payer_total,
            settlement.patient_share,
        )
        result["late_claim_of"] = close.describe()
        saved.append(close)
    return Outcome(saved, result)
