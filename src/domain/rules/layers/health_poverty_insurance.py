"""Hainan health-poverty supplementary insurance (健康扶贫补充保险): banded, on the annual cumulative
compliant self-pay that reaches it.

The plan settles it between 大病保险 and 医疗救助 ("统筹基本医保、大病保险、健康扶贫补充保险、医疗救助专项资金…
联动报销"). Like 大病保险, the threshold is deducted once a year and each settlement pays
f(cumulative after) - f(cumulative before), f the banded schedule, within the annual cap. Only the
covered statuses; optionally only in-province and designated hospitals.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import to_fen
from domain.policy.parameters import HealthPovertyInsuranceRule, PolicyParameters, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, increment, not_eligible
from domain.rules.layers.cii import banded
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def ineligibility(claim: ClaimFacts, rule: HealthPovertyInsuranceRule) -> str | None:
    if claim.poverty_status not in rule.statuses:
        return f"status {claim.poverty_status.value} is not covered"
    if rule.requires_in_province and not claim.in_province:
        return "care outside the province"
    if rule.requires_designated and not claim.designated:
        return "hospital is not designated"
    return None


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.hpsi, Payer.HPSI)
    why = ineligibility(claim, rule)
    if why is not None:
        return not_eligible(Payer.HPSI, why), state
    base_before, paid_before = state.amount("hpsi.base"), state.amount("hpsi.paid")
    base_after = base_before + remaining
    target = to_fen(banded(base_after, rule.bands))
    amount = increment(target, paid_before, remaining, rule.annual_cap)
    ratios = "/".join(str(b.ratio) for b in rule.bands)
    explanation = (
        f"cumulative self-pay {base_before} + {remaining} = {base_after}; bands above {rule.threshold} "
        f"at {ratios} give {target}; minus {paid_before} paid before = {amount}"
    )
    if amount < min(target - paid_before, remaining):
        explanation += f" (annual cap {rule.annual_cap})"
    result = LayerResult(
        Payer.HPSI,
        amount,
        True,
        base=base_after,
        threshold=rule.threshold,
        ratio=rule.bands[0].ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({"hpsi.base": base_after, "hpsi.paid": paid_before + amount})
