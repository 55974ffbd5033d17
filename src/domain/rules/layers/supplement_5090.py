"""Langxi "5090" major-disease inpatient supplement (重大疾病住院补充医疗保障).

The primary rule text was not found (research open question Q1), so the mode is a parameter:
`ratio_above_threshold` (H1): ratio x (annual cumulative compliant self-pay left - threshold),
paid incrementally; `target_actual_ratio` (H2): top the admission up until payers cover
target_ratio of its total (or compliant) cost.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import MajorDiseaseSupplementRule, PolicyParameters, SupplementMode, TargetBase, required
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, increment, not_eligible
from domain.rules.year_state import YearState
from domain.vocabulary import Payer, VisitKind


def ineligibility(claim: ClaimFacts, rule: MajorDiseaseSupplementRule) -> str | None:
    if claim.kind is not VisitKind.INPATIENT:
        return "5090 covers inpatient care"
    if rule.effective_from is not None and claim.service_date < rule.effective_from:
        return f"service date before 5090 took effect ({rule.effective_from})"
    if claim.poverty_status not in rule.statuses:
        return f"status {claim.poverty_status.value} is not covered"
    if not set(claim.major_diseases) & set(rule.diseases):
        return "no confirmed major disease on the 5090 list"
    return None


def apply(
    claim: ClaimFacts, remaining: Decimal, state: YearState, policy: PolicyParameters
) -> tuple[LayerResult, YearState]:
    rule = required(policy.s5090, Payer.S5090)
    why = ineligibility(claim, rule)
    if why is not None:
        return not_eligible(Payer.S5090, why), state
    paid_before = state.amount("s5090.paid")
    if rule.mode is SupplementMode.RATIO_ABOVE_THRESHOLD:
        base_after = state.amount("s5090.base") + remaining
        target = to_fen(max(ZERO, base_after - rule.threshold) * rule.ratio)
        amount = increment(target, paid_before, remaining, rule.annual_cap)
        explanation = (
            f"cumulative self-pay {base_after} above {rule.threshold} x {rule.ratio} = {target}; "
            f"minus {paid_before} paid before = {amount}"
        )
        result = LayerResult(
            Payer.S5090,
            amount,
            True,
            base=base_after,
            threshold=rule.threshold,
            ratio=rule.ratio,
            cap=rule.annual_cap,
            paid_before=paid_before,
            explanation=explanation,
        )
        updates = {"s5090.base": base_after, "s5090.paid": paid_before + amount}
        return result, state.with_amounts(updates)
    base = claim.total if rule.target_base is TargetBase.TOTAL else claim.compliant
    paid_by_payers = claim.compliant - remaining
    target = to_fen(base * rule.target_ratio)
    amount = min(max(ZERO, target - paid_by_payers), remaining)
    if rule.annual_cap is not None:
        amount = max(ZERO, min(amount, rule.annual_cap - paid_before))
    explanation = (
        f"target {rule.target_ratio} x {rule.target_base.value} {base} = {target}; payers so far "
        f"{paid_by_payers}; top-up {amount}"
    )
    result = LayerResult(
        Payer.S5090,
        amount,
        True,
        base=base,
        threshold=None,
        ratio=rule.target_ratio,
        cap=rule.annual_cap,
        paid_before=paid_before,
        explanation=explanation,
    )
    return result, state.with_amounts({"s5090.paid": paid_before + amount})
