"""Settlement and benefit-year responses: every layer's arithmetic, as recorded, for auditors.

Amounts are `Money` (strings with two places); ratios keep their published digits. The patient
share and payer total of a settlement are computed by `domain.rules.settlement.Settlement`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.responses import plain
from api.schemas.common import DecimalText, Money
from domain.rules.settlement import Settlement
from service.commands.fields import Moment


# ---- settlements -------------------------------------------------------------------------------
class LayerPublic(BaseModel):
    payer: str
    amount: Money
    eligible: bool
    base: Money
    threshold: Money | None
    ratio: DecimalText | None
    cap: Money | None
    paid_before: Money
    explanation: str


class SettlementPublic(BaseModel):
    """One settlement with every layer's arithmetic; total = payers + patient + hospital-borne."""

    claim_id: str
    policy_version: str
    service_date: str
    total: Money
    compliant: Money
    layers: list[LayerPublic]
    payer_total: Money
    patient_compliant: Money
    patient_noncompliant: Money
    patient_share: Money
    hospital_borne: Money
    hospital_borne_explanation: str

    @classmethod
    def fields_of(cls, data: dict[str, Any]) -> dict[str, Any]:
        settlement = Settlement.from_dict(data)
        return {**data, "payer_total": settlement.payer_total, "patient_share": settlement.patient_share}


class SettlementResultPublic(SettlementPublic):
    settlement_id: str
    patient_ref: str
    year: int
    admission_version: int
    benefit_year_version: int


class ClaimPublic(BaseModel):
    """The facts a settlement was computed from, frozen at settlement."""

    claim_id: str
    kind: str
    tier: str
    in_county: bool
    in_province: bool
    designated: bool
    referred: bool
    service_date: str
    total: Money
    compliant: Money
    poverty_status: str
    chronic_certified: bool
    major_diseases: list[str]


class SettlementRecordPublic(BaseModel):
    """One settlement of the year: as made, as last recalculated ("current"), and compensation.

    `compensation_owed` is what the patient paid at settlement minus what the last recalculation
    asks (追溯补偿金); `compensation_outstanding` = owed - paid, never below zero.
    """

    settlement_id: str
    admission_ref: str
    hospital: dict[str, Any]
    settled_at: str
    recorded_at: str | None = None
    patient_version: int
    admission_version: int
    policy_version: str
    claim: ClaimPublic
    settlement: SettlementPublic
    current: SettlementPublic
    compensation_owed: Money
    compensation_paid: Money
    compensation_outstanding: Money
    current_lines: dict[str, Any] | None = None
    """the charge lines as the last recalculation re-classified them (line number -> the catalogue's verdict,
    naming the version used); null when none did (the admission's lines as posted count)"""


class BenefitYearPublic(BaseModel):
    """A patient's benefit-year account: its settlements in order and the year-to-date accumulators."""

    patient_ref: str
    year: int
    county_code: str
    version: int
    recalculations: int
    settlements: list[SettlementRecordPublic]
    accumulators: dict[str, Money]
    labels: dict[str, str]

    @classmethod
    def of(cls, history: Any) -> BenefitYearPublic:
        records = [
            {
                **r,
                "settlement": SettlementPublic.fields_of(r["settlement"]),
                "current": SettlementPublic.fields_of(r["current"]),
                "compensation_outstanding": history.compensation_outstanding(r["settlement_id"]),
                "current_lines": (r.get("current_facts") or {}).get("lines"),
            }
            for r in history.settlements
        ]
        state = history.state or {}
        return cls(
            patient_ref=history.patient_ref,
            year=history.year,
            county_code=history.county_code,
            version=history.version,
            recalculations=history.recalculations,
            settlements=[SettlementRecordPublic.model_validate(r) for r in records],
            accumulators=dict(state.get("amounts", {})),
            labels=dict(state.get("labels", {})),
        )


class SettlementQuoteCreate(BaseModel):
    """A quote records nothing, so it needs no command id."""

    model_config = ConfigDict(extra="forbid")

    settled_at: Moment | None = Field(None, description="ISO datetime with offset; default now")


# ---- verification ------------------------------------------------------------------------------
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
                    {**d, "recorded": plain(d["recorded"]), "derived": plain(d["derived"])}
                    for d in result["differences"]
                ],
            }
        )
