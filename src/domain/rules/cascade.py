"""The benefit cascade: settle one claim given the patient-year's earlier settlements.

Pure and deterministic: the same (claim facts, year state, policy) always gives the same
settlement to the fen, so a replay of a year reproduces every settlement byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from domain.money import ZERO
from domain.policy.parameters import PolicyParameters
from domain.rules import major_disease_treatment
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult, not_eligible
from domain.rules.layers import (
    assistance,
    backstop_351,
    charity,
    chronic_180,
    cii,
    health_poverty_insurance,
    hospital_borne,
    ncms,
    reassistance,
    supplement_5090,
)
from domain.rules.settlement import Settlement
from domain.rules.year_state import YearState
from domain.vocabulary import Payer

Layer = Callable[[ClaimFacts, Decimal, YearState, PolicyParameters], tuple[LayerResult, YearState]]

LAYERS: dict[Payer, Layer] = {
    Payer.NCMS: ncms.apply,
    Payer.CII: cii.apply,
    Payer.MA: assistance.apply,
    Payer.B351: backstop_351.apply,
    Payer.S180: chronic_180.apply,
    Payer.S5090: supplement_5090.apply,
    Payer.REASSIST: reassistance.apply,
    Payer.HPSI: health_poverty_insurance.apply,
    Payer.CHARITY: charity.apply,
}


def settle_claim(
    claim: ClaimFacts, state: YearState, policy: PolicyParameters, policy_version: str
) -> tuple[Settlement, YearState]:
    """Run the payer layers in the policy's order for this kind of care; return the settlement and new state.

    Each layer pays out of the compliant cost still left; the patient pays what is left plus the
    non-compliant cost, less any hospital-borne part. A major-disease admission (Hainan 大病集中救治) is
    first capped at its single-disease standard: the payers settle the billable claim, the excess is
    hospital-borne; a referred one skips the payers the policy excludes.
    """
    outcome = major_disease_treatment.assess(claim, policy)
    billable = claim if outcome is None else outcome.billable_claim(claim)
    excluded = () if outcome is None else outcome.excluded_payers
    borne, borne_why = hospital_borne.amount(billable, policy)
    remaining = billable.compliant
    results: list[LayerResult] = []
    for payer in policy.cascade[claim.kind]:
        if payer in excluded:
            assert outcome is not None
            result = not_eligible(payer, f"major disease {outcome.disease} not at a designated centre: referred")
        else:
            result, state = LAYERS[payer](billable, remaining, state, policy)
        assert ZERO <= result.amount <= remaining, f"{payer.value} paid {result.amount} of {remaining}"
        remaining -= result.amount
        results.append(result)
    settlement = Settlement(
        claim.claim_id,
        policy_version,
        claim.service_date,
        claim.total,
        claim.compliant,
        tuple(results),
        borne if outcome is None else borne + outcome.excess,
        remaining,
        billable.noncompliant - borne,
        borne_why if outcome is None else f"{outcome.explanation}; {borne_why}",
        outcome,
    )
    settlement.check_invariant()
    return settlement, state


def settle_year(
    claims: Iterable[tuple[ClaimFacts, PolicyParameters, str]], state: YearState | None = None
) -> tuple[list[Settlement], YearState]:
    """Settle a patient-year's claims in settlement order, each under its own policy version."""
    state = state if state is not None else YearState()
    settlements = []
    for claim, policy, version in claims:
        settlement, state = settle_claim(claim, state, policy, version)
        settlements.append(settlement)
    return settlements, state
