"""Admission responses: charge lines, totals, status, settlement ids and version."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas.common import Money
from domain.aggregates.admission import Admission, line_compliant_amount


# ---- admissions --------------------------------------------------------------------------------
class ChargeLinePublic(BaseModel):
    line_no: str
    category: str
    amount: Money
    compliant: bool
    """true when the whole line is compliant"""
    compliant_amount: Money
    reversed: bool
    legacy: bool
    """pre-classified by its sender (legacy import), not by the catalogue"""
    classification: dict[str, Any] | None = None
    """the catalogue's verdict: item, class, version, 超限价, self-pay, out-of-catalogue parts and why"""


class AdmissionTotals(BaseModel):
    total: Money
    compliant: Money
    noncompliant: Money


class AdmissionPublic(BaseModel):
    admission_ref: str
    patient_ref: str
    kind: str
    hospital: dict[str, Any]
    referred: bool
    diagnosis: str
    admitted_on: str
    discharged_on: str | None
    status: str  # open, discharged or settled
    lines: list[ChargeLinePublic]
    totals: AdmissionTotals
    settlement_ids: list[str]
    benefit_year_ids: list[str]
    version: int

    @classmethod
    def of(cls, a: Admission) -> AdmissionPublic:
        status = "settled" if a.is_settled else "discharged" if a.discharged_on else "open"
        return cls(
            admission_ref=a.admission_ref,
            patient_ref=a.patient_ref,
            kind=a.kind,
            hospital=a.hospital,
            referred=a.referred,
            diagnosis=a.diagnosis,
            admitted_on=a.admitted_on,
            discharged_on=a.discharged_on,
            status=status,
            lines=[
                ChargeLinePublic(
                    line_no=n,
                    category=line["category"],
                    amount=line["amount"],
                    compliant=line["compliant"],
                    compliant_amount=line_compliant_amount(line),
                    reversed=line["reversed"],
                    legacy=line.get("legacy", True),
                    classification=line.get("classification"),
                )
                for n, line in a.lines.items()
            ],
            totals=AdmissionTotals(total=a.total, compliant=a.compliant, noncompliant=a.total - a.compliant),
            settlement_ids=list(a.settlements),
            benefit_year_ids=list(a.benefit_year_ids),
            version=a.version,
        )
