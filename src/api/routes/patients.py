"""Patients: registration, enrolment, effective-dated poverty status, certificates, contracts, follow-ups."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.schemas.common import WrittenPublic
from api.schemas.patients import PatientPublic
from service.commands import (
    CertifyChronicDisease,
    ClassifyChronicRisk,
    ConfirmMajorDisease,
    EnrolPatient,
    IssueHealthCard,
    RecordCharityGrant,
    RecordFollowUp,
    RecordHealthCheckUp,
    RecordPovertyStatus,
    RecordTreatmentPlan,
    RegisterPatient,
    RevokeChronicDisease,
    SignFamilyDoctorContract,
)

router = APIRouter(prefix="/patients", tags=["patients"])

command_route(router, "", RegisterPatient, WrittenPublic)
command_route(router, "/{patient_ref}/enrolments", EnrolPatient, WrittenPublic)
command_route(router, "/{patient_ref}/poverty-statuses", RecordPovertyStatus, WrittenPublic)
command_route(router, "/{patient_ref}/chronic-diseases", CertifyChronicDisease, WrittenPublic)
command_route(router, "/{patient_ref}/chronic-diseases/{disease}/revocations", RevokeChronicDisease, WrittenPublic)
command_route(router, "/{patient_ref}/major-diseases", ConfirmMajorDisease, WrittenPublic)
command_route(router, "/{patient_ref}/family-doctor-contracts", SignFamilyDoctorContract, WrittenPublic)
command_route(router, "/{patient_ref}/follow-ups", RecordFollowUp, WrittenPublic)
# Hainan 三个一批 (docs/hainan.md): 大病集中救治, 慈善医疗救助, 慢病签约服务管理
command_route(router, "/{patient_ref}/treatment-plans", RecordTreatmentPlan, WrittenPublic)
command_route(router, "/{patient_ref}/charity-grants", RecordCharityGrant, WrittenPublic)
command_route(router, "/{patient_ref}/health-cards", IssueHealthCard, WrittenPublic)
command_route(router, "/{patient_ref}/health-check-ups", RecordHealthCheckUp, WrittenPublic)
command_route(router, "/{patient_ref}/chronic-risk-classes", ClassifyChronicRisk, WrittenPublic)


@router.get("/{patient_ref}", response_model=PatientPublic, dependencies=[require_read(Read.PERSONAL)])
def read_patient(patient_ref: RefPath, ledger: LedgerDep) -> PatientPublic:
    """The patient's current state: version, status history, enrolments, certificates."""
    patient = ledger.get_patient(patient_ref)
    return PatientPublic.of(patient, ledger.personal_identifiers(patient))
