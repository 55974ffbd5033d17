"""The catalogue a recalculation re-classifies an admission's charge lines by, chosen the same way when the
recalculation runs and when an auditor (`verify`) re-derives it.

A line is classified for the admission day, as posting does (service.handlers.admissions): the version in
force that day among those published by the recalculation's `known_at` (the shipped file while none is). When
no version is in force that day (the region's first published version starts later), the lines keep the
classification they were posted with. The rules themselves are pure (domain.registry.reclassification).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain.aggregates.admission import Admission
from domain.errors import StateConflictError
from domain.registry.catalogue import Catalogue
from domain.registry.reclassification import reclassify_lines

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def line_day(admission: Admission) -> date:
    """The day an admission's lines are classified for: the admission day."""
    return date.fromisoformat(admission.admitted_on)


def has_classified_lines(admission: Admission) -> bool:
    return any(not line.get("legacy", True) and not line["reversed"] for line in admission.lines.values())


def catalogue_for_lines(
    ledger: BenefitLedger, region: str, admission: Admission, known_at: datetime
) -> Catalogue | None:
    """The version in force on the admission day as known at `known_at`; None when none is in force."""
    try:
        return ledger.catalogue_in_force(region, line_day(admission), known_at)
    except StateConflictError:
        return None


def reclassified_lines(
    ledger: BenefitLedger, region: str, admission: Admission, known_at: datetime
) -> dict[str, dict[str, Any]]:
    """line_no -> classification of each active catalogue-classified line, re-classified as known at `known_at`
    ({} for an admission of legacy lines only)."""
    if not has_classified_lines(admission):
        return {}
    return reclassify_lines(admission.lines, catalogue_for_lines(ledger, region, admission, known_at))
