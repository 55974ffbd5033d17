"""Charity medical assistance (慈善医疗救助): the optional last payer, fed by recorded charity fund grants.

Pays `ratio` x the compliant self-pay still left, out of the grants recorded for the patient-year up to
the settlement (`ClaimFacts.charity_granted`) less what charity paid earlier in the year, within an
optional annual cap. Nothing granted, nothing paid.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import PolicyParameters, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, capped, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.charity, Payer.CHARITY)
    if claim.poverty_status not in rule.statuses:
        return not_eligible(Payer.CHARITY, f"status {claim.poverty_status.value} is not covered"), state
    paid_before = state.amount("charity.paid")
    balance = to_fen(max(ZERO, claim.charity_granted - paid_before))
    if balance == ZERO:
        why = "no charity grant recorded" if claim.charity_granted == ZERO else "the charity grants are used up"
        return not_eligible(Payer.CHARITY, why), state
    computed = to_fen(remaining * rule.ratio)
    amount = min(capped(computed, paid_before, rule.annual_cap), balance)
    explanation = (
        f"{remaining} x {rule.ratio} = {computed}; grant balance {claim.charity_granted} - {paid_before} = {balance}"
    )
    if amount != computed:
        limit = "grant balance" if amount == balance else f"annual cap {rule.annual_cap}"
        explanation += f"; limited by the {limit} to {amount}"
    result = LayerResult(
        Payer.CHARITY,
        amount,
        True,
        base=remaining,
        ratio=rule.ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({"charity.paid": paid_before + amount})
