"""Roster reconciliation responses. Rates are text with four places ("0.6667"), null without a denominator."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import DecimalText


class RosterImportedPublic(BaseModel):
    county_code: str
    roster_ref: str
    as_of: str
    entries: int


class StatusChangePublic(BaseModel):
    patient_ref: str
    status: str
    effective_from: str


class RosterAppliedPublic(BaseModel):
    county_code: str
    roster_ref: str
    applied: list[StatusChangePublic]


class NotRegisteredPublic(BaseModel):
    entry: int
    household: str
    status: str
    id_card_no: str
    """masked: region code and last four characters"""
    name: str


class NotEnrolledPublic(BaseModel):
    patient_ref: str
    household: str


class NotOnListPublic(BaseModel):
    patient_ref: str
    status: str
    id_registered: bool


class StatusDifferencePublic(BaseModel):
    patient_ref: str
    household: str
    ledger_status: str
    roster_status: str
    effective_from: str


class EnrolmentPublic(BaseModel):
    poor_on_list: int
    enrolled: int
    premium_paid_by_state: int
    enrolment_rate: DecimalText | None
    """参保率: enrolled / poor on the list"""
    premium_subsidy_rate: DecimalText | None
    """参保补贴落实率: premium paid by the state / enrolled"""


class ReconciliationPublic(BaseModel):
    county_code: str
    roster_ref: str
    as_of: str
    on_list: int
    not_registered: list[NotRegisteredPublic]
    not_enrolled: list[NotEnrolledPublic]
    not_on_list: list[NotOnListPublic]
    status_differences: list[StatusDifferencePublic]
    enrolment: EnrolmentPublic
