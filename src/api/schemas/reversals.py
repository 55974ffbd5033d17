"""Reversal (反结算), fraud reversal (骗保) and recovery responses. Money is text with two places."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Delta, Money


class ReversalItemPublic(BaseModel):
    """A settlement of the year after the reversal: the reversed one (all zeros) or one re-derived."""

    settlement_id: str
    payer_deltas: dict[str, Delta]
    patient_share_before: Money
    patient_share_after: Money
    compensation_owed: Money
    changed: bool


class ReversalPublic(BaseModel):
    settlement_id: str
    patient_ref: str
    year: int
    advance_reversed: dict[str, Money]
    items: list[ReversalItemPublic]


class FraudReversedPublic(BaseModel):
    settlement_id: str
    recoverable: Money
    items: int


class FraudReversalPublic(BaseModel):
    finding_ref: str
    patient_ref: str
    year: int
    reversed: list[FraudReversedPublic]
    recoverable: Money


class RecoveryPublic(BaseModel):
    settlement_id: str
    outstanding: Money
