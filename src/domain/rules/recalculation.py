"""Retroactive recalculation (e.g. "5090 追溯补偿"): re-settle a patient-year under new policy versions.

Settlements are replayed in their original order from their frozen claim facts, each under the
version now in force for its service date. Per settlement and payer the delta new - current is
reported; what the patient is owed is what they paid at settlement minus what they would pay now,
never negative: patients are not clawed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    """Re-settle `records` (BenefitYear settlement records, in order) under `policies` (one per record).

    The recorded settlements ("settlement" as made, "current" as last recalculated) are compared as
    recorded dicts, amount by amount, without rebuilding `Settlement` objects: the same Decimal
    arithmetic (sums from 0.00 in layer order) as `Settlement.paid_by` and `patient_share`.
    """
    assert len(records) == len(policies)
    claims = [ClaimFacts.from_dict(current_claim(record)) for record in records]
    new_settlements, state = settle_year((claim, params, version) for claim, (params, version) in zip(claims, policies))
    items = []
    for record, new, claim in zip(records, new_settlements, claims):
        original, current = record["settlement"], record["current"]
        new_paid = _paid_by_payer((layer.payer.value, layer.amount) for layer in new.layers)
        current_paid = _paid_by_payer((layer["payer"], Decimal(layer["amount"])) for layer in current["layers"])
        new_share = new.patient_share
        items.append(
            {
                "settlement_id": record["settlement_id"],
                "policy_version_before": str(current["policy_version"]),
                "policy_version_after": new.policy_version,
                "payer_deltas": {p: new_paid[p] - current_paid[p] for p in PAYERS},
                "patient_share_original": _patient_share(original),
                "patient_share_before": _patient_share(current),
                "patient_share_after": new_share,
                "compensation_owed": max(ZERO, _patient_share(original) - new_share),
                "changed": _amounts(new) != _recorded_amounts(current),
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
    used, frozen = current_claim(record), record["claim"]
    # `claim` was read from `used` (ClaimFacts.from_dict is a pure function of the dict): when `used` is the
    # frozen claim, or equal to it, the two claims are equal and neither needs rebuilding to tell.
    if used is not frozen and used != frozen and claim.to_dict() != ClaimFacts.from_dict(frozen).to_dict():
        out["claim"] = claim.to_dict()
    if "facts" in record:
        out["facts"] = record["facts"]
    return out


PAYERS = tuple(p.value for p in Payer)


def _paid_by_payer(layers: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Each payer's total over `layers` (payer value, amount), summed from 0.00 in order (= Settlement.paid_by)."""
    paid = dict.fromkeys(PAYERS, ZERO)
    for payer, amount in layers:
        paid[payer] += amount
    return paid


def _patient_share(recorded: dict[str, Any]) -> Decimal:
    """`Settlement.patient_share` of a recorded settlement."""
    return Decimal(recorded["patient_compliant"]) + Decimal(recorded["patient_noncompliant"])


def _amounts(settlement: Settlement) -> tuple[Any, ...]:
    """What a recalculation can change in money terms (not the version label or the wording)."""
    return (
        tuple((layer.payer.value, layer.amount) for layer in settlement.layers),
        settlement.hospital_borne,
        settlement.patient_compliant,
        settlement.patient_noncompliant,
    )


def _recorded_amounts(recorded: dict[str, Any]) -> tuple[Any, ...]:
    """`_amounts` of a recorded settlement, read from its dict."""
    return (
        tuple((str(Payer(layer["payer"]).value), Decimal(layer["amount"])) for layer in recorded["layers"]),
        Decimal(recorded["hospital_borne"]),
        Decimal(recorded["patient_compliant"]),
        Decimal(recorded["patient_noncompliant"]),
    )
