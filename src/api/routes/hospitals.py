"""Hospital accounts: what the funds pay back for the shares a hospital advanced (垫付款拨付)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.access import Principal, Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.schemas.common import WrittenPublic
from api.schemas.hospitals import HospitalRecordPublic, RegisteredHospitalPublic, ReimbursementPublic
from service.commands import ChangeHospital, CloseHospital, RecordFundReimbursement, RegisterHospital

router = APIRouter(prefix="/hospitals", tags=["hospitals"])

command_route(router, "/{hospital_code}/reimbursements", RecordFundReimbursement, ReimbursementPublic)
command_route(router, "", RegisterHospital, WrittenPublic)
command_route(router, "/{hospital_code}/changes", ChangeHospital, WrittenPublic)
command_route(router, "/{hospital_code}/closure", CloseHospital, WrittenPublic)


@router.get("/{hospital_code}", response_model=RegisteredHospitalPublic)
def read_hospital(
    hospital_code: RefPath,
    ledger: LedgerDep,
    principal: Annotated[Principal, require_read(Read.POLICY)],
    on: Annotated[date | None, Query(description="the day the in-force record is for (default today)")] = None,
) -> RegisteredHospitalPublic:
    """The registry entry of a hospital (master data: no patient data, readable like policy versions)."""
    hospital = ledger.get_registered_hospital(hospital_code)
    in_force = hospital.record_on(on or date.today())
    return RegisteredHospitalPublic(
        hospital_code=hospital.hospital_code,
        name=hospital.latest.name,
        records=[HospitalRecordPublic(**r) for r in hospital.record_dicts],
        in_force=None if in_force is None else HospitalRecordPublic(**in_force.to_dict()),
        version=hospital.version,
    )
