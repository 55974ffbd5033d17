"""Government backstop, Anhui "351" (政府兜底): an annual cap on compliant self-pay.

Compliant self-pay left after 三保障 accumulates over the year; whatever would take it above
the cap is paid by the government. Caps are by hospital class (县域内 / 市级 / 省级).
`max_tier`: one cap, that of the highest class used so far this year (a rise never claws back).
`per_tier_additive`: a separate bucket per class.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import BackstopRule, CapMode, PolicyParameters, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer, Tier, VisitKind


def ineligibility(claim: ClaimFacts, rule: BackstopRule) -> str | None:
    """Why the backstop does not cover this claim, or None when it does."""
    if claim.kind is not VisitKind.INPATIENT:
        return "the backstop covers inpatient care"
    if claim.poverty_status not in rule.statuses:
        return f"status {claim.poverty_status.value} is not covered"
    if claim.tier not in rule.cap_class_of_tier:
        return f"tier {claim.tier.value} has no backstop cap"
    if rule.requires_in_province and not claim.in_province:
        return "care outside the province"
    if rule.requires_designated and not claim.designated:
        return "hospital is not designated"
    if rule.requires_referral_out_of_county and claim.out_of_county_unreferred:
        return "out-of-county care without referral"
    return None


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.b351, Payer.B351)
    why = ineligibility(claim, rule)
    if why is not None:
        return not_eligible(Payer.B351, why), state
    cap_class = rule.cap_class_of_tier[claim.tier]
    if rule.cap_mode is CapMode.MAX_TIER:
        previous = state.label("b351.max_class")
        if previous is not None and rule.caps[Tier(previous)] > rule.caps[cap_class]:
            cap_class = Tier(previous)
        counted_key = "b351.counted"
        state = state.with_label("b351.max_class", cap_class.value)
    else:
        counted_key = f"b351.counted.{cap_class.value}"
    cap = rule.caps[cap_class]
    counted = state.amount(counted_key)
    paid_before = state.amount("b351.paid")
    new_counted = min(counted + remaining, max(cap, counted))
    amount = to_fen(counted + remaining - new_counted)
    explanation = (
        f"self-pay counted {counted} + {remaining} = {counted + remaining} against the "
        f"{cap_class.value} cap {cap} ({rule.cap_mode.value}): backstop pays {amount}"
    )
    result = LayerResult(
        Payer.B351,
        amount,
        True,
        base=counted + remaining,
        threshold=cap,
        ratio=Decimal(1),
        cap=cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    assert ZERO <= amount <= remaining
    return result, state.with_amounts({counted_key: new_counted, "b351.paid": paid_before + amount})
