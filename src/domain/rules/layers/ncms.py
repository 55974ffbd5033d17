"""Basic insurance (新农合 / 城乡居民医保): per-admission deductible, tier ratio, annual cap.

Inpatient: (compliant - deductible of the hospital tier) x tier ratio, poor-adjusted;
out-of-county care without referral has its ratio multiplied by `unreferred_ratio_factor`.
Outpatient chronic visits (certified 慢性病证 only) use the chronic-outpatient deductible, ratio and
annual cap.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, capped, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer, VisitKind

ONE = Decimal(1)


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = policy.ncms
    if claim.kind is VisitKind.OUTPATIENT_CHRONIC and not claim.chronic_certified:
        return not_eligible(Payer.NCMS, "chronic outpatient benefit needs a valid 慢性病证 on the service date"), state
    if claim.kind is VisitKind.OUTPATIENT_CHRONIC:
        tier_rule, cap, key = rule.outpatient_chronic, rule.outpatient_chronic_annual_cap, "ncms.outpatient_paid"
    else:
        tier_rule, cap, key = rule.tiers[claim.tier], rule.annual_cap, "ncms.inpatient_paid"
    deductible, ratio = tier_rule.deductible, tier_rule.ratio
    if claim.poverty_status in policy.poor_statuses:
        deductible = deductible * rule.poor_deductible_factor
        ratio = min(ONE, ratio + rule.poor_ratio_uplift)
    if claim.kind is VisitKind.INPATIENT and claim.out_of_county_unreferred:
        ratio = ratio * rule.unreferred_ratio_factor
    paid_before = state.amount(key)
    computed = to_fen(max(ZERO, remaining - deductible) * ratio)
    amount = capped(computed, paid_before, cap)
    explanation = f"({remaining} - deductible {deductible}) x {ratio} = {computed}"
    if amount != computed:
        explanation += f"; annual cap {cap} with {paid_before} paid before leaves {amount}"
    result = LayerResult(
        Payer.NCMS,
        amount,
        True,
        base=remaining,
        threshold=deductible,
        ratio=ratio,
        cap=cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({key: paid_before + amount})
