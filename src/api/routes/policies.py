"""Policy versions: scheme parameters as effective-dated data, with a confidence label per parameter."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.schemas.policies import PolicyPublishedPublic, PolicyRegisterPublic, PolicyVersionPublic, RegisterEntryPublic
from service.commands import PublishPolicyVersion

router = APIRouter(prefix="/policy-versions", tags=["policy-versions"])


command_route(router, "", PublishPolicyVersion, PolicyPublishedPublic)


@router.get("/{region}", response_model=PolicyRegisterPublic, dependencies=[require_read(Read.POLICY)])
def read_policy_register(region: RefPath, ledger: LedgerDep) -> PolicyRegisterPublic:
    """The region's policy versions, in publication order."""
    entries = ledger.policy_register(region)  # NotFoundError -> 404
    return PolicyRegisterPublic(
        region=region, count=len(entries), versions=[RegisterEntryPublic.model_validate(entry) for entry in entries]
    )


@router.get("/{region}/{version}", response_model=PolicyVersionPublic, dependencies=[require_read(Read.POLICY)])
def read_policy_version(region: RefPath, version: RefPath, ledger: LedgerDep) -> PolicyVersionPublic:
    """One version's parameters (plain values) and the confidence label of each parameter path."""
    v = ledger.get_policy_version(region, version)
    return PolicyVersionPublic(
        policy_version_id=str(v.id),
        region=region,
        version=v.version_label,
        effective_from=v.effective_from,
        published_at=v.published_at,
        title=v.title,
        parameters=v.parameters,
        confidence=v.confidence,
    )
