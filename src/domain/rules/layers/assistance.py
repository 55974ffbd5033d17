"""Medical assistance (民政医疗救助): a ratio of what is left, by poverty category, annual limit."""

from __future__ import annotations

from decimal import Decimal

from domain.money import to_fen
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, capped, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = policy.assistance.get(claim.poverty_status)
    if rule is None:
        return not_eligible(Payer.MA, f"status {claim.poverty_status.value} has no assistance"), state
    paid_before = state.amount("ma.paid")
    computed = to_fen(remaining * rule.ratio)
    amount = capped(computed, paid_before, rule.annual_cap)
    explanation = f"{remaining} x {rule.ratio} = {computed}"
    if amount != computed:
        explanation += f"; annual limit {rule.annual_cap} with {paid_before} paid before leaves {amount}"
    result = LayerResult(
        Payer.MA,
        amount,
        True,
        base=remaining,
        ratio=rule.ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({"ma.paid": paid_before + amount})
