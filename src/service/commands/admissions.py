"""Hospital-window commands: admissions, charge lines and their reversals, discharge, settlement.

A hospital client runs them at its own window only: the hospital is the admission's (`hospital_code` when
registering one). Tier and flags come from the hospital registry, compliance from the catalogue: a client
that declares them is refused (422, service.commands.errors.LEDGER_DECIDED says why).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from domain.vocabulary import VisitKind
from service.commands.base import Command, VersionedCommand
from service.commands.fields import Day, Flag, Label, Moment, Money, Quantity, Reason, Ref, Text, VisitKindName
from service.roles import HospitalCode, HospitalOfAdmission, HospitalScope, Role

HOSPITAL_ROLES = frozenset({Role.HOSPITAL})


class RegisterAdmission(Command):
    """Register an inpatient stay or outpatient chronic visit of a registered patient."""

    roles: ClassVar[frozenset[Role]] = HOSPITAL_ROLES
    hospital_scope: ClassVar[HospitalScope | None] = HospitalCode("hospital_code")

    command: Literal["register_admission"] = "register_admission"
    admission_ref: Ref
    patient_ref: Ref
    kind: VisitKindName = VisitKind.INPATIENT
    hospital_code: Ref
    """a registered hospital; its tier and flags are the registry's, in force on the service date"""
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
    """Post one charge line: item code, quantity, unit price. The ledger classifies it against the 三目录
    catalogue in force on the admission day: compliant part, over the price limit (超限价), class-B
    self-pay, out of catalogue (an unknown code is out of catalogue)."""

    command: Literal["post_charge_line"] = "post_charge_line"
    line_no: Ref
    item_code: Ref
    """a catalogue item code (drug, treatment item or service facility)"""
    quantity: Quantity
    unit_price: Money
    category: Label = "charge"
    """the bill's category (drugs, lab, bed, ...): a label only, it decides nothing"""


class PostLegacyChargeLine(AdmissionCommand):
    """Import a legacy charge line that arrives pre-classified (amount, compliant): admin only, marked as
    legacy in every replay."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})

    command: Literal["post_legacy_charge_line"] = "post_legacy_charge_line"
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
