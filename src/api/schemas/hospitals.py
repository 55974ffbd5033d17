"""Hospital-account responses: a fund's reimbursement of what the hospital advanced."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Money


class ReimbursementPublic(BaseModel):
    hospital_code: str
    fund: str
    amount: Money


class HospitalRecordPublic(BaseModel):
    code: str
    name: str
    tier: str
    county_code: str
    township: str
    in_province: bool
    ncms_designated: bool
    designated_centre_for: list[str]
    effective_from: str
    effective_to: str | None


class RegisteredHospitalPublic(BaseModel):
    """A hospital of the registry: its one name (the latest record's) and every effective-dated record."""

    hospital_code: str
    name: str
    records: list[HospitalRecordPublic]
    in_force: HospitalRecordPublic | None
    """the record in force on `on` (default today)"""
    version: int
