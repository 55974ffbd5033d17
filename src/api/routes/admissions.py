"""Admissions: registration at a hospital, charge lines and their reversals, discharge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from api.access import Principal, PrincipalDep, Read, authorize_command, own_hospital_only, require_read
from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public import AdmissionPublic, WrittenPublic
from api.schemas import AdmissionCreate, ChargeLineCreate, ChargeLineReversalCreate, DischargeCreate

router = APIRouter(prefix="/admissions", tags=["admissions"])


@router.post("", status_code=201, response_model=WrittenPublic)
def register_admission(
    body: AdmissionCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Register an inpatient stay or outpatient chronic visit of a registered patient."""
    authorize_command(principal, ledger, "register_admission", {**body.model_dump(mode="json")})
    result = ledger.register_admission(
        command_id=command_id_of(body, idempotency_key),
        admission_ref=body.admission_ref,
        patient_ref=body.patient_ref,
        kind=body.kind.value,
        hospital=body.hospital.model_dump(mode="json"),
        admitted_on=body.admitted_on,
        referred=body.referred,
        diagnosis=body.diagnosis,
    )
    return answer(response, result)


@router.post("/{admission_ref}/charge-lines", status_code=201, response_model=WrittenPublic)
def post_charge_line(
    admission_ref: RefPath,
    body: ChargeLineCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Post one charge line (compliant = in the reimbursement catalogue, 合规)."""
    authorize_command(
        principal, ledger, "post_charge_line", {**body.model_dump(mode="json"), "admission_ref": admission_ref}
    )
    result = ledger.post_charge_line(
        command_id=command_id_of(body, idempotency_key),
        admission_ref=admission_ref,
        line_no=body.line_no,
        category=body.category,
        amount=body.amount,
        compliant=body.compliant,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{admission_ref}/charge-lines/{line_no}/reversals", status_code=201, response_model=WrittenPublic)
def reverse_charge_line(
    admission_ref: RefPath,
    line_no: RefPath,
    body: ChargeLineReversalCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Reverse a charge line before settlement (a correction is a new event; nothing is deleted)."""
    authorize_command(
        principal,
        ledger,
        "reverse_charge_line",
        {**body.model_dump(mode="json"), "admission_ref": admission_ref, "line_no": line_no},
    )
    result = ledger.reverse_charge_line(
        command_id=command_id_of(body, idempotency_key),
        admission_ref=admission_ref,
        line_no=line_no,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.post("/{admission_ref}/discharge", status_code=201, response_model=WrittenPublic)
def discharge(
    admission_ref: RefPath,
    body: DischargeCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Discharge the patient; the discharge date is the service date settlements use."""
    authorize_command(principal, ledger, "discharge", {**body.model_dump(mode="json"), "admission_ref": admission_ref})
    result = ledger.discharge(
        command_id=command_id_of(body, idempotency_key),
        admission_ref=admission_ref,
        discharged_on=body.discharged_on,
        expected_version=body.expected_version,
    )
    return answer(response, result)


@router.get("/{admission_ref}", response_model=AdmissionPublic)
def read_admission(
    admission_ref: RefPath, ledger: LedgerDep, principal: Annotated[Principal, require_read(Read.ADMISSION)]
) -> AdmissionPublic:
    """The admission: charge lines, totals, status, settlement ids and version (hospitals: their own only)."""
    admission = ledger.get_admission(admission_ref)
    own_hospital_only(principal, str(admission.hospital.get("code")))
    return AdmissionPublic.of(admission)
