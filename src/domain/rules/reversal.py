"""Settlement reversal (反结算) and fraud reversal (骗保): take one settlement out of its patient-year.

Pure. The patient-year's other active settlements are re-derived in their original order from their frozen
claim facts under the versions they are currently settled under, so the year's accumulators (deductible,
cumulative bands, 351 cap, 再救助 base) are exactly those of a year that never had the reversed claim. Each
re-derived settlement is an item of the same shape as a recalculation's (payer deltas, compensation owed,
the settlement now), and the reversed one is an item whose settlement is all zeros (`voided`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from domain.money import ZERO
from domain.policy.parameters import PolicyParameters
from domain.rules.recalculation import recalculate_year
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def voided(settlement: dict[str, Any]) -> dict[str, Any]:
    """The settlement with every amount zero: what a reversed settlement counts for from now on."""
    data = dict(settlement)
    for key in ("total", "compliant", "hospital_borne", "patient_compliant", "patient_noncompliant"):
        data[key] = ZERO
    data["layers"] = [{**layer, "amount": ZERO} for layer in settlement["layers"]]
    data.pop("major_disease", None)
    return data


def reverse_in_year(
    records: Sequence[dict[str, Any]],
    reversed_id: str,
    policies: Sequence[tuple[PolicyParameters, str]],
) -> tuple[list[dict[str, Any]], YearState]:
    """`records`: the year's active settlement records in order; `policies`: one per record other than the
    reversed one (its current version). The items, in record order, and the year's state after."""
    remaining = [r for r in records if r["settlement_id"] != reversed_id]
    assert len(remaining) == len(records) - 1 and len(policies) == len(remaining)
    items, state = recalculate_year(remaining, policies) if remaining else ([], YearState())
    by_id = {item["settlement_id"]: item for item in items}
    out = []
    for record in records:
        if record["settlement_id"] != reversed_id:
            out.append(by_id[record["settlement_id"]])
            continue
        current = Settlement.from_dict(record["current"])
        out.append(
            {
                "settlement_id": reversed_id,
                "policy_version_before": current.policy_version,
                "policy_version_after": current.policy_version,
                "payer_deltas": {p.value: -current.paid_by(p) for p in Payer},
                "patient_share_original": Settlement.from_dict(record["settlement"]).patient_share,
                "patient_share_before": current.patient_share,
                "patient_share_after": ZERO,
                "compensation_owed": Decimal(record["compensation_owed"]),
                "changed": True,
                "reversed": True,
                "settlement": voided(record["current"]),
            }
        )
    return out, state
