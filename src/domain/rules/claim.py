"""The facts a settlement is computed from, frozen at the moment of settlement."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from domain.money import ZERO
from domain.vocabulary import PovertyStatus, Tier, Treatment, VisitKind

# Facts added after the first settlements were recorded, with the value an older record means.
# `to_dict` leaves a fact out while it has this value, so a claim without them is recorded exactly as before.
LATER_FACTS: dict[str, Any] = {
    "disease_treated": None,
    "treatment": None,
    "designated_centre": False,
    "charity_granted": ZERO,
}


@dataclass(frozen=True)
class ClaimFacts:
    """One admission or outpatient chronic visit as the cascade sees it.

    `compliant` is the in-catalogue (合规) cost; the rest of `total` is non-compliant.
    Patient facts (status, certificates, diagnoses) are those in force on `service_date`.

    For Hainan's 大病集中救治: `disease_treated` and `treatment` come from the patient's treatment plan
    (诊疗方案) for the admission, `designated_centre` says whether the hospital is a designated centre
    for that disease. `charity_granted` is the charity fund grants recorded for the patient-year up to
    the settlement: the charity layer draws on it, less what it paid earlier in the year.
    """

    claim_id: str
    kind: VisitKind
    tier: Tier
    in_county: bool
    in_province: bool
    designated: bool
    referred: bool
    service_date: date
    total: Decimal
    compliant: Decimal
    poverty_status: PovertyStatus
    chronic_certified: bool
    major_diseases: tuple[str, ...]
    disease_treated: str | None = None
    treatment: Treatment | None = None
    designated_centre: bool = False
    charity_granted: Decimal = ZERO

    def __post_init__(self) -> None:
        assert self.total >= 0 and self.compliant >= 0, "amounts are never negative"
        assert self.compliant <= self.total, "compliant cost cannot exceed total cost"
        assert self.charity_granted >= 0, "charity grants are never negative"

    @property
    def noncompliant(self) -> Decimal:
        return self.total - self.compliant

    @property
    def out_of_county_unreferred(self) -> bool:
        return not self.in_county and not self.referred

    def to_dict(self) -> dict[str, Any]:
        # every field is a plain value (no nested dataclass): what dataclasses.asdict gives, without its deep copy
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data.update(
            kind=self.kind.value,
            tier=self.tier.value,
            poverty_status=self.poverty_status.value,
            service_date=self.service_date.isoformat(),
            major_diseases=list(self.major_diseases),
            treatment=None if self.treatment is None else self.treatment.value,
        )
        for key, default in LATER_FACTS.items():
            if data[key] == default:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClaimFacts:
        """Read a recorded claim; facts added later take their default when an older record lacks them."""
        full = {**LATER_FACTS, **data}
        return cls(
            **{
                **full,
                "kind": VisitKind(full["kind"]),
                "tier": Tier(full["tier"]),
                "poverty_status": PovertyStatus(full["poverty_status"]),
                "service_date": date.fromisoformat(full["service_date"]),
                "total": Decimal(full["total"]),
                "compliant": Decimal(full["compliant"]),
                "major_diseases": tuple(full["major_diseases"]),
                "treatment": None if full["treatment"] is None else Treatment(full["treatment"]),
                "designated_centre": bool(full["designated_centre"]),
                "charity_granted": Decimal(full["charity_granted"]),
            }
        )


_FIELD_NAMES = tuple(f.name for f in fields(ClaimFacts))
