"""The benefit cascade: settle one claim given the patient-year's earlier settlements.

Pure and deterministic: the same (claim facts, year state, policy) always gives the same
settlement to the fen, so a replay of a year reproduces every settlement byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from domain.money import ZERO
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.rules.layer_result import LayerResult
from domain.rules.layers import (
    assistance,
    backstop_351,
    chronic_180,
    cii,
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
}


def settle_claim(
    claim: ClaimFacts, state: YearState, policy: PolicyParameters, policy_version: str
) -> tuple[Settlement, YearState]:
    """Run the payer layers in the policy's order for this kind of care; return the settlement and new state.

    Each layer pays out of the compliant cost still left; the patient pays what is left plus the
    non-compliant cost, less any hospital-borne part.
    """
    borne, borne_why = hospital_borne.amount(claim, policy)
    remaining = claim.compliant
    results: list[LayerResult] = []
    for payer in policy.cascade[claim.kind]:
        result, state = LAYERS[payer](claim, remaining, state, policy)
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
        borne,
        remaining,
        claim.noncompliant - borne,
        borne_why,
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
