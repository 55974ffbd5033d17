"""Hospital-window commands: admissions, charge lines and their reversals, discharge, settlement.

A hospital client runs them at its own window only: the hospital is the admission's (`hospital.code` when
registering one).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.vocabulary import Tier, VisitKind
from service.commands.base import Command, VersionedCommand
from service.commands.fields import Day, Flag, Label, Moment, Money, Reason, Ref, Text, TierName, VisitKindName
from service.roles import HospitalCode, HospitalOfAdmission, HospitalScope, Role

HOSPITAL_ROLES = frozenset({Role.HOSPITAL})


class Hospital(BaseModel):
    """The hospital an admission is at, with the facts the cascade reads (tier, in county/province, designated)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    code: Ref
    name: Text
    tier: TierName
    county_code: Ref
    """where the hospital is (not the patient's county)"""
    in_county: Flag
    in_province: Flag
    designated: Flag

    @model_validator(mode="after")
    def _consistent(self) -> Hospital:
        if self.tier is Tier.OUT_OF_PROVINCE and self.in_province:
            raise ValueError("an out-of-province hospital cannot be in_province")
        if self.in_county and self.tier not in (Tier.TOWNSHIP, Tier.COUNTY):
            raise ValueError("only township and county hospitals are in the county")
        return self


class RegisterAdmission(Command):
    """Register an inpatient stay or outpatient chronic visit of a registered patient."""

    roles: ClassVar[frozenset[Role]] = HOSPITAL_ROLES
    hospital_scope: ClassVar[HospitalScope | None] = HospitalCode("hospital.code")

    command: Literal["register_admission"] = "register_admission"
    admission_ref: Ref
    patient_ref: Ref
    kind: VisitKindName = VisitKind.INPATIENT
    hospital: Hospital
    admitted_on: Day
    referred: Flag = False
    diagnosis: Text = ""


class AdmissionCommand(VersionedCommand):
    """A command on a registered admission, at the admission's own hospital."""

    abstract = True
    roles: ClassVar[frozenset[Role]] = HOSPITAL_ROLES
    hospital_scope: ClassVar[HospitalScope | None] = HospitalOfAdmission("admission_ref")

    admission_ref: Ref


class PostChargeLine(AdmissionCommand):
    """Post one charge line (compliant = in the reimbursement catalogue, 合规)."""

    command: Literal["post_charge_line"] = "post_charge_line"
    line_no: Ref
    category: Label
    amount: Money
    compliant: Flag


class ReverseChargeLine(AdmissionCommand):
    """Reverse a charge line before settlement (a correction is a new event; nothing is deleted)."""

    command: Literal["reverse_charge_line"] = "reverse_charge_line"
    line_no: Ref
    reason: Reason


class Discharge(AdmissionCommand):
    """Discharge the patient; the discharge date is the service date settlements use."""

    command: Literal["discharge"] = "discharge"
    discharged_on: Day


class SettleAdmission(AdmissionCommand):
    """Run the payer cascade for a discharged admission in its patient-year; returns every layer.

    The policy version is the one in force on the service date as known at `settled_at` (default: now).
    """

    command: Literal["settle_admission"] = "settle_admission"
    settled_at: Moment | None = None
    """ISO date-time with offset; default now"""
