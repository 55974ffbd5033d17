"""Find a settlement in the ledger and build its FHIR ExplanationOfBenefit.

A settlement id is `<admission_ref>#<n>` (domain.ids.settlement_id); the admission names the
patient-year account each settlement was recorded in, and the charge lines are read at the
admission version the settlement was computed from.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.errors import NotFoundError, ValidationError
from interop.fhir_eob import Json, explanation_of_benefit


def export_settlement(ledger: Any, settlement_id: str, *, per_line: bool = True, as_settled: bool = False) -> Json:
    """The EOB of `settlement_id`, with one item per charge line (or one for the claim)."""
    admission_ref, sep, sequence = settlement_id.rpartition("#")
    if not sep or not admission_ref or not sequence.isdigit():
        raise ValidationError(f"settlement id {settlement_id!r}: expected <admission_ref>#<n>, e.g. P-1-A#1")
    admission = ledger.get_admission(admission_ref)
    if settlement_id not in admission.settlements:
        raise NotFoundError(
            f"no settlement {settlement_id} (admission {admission_ref} has "
            f"{', '.join(admission.settlements) or 'none'})"
        )
    account_id = UUID(admission.benefit_year_ids[admission.settlements.index(settlement_id)])
    history = BenefitYearHistory.fold(ledger.events.get(account_id))
    record = history.record_of(settlement_id)
    lines = None
    if per_line:
        at_settlement = ledger.repository.get(admission.id, version=record["admission_version"])
        lines = [{"line_no": line_no, **line} for line_no, line in at_settlement.lines.items() if not line["reversed"]]
    return explanation_of_benefit(
        record,
        patient_ref=history.patient_ref,
        county_code=history.county_code,
        year=history.year,
        charge_lines=lines,
        as_settled=as_settled,
    )
