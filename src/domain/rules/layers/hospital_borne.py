"""Hospital-borne cost: out-of-catalogue cost above a share of the total is borne by the hospital.

For covered (poor) inpatients, non-compliant cost above `out_of_catalogue_share_limit` x total
may not be charged to the patient (practice "医院垫付(目录外超10%费用)").
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import ZERO, to_fen
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from domain.vocabulary import VisitKind


def amount(claim: ClaimFacts, policy: PolicyParameters) -> tuple[Decimal, str]:
    rule = policy.hospital_borne
    if not rule.enabled or claim.kind is not VisitKind.INPATIENT or claim.poverty_status not in rule.statuses:
        return ZERO, "no hospital-borne rule applies"
    allowed = claim.total * rule.out_of_catalogue_share_limit
    borne = to_fen(max(ZERO, claim.noncompliant - allowed))
    return borne, (
        f"non-compliant {claim.noncompliant} above {rule.out_of_catalogue_share_limit} x total {claim.total} = {borne}"
    )
