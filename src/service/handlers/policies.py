"""Handler of policy publication: the region's register lists the version, the version holds its parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.policy_version import PolicyRegister, PolicyVersion
from service.commands.policies import PublishPolicyVersion
from service.handlers import handles
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(PublishPolicyVersion)
def publish_policy_version(ledger: BenefitLedger, cmd: PublishPolicyVersion) -> Outcome:
    """Publish a policy version. It may take effect before it is published (retroactive).

    Its `published_at` is the server's time of publication (`ledger.clock`); a `published_at` the client
    sends (a policy file's meta) is ignored, so no one can publish a version "in the past" and have
    settlements already recorded appear to have known it.
    """
    document = cmd.document
    published_at = ledger.clock.now().isoformat()
    register: PolicyRegister
    try:
        register = ledger.repository.get(ids.policy_register_id(document.region))
    except AggregateNotFoundError:
        register = PolicyRegister(region=document.region)
    version = PolicyVersion(
        region=document.region,
        version=document.version,
        effective_from=document.effective_from.isoformat(),
        published_at=published_at,
        title=document.title,
        parameters=document.parameters,
        confidence=document.confidence,
    )
    register.list_version(
        document.version,
        str(version.id),
        document.effective_from.isoformat(),
        published_at,
    )
    return Outcome(
        [register, version],
        {
            "policy_version_id": str(version.id),
            "region": document.region,
            "version": document.version,
            "published_at": published_at,
        },
    )
