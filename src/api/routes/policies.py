"""Policy versions: scheme parameters as effective-dated data, with a confidence label per parameter."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import PrincipalDep, Read, authorize_command, require_read
from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public import PolicyPublishedPublic, PolicyRegisterPublic, PolicyVersionPublic, RegisterEntryPublic
from api.schemas import PolicyVersionCreate
from domain.policy.loader import parse_document
from domain.policy.parsing import PolicyError

router = APIRouter(prefix="/policy-versions", tags=["policy-versions"])


@router.post("", status_code=201, response_model=PolicyPublishedPublic)
def publish_policy_version(
    body: PolicyVersionCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Publish a policy version; it may take effect before it is published (retroactive)."""
    authorize_command(principal, ledger, "publish_policy_version", {**body.model_dump(mode="json")})
    command_id = command_id_of(body, idempotency_key)
    if "meta" in body.parameters:
        raise PolicyError("parameters.meta: put meta beside parameters, not inside them")
    try:
        document = parse_document({"meta": body.meta.model_dump(mode="json"), **body.parameters})
    except (TypeError, AttributeError) as exc:  # a section or label of the wrong shape (see report)
        raise PolicyError(f"parameters: a section or leaf has the wrong shape ({exc})") from None
    return answer(response, ledger.publish_policy_version(command_id=command_id, document=document))


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
