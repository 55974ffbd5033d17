"""Langxi re-assistance (大病医疗再救助): 60 % of annual compliant self-pay above 10,000.

Only care at in-province designated hospitals counts. Its base is the compliant self-pay
left when the layer runs in the cascade (after 351 in the default order: open question Q2).
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import PolicyParameters, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, increment, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.reassist, Payer.REASSIST)
    if claim.poverty_status not in rule.statuses:
        return not_eligible(Payer.REASSIST, f"status {claim.poverty_status.value} is not covered"), state
    if rule.requires_in_province and not claim.in_province:
        return not_eligible(Payer.REASSIST, "care outside the province"), state
    if rule.requires_designated and not claim.designated:
        return not_eligible(Payer.REASSIST, "hospital is not designated"), state
    paid_before = state.amount("reassist.paid")
    base_after = state.amount("reassist.base") + remaining
    target = to_fen(max(ZERO, base_after - rule.threshold) * rule.ratio)
    amount = increment(target, paid_before, remaining, rule.annual_cap)
    explanation = (
        f"cumulative self-pay {base_after} above {rule.threshold} x {rule.ratio} = {target}; "
        f"minus {paid_before} paid before = {amount}"
    )
    result = LayerResult(
        Payer.REASSIST,
        amount,
        True,
        base=base_after,
        threshold=rule.threshold,
        ratio=rule.ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=explanation,
        deferred=rule.deferred,
    )
    return result, state.with_amounts({"reassist.base": base_after, "reassist.paid": paid_before + amount})
