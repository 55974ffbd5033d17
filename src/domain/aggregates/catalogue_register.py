"""A region's published 三目录 catalogue versions: effective-dated and publication-dated, like policy versions.

Each `VersionPublished` event holds a whole version (its TOML-shaped tree: meta and items), so the
version in force on a day, as known at a moment, is chosen from this one aggregate without a query.
Until a region has a published version the ledger classifies by the shipped file (service.ledger).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import AlreadyExistsError


class CatalogueRegister(Aggregate):
    TOPIC = "ledger:CatalogueRegister"

    class Created(Aggregate.Created):
        TOPIC = "ledger:CatalogueRegister.Created"

    @staticmethod
    def create_id(region: str) -> UUID:
        return ids.catalogue_register_id(region)

    @event("Opened", topic="ledger:CatalogueRegister.Opened")
    def __init__(self, region: str) -> None:
        self.region = region
        self.entries: list[dict[str, Any]] = []

    def publish(self, tree: dict[str, Any], published_at: str) -> None:
        meta = tree["meta"]
        if any(entry["version"] == meta["version"] for entry in self.entries):
            raise AlreadyExistsError(f"catalogue version {meta['version']} is already published for {self.region}")
        self._version_published(
            version=str(meta["version"]),
            effective_from=str(meta["effective_from"]),
            published_at=published_at,
            tree=tree,
        )

    @event("VersionPublished", topic="ledger:CatalogueRegister.VersionPublished")
    def _version_published(self, version: str, effective_from: str, published_at: str, tree: dict[str, Any]) -> None:
        self.entries.append(
            {"version": version, "effective_from": effective_from, "published_at": published_at, "tree": tree}
        )

    def entry(self, version: str) -> dict[str, Any] | None:
        return next((e for e in self.entries if e["version"] == version), None)

    def in_force(self, day: date, known_at: datetime) -> dict[str, Any] | None:
        """Among versions published by `known_at`, the latest effective on `day` (a later publication with the
        same effective_from wins); None when none is."""
        best: tuple[str, datetime, int] | None = None
        chosen: dict[str, Any] | None = None
        for index, entry in enumerate(self.entries):
            published_at = datetime.fromisoformat(entry["published_at"])
            if published_at > known_at or entry["effective_from"] > day.isoformat():
                continue
            key = (entry["effective_from"], published_at, index)
            if best is None or key > best:
                best, chosen = key, entry
        return chosen

    def published_by(self, known_at: datetime) -> bool:
        return any(datetime.fromisoformat(e["published_at"]) <= known_at for e in self.entries)
