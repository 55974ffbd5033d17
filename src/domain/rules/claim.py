"""The facts a settlement is computed from, frozen at the moment of settlement."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.vocabulary import PovertyStatus, Tier, VisitKind


@dataclass(frozen=True)
class ClaimFacts:
    """One admission or outpatient chronic visit as the cascade sees it.

    `compliant` is the in-catalogue (合规) cost; the rest of `total` is non-compliant.
    Patient facts (status, certificates, diagnoses) are those in force on `service_date`.
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

    def __post_init__(self) -> None:
        assert self.total >= 0 and self.compliant >= 0, "amounts are never negative"
        assert self.compliant <= self.total, "compliant cost cannot exceed total cost"

    @property
    def noncompliant(self) -> Decimal:
        return self.total - self.compliant

    @property
    def out_of_county_unreferred(self) -> bool:
        return not self.in_county and not self.referred

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            kind=self.kind.value,
            tier=self.tier.value,
            poverty_status=self.poverty_status.value,
            service_date=self.service_date.isoformat(),
            major_diseases=list(self.major_diseases),
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClaimFacts:
        return cls(
            **{
                **data,
                "kind": VisitKind(data["kind"]),
                "tier": Tier(data["tier"]),
                "poverty_status": PovertyStatus(data["poverty_status"]),
                "service_date": date.fromisoformat(data["service_date"]),
                "total": Decimal(data["total"]),
                "compliant": Decimal(data["compliant"]),
                "major_diseases": tuple(data["major_diseases"]),
            }
        )
