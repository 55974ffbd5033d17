"""Request bodies of reconciliation after settlement: audit findings, refunds, fund reimbursements,
retroactive recalculation and compensation payments.

Same rules as `api.schemas`: unknown fields refused, money only through `MoneyIn` (floats
refused), a `command_id` in the body or an `Idempotency-Key` header. None of these commands
takes an `expected_version`: the service serialises them on the aggregates they change.
"""

from __future__ import annotations

from pydantic import Field

from api.schemas import CommandBase, Day, Moment, MoneyIn, Ref, Text
from domain.vocabulary import AuditReason, Payer


# ---- audit findings (不合理检查/施治/用药/收费) --------------------------------------------------
class AuditFindingCreate(CommandBase):
    finding_ref: Ref
    admission_ref: Ref
    line_nos: list[Ref] = Field(min_length=1, max_length=1000, description="distinct charge lines disallowed")
    reason: AuditReason
    found_on: Day
    fund: Payer = Field(Payer.NCMS, description="the fund whose advance to the hospital is deducted")
    auditor: Text = ""


class RefundPaymentCreate(CommandBase):
    amount: MoneyIn
    paid_on: Day
    reference: Text = ""


class WithdrawalCreate(CommandBase):
    reason: Ref
    withdrawn_on: Day


# ---- hospital accounts -------------------------------------------------------------------------
class ReimbursementCreate(CommandBase):
    fund: Payer
    amount: MoneyIn
    received_on: Day
    reference: Text = ""


# ---- retroactive recalculation (追溯补偿) -------------------------------------------------------
KNOWN_AT = "ISO datetime with offset: policy versions published by then count; default now"


class RecalculationCreate(CommandBase):
    known_at: Moment | None = Field(None, description=KNOWN_AT)
    reason: Text = ""


class PolicyRecalculationCreate(CommandBase):
    known_at: Moment | None = Field(None, description=KNOWN_AT)


class CompensationPaymentCreate(CommandBase):
    settlement_id: Ref
    amount: MoneyIn
    paid_on: Day
    reference: Text = ""
