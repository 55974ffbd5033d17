"""大病集中救治一批 (Hainan): single-disease payment standards and designated centres, before the payers run.

For an inpatient admission of a covered (poor) patient that treats one of the programme's diseases:

* at a designated centre for that disease, with a single-disease payment standard (单病种收费标准) in
  force for the disease, the treatment and the hospital's level: the billable amount is the actual
  cost up to the standard; the cost above it is borne by the hospital (taken from the non-compliant
  cost first, or pro rata, by policy), and the payers settle the billable amount;
* at a hospital not designated for the disease: flagged, and by policy either paid without the
  standard or referred (the payers listed in `referral_excluded_payers` do not pay);
* a disease not confirmed (核准) for the patient, or no standard for the treatment: settled on the
  actual cost, the reason recorded.

`assess` returns None for every other claim, and then the settlement is exactly what it was before
this rule existed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.money import ZERO, to_fen
from domain.policy.major_disease import ExcessAllocation, MajorDiseaseRule, NonDesignatedHandling
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.vocabulary import Payer, Tier, Treatment, VisitKind


class Handling(str, Enum):
    """How a major-disease admission was settled."""

    CAPPED = "capped"  # billed above the standard: the excess is hospital-borne
    WITHIN_STANDARD = "within_standard"  # billed at or below the standard: the actual cost
    NO_STANDARD = "no_standard"  # no standard in force for this treatment and hospital level
    NOT_CONFIRMED = "not_confirmed"  # the disease is not a confirmed diagnosis of the patient
    NON_DESIGNATED_PAID = "non_designated_paid"  # flagged: not a designated centre, paid without the standard
    NON_DESIGNATED_REFERRED = "non_designated_referred"  # flagged: not a designated centre, poor-specific payers refuse


FLAGGED = frozenset({Handling.NON_DESIGNATED_PAID, Handling.NON_DESIGNATED_REFERRED})


@dataclass(frozen=True)
class MajorDiseaseOutcome:
    """What the 大病集中救治 rules did to one admission, with the arithmetic in `explanation`."""

    disease: str
    treatment: Treatment | None
    tier: Tier
    designated_centre: bool
    handling: Handling
    standard: Decimal | None  # the single-disease standard applied (None: none applied)
    standard_from: date | None  # effective_from of the standard's row
    billable_total: Decimal
    billable_compliant: Decimal
    excess_compliant: Decimal  # hospital-borne cost above the standard, from the compliant cost
    excess_noncompliant: Decimal  # ... and from the non-compliant cost
    excluded_payers: tuple[Payer, ...]
    explanation: str

    @property
    def excess(self) -> Decimal:
        return self.excess_compliant + self.excess_noncompliant

    @property
    def flagged(self) -> bool:
        """A major-disease admission at a hospital not designated for the disease."""
        return self.handling in FLAGGED

    def billable_claim(self, claim: ClaimFacts) -> ClaimFacts:
        """The claim the payers settle: the billable amounts in place of the billed ones."""
        if self.excess == ZERO:
            return claim
        return replace(claim, total=self.billable_total, compliant=self.billable_compliant)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disease": self.disease,
            "treatment": None if self.treatment is None else self.treatment.value,
            "tier": self.tier.value,
            "designated_centre": self.designated_centre,
            "handling": self.handling.value,
            "flagged": self.flagged,
            "standard": self.standard,
            "standard_from": None if self.standard_from is None else self.standard_from.isoformat(),
            "billable_total": self.billable_total,
            "billable_compliant": self.billable_compliant,
            "excess": self.excess,
            "excess_compliant": self.excess_compliant,
            "excess_noncompliant": self.excess_noncompliant,
            "excluded_payers": [payer.value for payer in self.excluded_payers],
            "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MajorDiseaseOutcome:
        return cls(
            disease=str(data["disease"]),
            treatment=None if data["treatment"] is None else Treatment(data["treatment"]),
            tier=Tier(data["tier"]),
            designated_centre=bool(data["designated_centre"]),
            handling=Handling(data["handling"]),
            standard=None if data["standard"] is None else Decimal(data["standard"]),
            standard_from=None if data["standard_from"] is None else date.fromisoformat(data["standard_from"]),
            billable_total=Decimal(data["billable_total"]),
            billable_compliant=Decimal(data["billable_compliant"]),
            excess_compliant=Decimal(data["excess_compliant"]),
            excess_noncompliant=Decimal(data["excess_noncompliant"]),
            excluded_payers=tuple(Payer(p) for p in data["excluded_payers"]),
            explanation=str(data["explanation"]),
        )


def assess(claim: ClaimFacts, policy: PolicyParameters) -> MajorDiseaseOutcome | None:
    """The 大病集中救治 outcome of `claim`, or None when the programme does not concern it."""
    rule = policy.major_disease
    disease = claim.disease_treated
    if rule is None or disease is None or claim.kind is not VisitKind.INPATIENT:
        return None
    if disease not in rule.diseases or claim.poverty_status not in rule.statuses:
        return None
    what = _what(claim, disease)
    if rule.requires_confirmed_diagnosis and disease not in claim.major_diseases:
        why = f"{disease} is not a confirmed (核准) diagnosis of the patient on {claim.service_date}"
        return _uncapped(claim, disease, Handling.NOT_CONFIRMED, (), f"{what}: {why}; settled on the actual cost")
    if not claim.designated_centre:
        return _non_designated(claim, disease, rule, what)
    if claim.treatment is None:
        why = "no treatment recorded in the treatment plan, so no single-disease standard"
        return _uncapped(claim, disease, Handling.NO_STANDARD, (), f"{what}: {why}; settled on the actual cost")
    row = rule.standard_on(disease, claim.treatment, claim.tier, claim.service_date)
    if row is None or row.amount is None:
        why = f"no single-disease standard in force on {claim.service_date}"
        return _uncapped(claim, disease, Handling.NO_STANDARD, (), f"{what}: {why}; settled on the actual cost")
    standard = row.amount
    head = f"{what}: single-disease standard {standard} (from {row.effective_from})"
    if claim.total <= standard:
        return MajorDiseaseOutcome(
            **_facts(claim, disease),
            handling=Handling.WITHIN_STANDARD,
            standard=standard,
            standard_from=row.effective_from,
            billable_total=claim.total,
            billable_compliant=claim.compliant,
            excess_compliant=ZERO,
            excess_noncompliant=ZERO,
            excluded_payers=(),
            explanation=f"{head}; billed {claim.total} is within it, settled on the actual cost",
        )
    excess = to_fen(claim.total - standard)
    excess_compliant, excess_noncompliant = _split(excess, claim, rule.excess_allocation)
    return MajorDiseaseOutcome(
        **_facts(claim, disease),
        handling=Handling.CAPPED,
        standard=standard,
        standard_from=row.effective_from,
        billable_total=claim.total - excess,
        billable_compliant=claim.compliant - excess_compliant,
        excess_compliant=excess_compliant,
        excess_noncompliant=excess_noncompliant,
        excluded_payers=(),
        explanation=(
            f"{head}; billed {claim.total} - standard = {excess} hospital-borne "
            f"({excess_noncompliant} non-compliant, {excess_compliant} compliant, {rule.excess_allocation.value}); "
            f"payers settle {claim.total - excess} of which {claim.compliant - excess_compliant} compliant"
        ),
    )


def _what(claim: ClaimFacts, disease: str) -> str:
    treatment = "treatment not recorded" if claim.treatment is None else claim.treatment.value
    centre = "a designated centre" if claim.designated_centre else "a hospital not designated"
    return f"major disease {disease} ({treatment}) at {centre} for it ({claim.tier.value} level)"


def _facts(claim: ClaimFacts, disease: str) -> dict[str, Any]:
    return {
        "disease": disease,
        "treatment": claim.treatment,
        "tier": claim.tier,
        "designated_centre": claim.designated_centre,
    }


def _uncapped(
    claim: ClaimFacts, disease: str, handling: Handling, excluded: tuple[Payer, ...], explanation: str
) -> MajorDiseaseOutcome:
    return MajorDiseaseOutcome(
        **_facts(claim, disease),
        handling=handling,
        standard=None,
        standard_from=None,
        billable_total=claim.total,
        billable_compliant=claim.compliant,
        excess_compliant=ZERO,
        excess_noncompliant=ZERO,
        excluded_payers=excluded,
        explanation=explanation,
    )


def _non_designated(claim: ClaimFacts, disease: str, rule: MajorDiseaseRule, what: str) -> MajorDiseaseOutcome:
    if rule.non_designated is NonDesignatedHandling.PAY_WITHOUT_STANDARD:
        return _uncapped(
            claim,
            disease,
            Handling.NON_DESIGNATED_PAID,
            (),
            f"{what}: flagged; paid without the single-disease standard (major_disease.non_designated = "
            f"{rule.non_designated.value})",
        )
    excluded = rule.referral_excluded_payers
    names = ", ".join(payer.value for payer in excluded) or "none"
    return _uncapped(
        claim,
        disease,
        Handling.NON_DESIGNATED_REFERRED,
        excluded,
        f"{what}: flagged; referred to a designated centre, so {names} do not pay (major_disease.non_designated = "
        f"{rule.non_designated.value})",
    )


def _split(excess: Decimal, claim: ClaimFacts, allocation: ExcessAllocation) -> tuple[Decimal, Decimal]:
    """(compliant part, non-compliant part) of the excess; each within the claim's cost of that kind."""
    if allocation is ExcessAllocation.NONCOMPLIANT_FIRST:
        noncompliant = min(excess, claim.noncompliant)
        compliant = excess - noncompliant
    else:
        compliant = to_fen(excess * claim.compliant / claim.total)
        noncompliant = excess - compliant
    assert ZERO <= compliant <= claim.compliant and ZERO <= noncompliant <= claim.noncompliant
    return compliant, noncompliant
