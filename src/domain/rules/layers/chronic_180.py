"""Chronic-disease outpatient supplement, Anhui "180": 80 % of compliant cost left after basic insurance.

Covers outpatient chronic visits of certified (慢性病证) patients in the covered statuses.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import to_fen
from domain.policy.parameters import PolicyParameters, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, capped, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer, VisitKind


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.s180, Payer.S180)
    if claim.kind is not VisitKind.OUTPATIENT_CHRONIC:
        return not_eligible(Payer.S180, "the 180 supplement covers outpatient chronic visits"), state
    if not claim.chronic_certified:
        return not_eligible(Payer.S180, "no valid chronic-disease certificate on the service date"), state
    if claim.poverty_status not in rule.statuses:
        return not_eligible(Payer.S180, f"status {claim.poverty_status.value} is not covered"), state
    paid_before = state.amount("s180.paid")
    computed = to_fen(remaining * rule.ratio)
    amount = capped(computed, paid_before, rule.annual_cap)
    result = LayerResult(
        Payer.S180,
        amount,
        True,
        base=remaining,
        ratio=rule.ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=f"{remaining} x {rule.ratio} = {computed}",
    )
    return result, state.with_amounts({"s180.paid": paid_before + amount})
