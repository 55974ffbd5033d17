"""Policy versions: scheme parameters as data, effective-dated and publication-dated.

A version may take effect before it is published (effective_from < published_at): that is how
retroactive rules such as "5090 追溯补偿" enter the ledger. The register lists a region's versions
so the one in force on a service date can be chosen without a query.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import AlreadyExistsError


class PolicyVersion(Aggregate):
    TOPIC = "ledger:PolicyVersion"

    class Created(Aggregate.Created):
        TOPIC = "ledger:PolicyVersion.Created"

    @staticmethod
    def create_id(region: str, version: str) -> UUID:
        return ids.policy_version_id(region, version)

    @event("Published", topic="ledger:PolicyVersion.Published")
    def __init__(
        self,
        region: str,
        version: str,
        effective_from: str,
        published_at: str,
        title: str,
        parameters: dict[str, Any],
        confidence: dict[str, str],
    ) -> None:
        self.region = region
        self.version_label = version  # not `version`: that is the aggregate's integer event version
        self.effective_from = effective_from
        self.published_at = published_at
        self.title = title
        self.parameters = parameters
        self.confidence = confidence

    def record_region_run(self, known_at: str, examined: int, changed: int) -> None:
        """A whole-region recalculation for this version ran (`RecalculateForPolicy`): every patient-year it
        can affect was re-settled as known at `known_at`, changed or not (the late-fact trace of the run)."""
        self._region_recalculated(
            region=self.region, version=self.version_label, known_at=known_at, examined=examined, changed=changed
        )

    @event("RegionRecalculated", topic="ledger:PolicyVersion.RegionRecalculated")
    def _region_recalculated(self, region: str, version: str, known_at: str, examined: int, changed: int) -> None:
        pass


class PolicyRegister(Aggregate):
    """The list of a region's policy versions, in publication order."""

    TOPIC = "ledger:PolicyRegister"

    class Created(Aggregate.Created):
        TOPIC = "ledger:PolicyRegister.Created"

    @staticmethod
    def create_id(region: str) -> UUID:
        return ids.policy_register_id(region)

    @event("Opened", topic="ledger:PolicyRegister.Opened")
    def __init__(self, region: str) -> None:
        self.region = region
        self.entries: list[dict[str, str]] = []

    def list_version(self, version: str, policy_version_id: str, effective_from: str, published_at: str) -> None:
        if any(entry["version"] == version for entry in self.entries):
            raise AlreadyExistsError(f"policy version {version} is already published for region {self.region}")
        self._version_listed(
            version=version,
            policy_version_id=policy_version_id,
            effective_from=effective_from,
            published_at=published_at,
        )

    @event("VersionListed", topic="ledger:PolicyRegister.VersionListed")
    def _version_listed(self, version: str, policy_version_id: str, effective_from: str, published_at: str) -> None:
        self.entries.append(
            {
                "version": version,
                "policy_version_id": policy_version_id,
                "effective_from": effective_from,
                "published_at": published_at,
            }
        )
