"""Admissions: registration at a hospital, charge lines and their reversals, discharge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access import Principal, Read, own_hospital_only, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.schemas.admissions import AdmissionPublic
from api.schemas.common import WrittenPublic
from service.commands import Discharge, PostChargeLine, PostLegacyChargeLine, RegisterAdmission, ReverseChargeLine

router = APIRouter(prefix="/admissions", tags=["admissions"])

command_route(router, "", RegisterAdmission, WrittenPublic)
command_route(router, "/{admission_ref}/charge-lines", PostChargeLine, WrittenPublic)
command_route(router, "/{admission_ref}/legacy-charge-lines", PostLegacyChargeLine, WrittenPublic)
command_route(router, "/{admission_ref}/charge-lines/{line_no}/reversals", ReverseChargeLine, WrittenPublic)
command_route(router, "/{admission_ref}/discharge", Discharge, WrittenPublic)


@router.get("/{admission_ref}", response_model=AdmissionPublic)
def read_admission(
    admission_ref: RefPath, ledger: LedgerDep, principal: Annotated[Principal, require_read(Read.ADMISSION)]
) -> AdmissionPublic:
    """The admission: charge lines, totals, status, settlement ids and version (hospitals: their own only)."""
    admission = ledger.get_admission(admission_ref)
    own_hospital_only(principal, str(admission.hospital.get("code")))
    return AdmissionPublic.of(admission)
