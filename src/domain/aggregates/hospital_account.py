"""HospitalAccount: a hospital's reconciliation with the funds whose shares it advances.

Advances come from settlements (the hospital pays every payer's share at the one-stop window);
this aggregate records what flows back and forth afterwards: fund reimbursements, audit
deductions and their reversals.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.money import ZERO


def hospital_account_id(hospital_code: str) -> UUID:
    return uuid5(ids.NAMESPACE, f"hospital/{hospital_code}")


class HospitalAccount(Aggregate):
    TOPIC = "ledger:HospitalAccount"

    class Created(Aggregate.Created):
        TOPIC = "ledger:HospitalAccount.Created"

    @staticmethod
    def create_id(hospital_code: str) -> UUID:
        return hospital_account_id(hospital_code)

    @event("Opened", topic="ledger:HospitalAccount.Opened")
    def __init__(self, hospital_code: str) -> None:
        self.hospital_code = hospital_code
        self.reimbursed: dict[str, Decimal] = {}
        self.deducted: dict[str, Decimal] = {}

    def receive_reimbursement(
        self, fund: str, amount: Decimal, received_on: str, reference: str, advanced: Decimal | None = None
    ) -> None:
        """`advanced`: what the hospital has advanced for `fund` so far (None: not checked); a fund never
        pays back more than it owes (advanced less reimbursed less deducted)."""
        if amount <= ZERO:
            raise ValidationError("reimbursement amount must be positive")
        if advanced is not None:
            reimbursed, deducted = self.reimbursed.get(fund, ZERO), self.deducted.get(fund, ZERO)
            advanced -= self.reversed_advances.get(fund, ZERO)  # settlements reversed (反结算) were not advanced
            owed = advanced - reimbursed - deducted
            if amount > owed:
                raise ValidationError(
                    f"amount: {amount} exceeds what {fund} owes hospital {self.hospital_code} "
                    f"({owed} = advanced {advanced} - reimbursed {reimbursed} - deducted {deducted})"
                )
        self._reimbursement_received(fund=fund, amount=amount, received_on=received_on, reference=reference)

    @property
    def reversed_advances(self) -> dict[str, Decimal]:
        """fund -> the advances of reversed settlements (反结算); older snapshots have none."""
        found: dict[str, Decimal] = self.__dict__.setdefault("reversed", {})
        return found

    def reverse_advance(
        self, settlement_id: str, amounts: dict[str, Decimal], advanced: dict[str, Decimal], *, checked: bool
    ) -> None:
        """A settlement's advance is undone. `checked` (a hospital reversing its own settlement): only while the
        fund has not reimbursed it, i.e. what is left advanced still covers what was reimbursed and deducted."""
        if checked:
            for fund, amount in sorted(amounts.items()):
                left = advanced.get(fund, ZERO) - self.reversed_advances.get(fund, ZERO) - amount
                covered = self.reimbursed.get(fund, ZERO) + self.deducted.get(fund, ZERO)
                if amount > ZERO and left < covered:
                    raise StateConflictError(
                        f"{settlement_id}: {fund} has reimbursed its advance already ({covered} reimbursed and "
                        f"deducted, {left} would be left advanced); an admin or auditor reverses it"
                    )
        self._advance_reversed(settlement_id=settlement_id, amounts=dict(sorted(amounts.items())))

    @event("AdvanceReversed", topic="ledger:HospitalAccount.AdvanceReversed")
    def _advance_reversed(self, settlement_id: str, amounts: dict[str, Decimal]) -> None:
        for fund, amount in amounts.items():
            self.reversed_advances[fund] = self.reversed_advances.get(fund, ZERO) + Decimal(amount)

    def deduct_advance(self, finding_ref: str, fund: str, amount: Decimal, reason: str) -> None:
        self._advance_deducted(finding_ref=finding_ref, fund=fund, amount=amount, reason=reason)

    def reverse_deduction(self, finding_ref: str, fund: str, amount: Decimal, reason: str) -> None:
        self._deduction_reversed(finding_ref=finding_ref, fund=fund, amount=amount, reason=reason)

    @event("ReimbursementReceived", topic="ledger:HospitalAccount.ReimbursementReceived")
    def _reimbursement_received(self, fund: str, amount: Decimal, received_on: str, reference: str) -> None:
        self.reimbursed[fund] = self.reimbursed.get(fund, ZERO) + amount

    @event("AdvanceDeducted", topic="ledger:HospitalAccount.AdvanceDeducted")
    def _advance_deducted(self, finding_ref: str, fund: str, amount: Decimal, reason: str) -> None:
        self.deducted[fund] = self.deducted.get(fund, ZERO) + amount

    @event("DeductionReversed", topic="ledger:HospitalAccount.DeductionReversed")
    def _deduction_reversed(self, finding_ref: str, fund: str, amount: Decimal, reason: str) -> None:
        self.deducted[fund] = self.deducted.get(fund, ZERO) - amount
