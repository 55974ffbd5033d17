"""Retroactive recalculation, compensation and verification responses.

A recalculation re-settles a patient-year under the versions in force as known at `known_at`;
per settlement it reports each payer's delta (new - current, may be negative) and the
compensation owed to the patient (never negative: patients are not clawed back).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer, WithJsonSchema

from api.responses import decimal_text
from api.schemas import Money

# A signed amount (a payer's change); two places like `Money`.
Delta = Annotated[
    Decimal,
    PlainSerializer(decimal_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "examples": ["-4500.00"]}),
]


class RecalculationItemPublic(BaseModel):
    settlement_id: str
    policy_version_before: str
    policy_version_after: str
    payer_deltas: dict[str, Delta]
    patient_share_original: Money
    patient_share_before: Money
    patient_share_after: Money
    compensation_owed: Money
    changed: bool


class RecalculationPublic(BaseModel):
    """`changed` is false when no settlement moved; then nothing but the command itself is recorded."""

    patient_ref: str
    year: int
    changed: bool
    items: list[RecalculationItemPublic]


class ChangedYearPublic(BaseModel):
    patient_ref: str
    year: int
    compensation_owed: Money


class PolicyRecalculationPublic(BaseModel):
    """The region's patient-years the version can affect (`examined`) and those it changed."""

    region: str
    version: str
    examined: int
    changed_count: int
    compensation_owed: Money
    changed: list[ChangedYearPublic]  # at most 1,000 listed; the retro_compensation report has every item


class CompensationPaidPublic(BaseModel):
    settlement_id: str
    outstanding: Money


class DifferencePublic(BaseModel):
    """One field where the recorded value and the value re-derived from raw facts differ."""

    settlement_id: str
    part: str  # claim, settled (as made) or current (as last recalculated)
    field: str  # dotted path, e.g. layers[0].amount
    recorded: Any
    derived: Any


class VerificationPublic(BaseModel):
    patient_ref: str
    year: int
    settlements: int
    verified: bool
    differences: list[DifferencePublic]

    @classmethod
    def of(cls, result: dict[str, Any]) -> VerificationPublic:
        return cls.model_validate(
            {
                **result,
                "differences": [
                    {**d, "recorded": _plain(d["recorded"]), "derived": _plain(d["derived"])}
                    for d in result["differences"]
                ],
            }
        )


def _plain(value: Any) -> Any:
    """Decimals as the ledger's money text (never floats), inside lists and mappings too."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
