"""Which policy version is in force for a service date, as known at a given moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from domain.errors import StateConflictError


def version_in_force(entries: Sequence[dict[str, Any]], service_date: date, known_at: datetime) -> dict[str, Any]:
    """The register entry in force on `service_date` among versions published by `known_at`.

    Among versions whose effective_from is on or before the service date, the one with the
    latest effective_from wins; a later publication with the same effective_from supersedes an
    earlier one (that is how a retroactive revision replaces a version).
    """
    best: tuple[str, datetime, int] | None = None
    chosen: dict[str, Any] | None = None
    for index, entry in enumerate(entries):
        published_at = datetime.fromisoformat(entry["published_at"])
        if published_at > known_at or entry["effective_from"] > service_date.isoformat():
            continue
        key = (entry["effective_from"], published_at, index)
        if best is None or key > best:
            best, chosen = key, entry
    if chosen is None:
        raise StateConflictError(f"no policy version in force on {service_date} as known at {known_at.isoformat()}")
    return chosen
