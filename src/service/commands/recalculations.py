"""Retroactive recalculation (追溯补偿) of patient-years, and "5090" compensation paid to patients."""

from __future__ import annotations

from typing import ClassVar, Literal

from service.commands.base import Command
from service.commands.fields import Day, Moment, Money, Ref, Text, Year
from service.roles import FixedFund, FundScope, Role

COMPENSATION_FUND = "s5090"  # the fund that pays retroactive "5090" compensation (追溯补偿金)
KNOWN_AT = "ISO date-time with offset: policy versions published by then count; default now"


class RecalculateBenefitYear(Command):
    """Re-settle the patient-year under the versions in force as known at `known_at`; per settlement, each
    payer's delta and the compensation owed. Records a recalculation only if something changed."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.AUDITOR})

    command: Literal["recalculate_benefit_year"] = "recalculate_benefit_year"
    patient_ref: Ref
    year: Year
    known_at: Moment | None = None
    """ISO date-time with offset: policy versions published by then count; default now"""
    reason: Text = ""


class RecalculateForPolicy(Command):
    """After publishing a (retroactive) version, recalculate every patient-year of the region it can affect;
    each patient-year is its own command (`<command_id>:<patient_ref>:<year>`), so a retry resumes."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})
    batchable: ClassVar[bool] = False  # a page of patient-years per transaction of its own

    command: Literal["recalculate_for_policy"] = "recalculate_for_policy"
    region: Ref
    version: Ref
    known_at: Moment | None = None
    """ISO date-time with offset: policy versions published by then count; default now"""


class PayRetroactiveCompensation(Command):
    """Record 追溯补偿金 paid directly to the patient for one settlement; at most what is outstanding."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.PAYMENT_SERVICE})
    fund_scope: ClassVar[FundScope | None] = FixedFund(COMPENSATION_FUND)

    command: Literal["pay_retroactive_compensation"] = "pay_retroactive_compensation"
    patient_ref: Ref
    year: Year
    settlement_id: Ref
    amount: Money
    paid_on: Day
    reference: Text = ""
