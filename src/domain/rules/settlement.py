"""The result of settling one claim: each payer's share, the patient's share, the hospital-borne part.

`hospital_borne` includes any cost above a single-disease standard (Hainan 大病集中救治); the
`major_disease` outcome says how much of it came from the compliant and the non-compliant cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.money import ZERO, money_sum
from domain.rules.layer_result import LayerResult
from domain.rules.major_disease_treatment import MajorDiseaseOutcome
from domain.vocabulary import Payer


class SettlementInvariantError(AssertionError):
    """total != payers + patient + hospital-borne: a defect, never an operating error."""


@dataclass(frozen=True)
class Settlement:
    claim_id: str
    policy_version: str
    service_date: date
    total: Decimal
    compliant: Decimal
    layers: tuple[LayerResult, ...]
    hospital_borne: Decimal
    patient_compliant: Decimal
    patient_noncompliant: Decimal
    hospital_borne_explanation: str = ""
    major_disease: MajorDiseaseOutcome | None = None

    @property
    def noncompliant(self) -> Decimal:
        return self.total - self.compliant

    @property
    def excess_compliant(self) -> Decimal:
        """Compliant cost above a single-disease standard, borne by the hospital (no payer settles it)."""
        return ZERO if self.major_disease is None else self.major_disease.excess_compliant

    @property
    def payer_total(self) -> Decimal:
        return money_sum(layer.amount for layer in self.layers)

    @property
    def patient_share(self) -> Decimal:
        return self.patient_compliant + self.patient_noncompliant

    def paid_by(self, payer: Payer) -> Decimal:
        return money_sum(layer.amount for layer in self.layers if layer.payer is payer)

    def check_invariant(self) -> None:
        """total = payers + patient + hospital-borne, and no share is negative."""
        shares = [layer.amount for layer in self.layers] + [
            self.hospital_borne,
            self.patient_compliant,
            self.patient_noncompliant,
        ]
        if any(share < ZERO for share in shares):
            raise SettlementInvariantError(f"{self.claim_id}: negative share in {shares}")
        if self.total != self.payer_total + self.patient_share + self.hospital_borne:
            raise SettlementInvariantError(
                f"{self.claim_id}: total {self.total} != payers {self.payer_total} + patient "
                f"{self.patient_share} + hospital-borne {self.hospital_borne}"
            )
        if self.compliant != self.payer_total + self.patient_compliant + self.excess_compliant:
            raise SettlementInvariantError(f"{self.claim_id}: compliant cost not fully allocated")
        if self.major_disease is not None and self.hospital_borne < self.major_disease.excess:
            raise SettlementInvariantError(f"{self.claim_id}: hospital-borne is less than the single-disease excess")

    def to_dict(self) -> dict[str, Any]:
        """The recorded form; `major_disease` appears only on settlements the 大病集中救治 rules concerned."""
        data: dict[str, Any] = {
            "claim_id": self.claim_id,
            "policy_version": self.policy_version,
            "service_date": self.service_date.isoformat(),
            "total": self.total,
            "compliant": self.compliant,
            "layers": [layer.to_dict() for layer in self.layers],
            "hospital_borne": self.hospital_borne,
            "patient_compliant": self.patient_compliant,
            "patient_noncompliant": self.patient_noncompliant,
            "hospital_borne_explanation": self.hospital_borne_explanation,
        }
        if self.major_disease is not None:
            data["major_disease"] = self.major_disease.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settlement:
        return cls(
            str(data["claim_id"]),
            str(data["policy_version"]),
            date.fromisoformat(data["service_date"]),
            Decimal(data["total"]),
            Decimal(data["compliant"]),
            tuple(LayerResult.from_dict(layer) for layer in data["layers"]),
            Decimal(data["hospital_borne"]),
            Decimal(data["patient_compliant"]),
            Decimal(data["patient_noncompliant"]),
            str(data.get("hospital_borne_explanation", "")),
            None if data.get("major_disease") is None else MajorDiseaseOutcome.from_dict(data["major_disease"]),
        )
