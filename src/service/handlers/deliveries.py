"""Handler of free drug deliveries (送药上门): checked against the policy, charged to their own budget."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from domain.errors import StateConflictError, ValidationError
from domain.money import ZERO
from service.commands.deliveries import DELIVERY_FUND, RecordDrugDelivery
from service.handlers import handles
from service.handlers.payments import fund_budget
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RecordDrugDelivery)
def record_drug_delivery(ledger: BenefitLedger, cmd: RecordDrugDelivery) -> Outcome:
    if cmd.cost <= ZERO:
        raise ValidationError("cost: must be positive")
    patient = ledger.get_patient(cmd.patient_ref)
    _, policy = ledger.policy_in_force(patient.county_code, cmd.delivered_on, datetime.now(UTC))
    if cmd.disease not in policy.diseases.chronic:
        raise ValidationError(
            f"disease: {cmd.disease} is not one of the policy's chronic diseases ({', '.join(policy.diseases.chronic)})"
        )
    status = patient.status_on(cmd.delivered_on)
    if status not in policy.poor_statuses:
        raise StateConflictError(f"patient {cmd.patient_ref} is {status.value} on {cmd.delivered_on}, not poor")
    if not patient.chronic_certified_on(cmd.delivered_on):
        raise StateConflictError(
            f"patient {cmd.patient_ref} holds no chronic-disease certificate on {cmd.delivered_on}"
        )
    budget = fund_budget(ledger, DELIVERY_FUND, patient.county_code, cmd.delivered_on.year)
    budget.record_delivery(
        cmd.delivery_ref, cmd.patient_ref, cmd.disease, list(cmd.drugs), cmd.cost, cmd.delivered_on.isoformat()
    )
    return Outcome([budget], {"delivery_ref": cmd.delivery_ref, **budget.figures(), **budget.delivery_figures()})
