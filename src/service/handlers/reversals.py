"""Handlers of settlement reversal (反结算), fraud reversal (骗保) and recovery from the patient."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import ids
from domain.aggregates.benefit_year import BenefitYear
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.errors import NotFoundError, StateConflictError
from domain.money import ZERO
from domain.rules.reversal import reverse_in_year
from domain.rules.settlement import Settlement
from service.commands.reversals import (
    RecordBenefitRecovery,
    ReverseBenefitForFraud,
    ReverseSettlement,
    ReverseSettlementByAudit,
)
from service.handlers import handles
from service.idempotency import Outcome, check_expected_version
from service.year_close import check_open

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def _reversal(
    ledger: BenefitLedger,
    account: BenefitYear,
    history: BenefitYearHistory,
    settlement_id: str,
    *,
    kind: str,
    reason: str,
    reversed_at: str,
    recoverable: Decimal = ZERO,
    finding_ref: str = "",
) -> list[dict[str, Any]]:
    """Reverse one settlement in the folded year `history` (at `account`'s version); the items re-derived."""
    active = history.active_settlements
    if settlement_id not in [r["settlement_id"] for r in active]:
        raise StateConflictError(
            f"{settlement_id} is not a standing settlement of {account.patient_ref}/{account.year}"
        )
    policies = [
        (ledger.policy_parameters(ids.policy_version_id(account.county_code, r["policy_version"])), r["policy_version"])
        for r in active
        if r["settlement_id"] != settlement_id
    ]
    items, state_after = reverse_in_year(active, settlement_id, policies)
    account.reverse_settlement(
        settlement_id,
        items,
        state_after,
        kind=kind,
        reason=reason,
        reversed_at=reversed_at,
        recoverable=recoverable,
        finding_ref=finding_ref,
    )
    for item in items:  # the folded view follows, for a second reversal in the same command
        record = history.record_of(item["settlement_id"])
        record["current"], record["compensation_owed"] = item["settlement"], item["compensation_owed"]
        if item.get("reversed"):
            record["reversed"] = {"kind": kind}
    return items


def _reverse_at_window(
    ledger: BenefitLedger,
    admission_ref: str,
    reason: str,
    moment: datetime | None,
    *,
    checked: bool,
    expected_version: int | None = None,
) -> Outcome:
    admission = ledger.get_admission(admission_ref)
    check_expected_version(admission, expected_version)
    settlement_id = admission.active_settlement
    if settlement_id is None:
        raise StateConflictError(f"{admission_ref} has no standing settlement to reverse")
    account: BenefitYear = ledger.repository.get(UUID(admission.benefit_year_ids[-1]))
    check_open(ledger, account.county_code, account.year)  # a closed county-year is not reversed at the window
    history = ledger.get_benefit_year(account.patient_ref, account.year, version=account.version)
    current = Settlement.from_dict(history.record_of(settlement_id)["current"])
    code = str(admission.hospital["code"])
    amounts = {
        layer.payer.value: layer.amount for layer in current.layers if layer.amount > ZERO and not layer.deferred
    }
    hospital = ledger.hospital_account(code)
    advanced = {fund: ledger.advances.advanced(code, fund) for fund in amounts}
    hospital.reverse_advance(settlement_id, amounts, advanced, checked=checked)
    reversed_at = (moment or datetime.now(UTC)).isoformat()
    items = _reversal(ledger, account, history, settlement_id, kind="reversal", reason=reason, reversed_at=reversed_at)
    admission.reverse_settlement(settlement_id, reason, "reversal")
    return Outcome(
        [admission, account, hospital],
        {
            "settlement_id": settlement_id,
            "patient_ref": account.patient_ref,
            "year": account.year,
            "advance_reversed": amounts,
            "items": [{k: v for k, v in item.items() if k != "settlement"} for item in items],
        },
    )


@handles(ReverseSettlement)
def reverse_settlement(ledger: BenefitLedger, cmd: ReverseSettlement) -> Outcome:
    return _reverse_at_window(
        ledger, cmd.admission_ref, cmd.reason, cmd.reversed_at, checked=True, expected_version=cmd.expected_version
    )


@handles(ReverseSettlementByAudit)
def reverse_settlement_by_audit(ledger: BenefitLedger, cmd: ReverseSettlementByAudit) -> Outcome:
    return _reverse_at_window(ledger, cmd.admission_ref, cmd.reason, cmd.reversed_at, checked=False)


@handles(ReverseBenefitForFraud)
def reverse_benefit_for_fraud(ledger: BenefitLedger, cmd: ReverseBenefitForFraud) -> Outcome:
    """The hospital keeps its advance (it treated the patient); the benefit the payers gave becomes recoverable
    from the patient, and the year is re-derived without the claims."""
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    history = ledger.get_benefit_year(cmd.patient_ref, cmd.year, version=account.version)
    saved: list[Any] = [account]
    reversed_items: list[dict[str, Any]] = []
    for settlement_id in dict.fromkeys(cmd.settlement_ids):
        try:
            record = history.record_of(settlement_id)
        except NotFoundError:
            raise NotFoundError(
                f"settlement_ids: no settlement {settlement_id} in {cmd.patient_ref}/{cmd.year}"
            ) from None
        recoverable = Settlement.from_dict(record["current"]).payer_total
        items = _reversal(
            ledger,
            account,
            history,
            settlement_id,
            kind="fraud",
            reason=cmd.reason,
            reversed_at=cmd.found_on.isoformat(),
            recoverable=recoverable,
            finding_ref=cmd.finding_ref,
        )
        admission = ledger.get_admission(record["admission_ref"])
        if admission.active_settlement == settlement_id:
            admission.reverse_settlement(settlement_id, cmd.reason, "fraud")
            saved.append(admission)
        reversed_items.append({"settlement_id": settlement_id, "recoverable": recoverable, "items": len(items)})
    return Outcome(
        saved,
        {
            "finding_ref": cmd.finding_ref,
            "patient_ref": cmd.patient_ref,
            "year": cmd.year,
            "reversed": reversed_items,
            "recoverable": sum((i["recoverable"] for i in reversed_items), ZERO),
        },
    )


@handles(RecordBenefitRecovery)
def record_benefit_recovery(ledger: BenefitLedger, cmd: RecordBenefitRecovery) -> Outcome:
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    account.recover(cmd.settlement_id, cmd.amount, cmd.recovered_on.isoformat(), cmd.reference)
    return Outcome(
        [account],
        {"settlement_id": cmd.settlement_id, "outstanding": account.recoverable_outstanding(cmd.settlement_id)},
    )
