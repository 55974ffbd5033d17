"""Patients: registration, enrolment, effective-dated poverty status, certificates, contracts, follow-ups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import PrincipalDep, Read, authorize_command, require_read
from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public import PatientPublic, WrittenPublic
from api.schemas import (
    ChronicDiseaseCreate,
    ChronicDiseaseRevocationCreate,
    EnrolmentCreate,
    FamilyDoctorContractCreate,
    FollowUpCreate,
    MajorDiseaseCreate,
    PatientCreate,
    PovertyStatusCreate,
)

router = APIRouter(prefix="/patients", tags=["patients"])


@router.post("", status_code=201, response_model=WrittenPublic)
def register_patient(
    body: PatientCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Register a patient by an opaque reference (no personal data)."""
    authorize_command(principal, ledger, "register_patient", {**body.model_dump(mode="json")})
    result = ledger.register_patient(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=body.patient_ref,
        county_code=body.county_code,
        township=body.township,
        name=body.name,
        id_card_no=body.id_card_no,
    )
    return answer(response, result)


@router.post("/{patient_ref}/enrolments", status_code=201, response_model=WrittenPublic)
def enrol_patient(
    patient_ref: RefPath,
    body: EnrolmentCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Enrol the patient in basic insurance (新农合) for a year."""
    authorize_command(principal, ledger, "enrol_patient", {**body.model_dump(mode="json"), "patient_ref": patient_ref})
    result = ledger.enrol_patient(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        year=body.year,
        premium_paid_by_state=body.premium_paid_by_state,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/poverty-statuses", status_code=201, response_model=WrittenPublic)
def record_poverty_status(
    patient_ref: RefPath,
    body: PovertyStatusCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the poverty status in force from a date (registration or a later change)."""
    authorize_command(
        principal, ledger, "record_poverty_status", {**body.model_dump(mode="json"), "patient_ref": patient_ref}
    )
    result = ledger.record_poverty_status(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        status=body.status.value,
        effective_from=body.effective_from,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/chronic-diseases", status_code=201, response_model=WrittenPublic)
def certify_chronic_disease(
    patient_ref: RefPath,
    body: ChronicDiseaseCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a chronic-disease certificate (慢性病证), valid from a date."""
    authorize_command(
        principal, ledger, "certify_chronic_disease", {**body.model_dump(mode="json"), "patient_ref": patient_ref}
    )
    result = ledger.certify_chronic_disease(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        disease=body.disease,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/chronic-diseases/{disease}/revocations", status_code=201, response_model=WrittenPublic)
def revoke_chronic_disease(
    patient_ref: RefPath,
    disease: RefPath,
    body: ChronicDiseaseRevocationCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Revoke a chronic-disease certificate from a date (the certificate stays in the history)."""
    authorize_command(
        principal,
        ledger,
        "revoke_chronic_disease",
        {**body.model_dump(mode="json"), "patient_ref": patient_ref, "disease": disease},
    )
    result = ledger.revoke_chronic_disease(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        disease=disease,
        revoked_on=body.revoked_on,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/major-diseases", status_code=201, response_model=WrittenPublic)
def confirm_major_disease(
    patient_ref: RefPath,
    body: MajorDiseaseCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a confirmed major-disease diagnosis (重大疾病)."""
    authorize_command(
        principal, ledger, "confirm_major_disease", {**body.model_dump(mode="json"), "patient_ref": patient_ref}
    )
    result = ledger.confirm_major_disease(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        disease=body.disease,
        confirmed_on=body.confirmed_on,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/family-doctor-contracts", status_code=201, response_model=WrittenPublic)
def sign_family_doctor_contract(
    patient_ref: RefPath,
    body: FamilyDoctorContractCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a family-doctor contract (家庭医生签约)."""
    authorize_command(
        principal, ledger, "sign_family_doctor_contract", {**body.model_dump(mode="json"), "patient_ref": patient_ref}
    )
    result = ledger.sign_family_doctor_contract(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        doctor=body.doctor,
        signed_on=body.signed_on,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{patient_ref}/follow-ups", status_code=201, response_model=WrittenPublic)
def record_follow_up(
    patient_ref: RefPath,
    body: FollowUpCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a follow-up visit with its measurements."""
    authorize_command(
        principal, ledger, "record_follow_up", {**body.model_dump(mode="json"), "patient_ref": patient_ref}
    )
    result = ledger.record_follow_up(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        followed_up_on=body.followed_up_on,
        heart_rate=body.heart_rate,
        blood_glucose=body.blood_glucose,
        systolic=body.systolic,
        diastolic=body.diastolic,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.get("/{patient_ref}", response_model=PatientPublic, dependencies=[require_read(Read.PERSONAL)])
def read_patient(patient_ref: RefPath, ledger: LedgerDep) -> PatientPublic:
    """The patient's current state: version, status history, enrolments, certificates."""
    patient = ledger.get_patient(patient_ref)
    return PatientPublic.of(patient, ledger.personal_identifiers(patient))
