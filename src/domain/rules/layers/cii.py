"""Critical-illness insurance (大病保险): banded, on the annual cumulative self-pay after NCMS.

The threshold is deducted once a year; each settlement pays f(cumulative after) - f(cumulative
before), where f is the banded schedule. Poor patients use the poor schedule.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import Band, PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, increment
from domain.rules.year_state import YearState
from domain.vocabulary import Payer


def banded(cumulative: Decimal, bands: tuple[Band, ...]) -> Decimal:
    """Sum over bands of ratio x the part of `cumulative` inside the band (unrounded)."""
    total = ZERO
    for band in bands:
        top = cumulative if band.upper is None else min(cumulative, band.upper)
        if top > band.lower:
            total += (top - band.lower) * band.ratio
    return total


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = policy.cii_poor if claim.poverty_status in policy.poor_statuses else policy.cii_general
    base_before, paid_before = state.amount("cii.base"), state.amount("cii.paid")
    base_after = base_before + remaining
    target = to_fen(banded(base_after, rule.bands))
    amount = increment(target, paid_before, remaining, rule.cap)
    ratios = "/".join(str(b.ratio) for b in rule.bands)
    explanation = (
        f"cumulative base {base_before} + {remaining} = {base_after}; bands above {rule.threshold} "
        f"at {ratios} give {target}; minus {paid_before} paid before = {amount}"
    )
    result = LayerResult(
        Payer.CII,
        amount,
        True,
        base=base_after,
        threshold=rule.threshold,
        ratio=rule.bands[0].ratio,
        cap=rule.cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({"cii.base": base_after, "cii.paid": paid_before + amount})
