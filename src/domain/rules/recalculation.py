"""Retroactive recalculation (e.g. "5090 追溯补偿"): re-settle a patient-year under new policy versions.

Settlements are replayed in their original order from their frozen claim facts, each under the
version now in force for its service date. Per settlement and payer the delta new - current is
reported; what the patient is owed is what they paid at settlement minus what they would pay now,
never negative: patients are not clawed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from domain.money import ZERO
from domain.policy.parameters import PolicyParameters
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def compensation_owed(original: Settlement, recalculated: Settlement) -> Decimal:
    """What the patient paid at settlement minus what the recalculated settlement asks, floored at 0."""
    return max(ZERO, original.patient_share - recalculated.patient_share)


def recalculate_year(
    records: Sequence[dict[str, Any]], policies: Sequence[tuple[PolicyParameters, str]]
) -> tuple[list[dict[str, Any]], YearState]:
    """Re-settle `records` (BenefitYear settlement records, in order) under `policies` (one per record)."""
    assert len(records) == len(policies)
    claims = [ClaimFacts.from_dict(current_claim(record)) for record in records]
    new_settlements, state = settle_year((claim, params, version) for claim, (params, version) in zip(claims, policies))
    items = []
    for record, new, claim in zip(records, new_settlements, claims):
        original = Settlement.from_dict(record["settlement"])
        current = Settlement.from_dict(record["current"])
        items.append(
            {
                "settlement_id": record["settlement_id"],
                "policy_version_before": current.policy_version,
                "policy_version_after": new.policy_version,
                "payer_deltas": {p.value: new.paid_by(p) - current.paid_by(p) for p in Payer},
                "patient_share_original": original.patient_share,
                "patient_share_before": current.patient_share,
                "patient_share_after": new.patient_share,
                "compensation_owed": compensation_owed(original, new),
                "changed": _amounts(new) != _amounts(current),
                "settlement": new.to_dict(),
            }
            | _claim_keys(record, claim)
        )
    return items, state


def current_claim(record: dict[str, Any]) -> dict[str, Any]:
    """The claim facts a settlement counts with now: as refreshed by the last recalculation that re-read the
    patient's facts (a late fact), else as frozen at settlement."""
    found: dict[str, Any] = record.get("current_claim") or record["claim"]
    return found


def _claim_keys(record: dict[str, Any], claim: ClaimFacts) -> dict[str, Any]:
    """An item names the claim it used when it is not the one frozen at settlement, and the facts re-read."""
    out: dict[str, Any] = {}
    if claim.to_dict() != ClaimFacts.from_dict(record["claim"]).to_dict():
        out["claim"] = claim.to_dict()
    if "facts" in record:
        out["facts"] = record["facts"]
    return out


def _amounts(settlement: Settlement) -> tuple[Any, ...]:
    """What a recalculation can change in money terms (not the version label or the wording)."""
    return (
        tuple((layer.payer, layer.amount) for layer in settlement.layers),
        settlement.hospital_borne,
        settlement.patient_compliant,
        settlement.patient_noncompliant,
    )
