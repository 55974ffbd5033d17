"""Handler of catalogue publication: the region's catalogue register records the whole version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.catalogue_register import CatalogueRegister
from domain.errors import AlreadyExistsError
from service.commands.catalogue import PublishCatalogueVersion
from service.handlers import handles
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(PublishCatalogueVersion)
def publish_catalogue_version(ledger: BenefitLedger, cmd: PublishCatalogueVersion) -> Outcome:
    """Publish a catalogue version; `published_at` is the server's clock (as for policy versions).

    The same version again under another command id: nothing new when its content is the same, a 409 when it
    differs (a correction is a new version).
    """
    tree = cmd.tree()
    register: CatalogueRegister
    try:
        register = ledger.repository.get(ids.catalogue_register_id(cmd.region))
    except AggregateNotFoundError:
        register = CatalogueRegister(region=cmd.region)
    listed = register.entry(cmd.version)
    if listed is not None and listed["tree"] != tree:
        raise AlreadyExistsError(
            f"catalogue version {cmd.version} of {cmd.region} is already published with other content"
        )
    result = {"region": cmd.region, "version": cmd.version, "effective_from": cmd.effective_from.isoformat()}
    if listed is not None:
        return Outcome([], {**result, "published_at": listed["published_at"]})
    published_at = ledger.clock.now().isoformat()
    register.publish(tree, published_at)
    return Outcome([register], {**result, "published_at": published_at})
