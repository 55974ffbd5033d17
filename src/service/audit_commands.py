"""Use cases of hospital-fund reconciliation: audit findings, refunds, appeals, reimbursements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.audit_finding import AuditFinding, audit_finding_id
from domain.aggregates.hospital_account import HospitalAccount, hospital_account_id
from domain.errors import AlreadyExistsError, NotFoundError, StateConflictError, ValidationError
from domain.rules.audit_deduction import DisallowedLine, compute_deduction
from domain.rules.settlement import Settlement
from domain.vocabulary import AuditReason, Payer
from service.idempotency import execute
from service.inputs import as_amount, as_enum


class AuditCommands:
    """Mixed into BenefitLedger."""

    repository: Any

    def record_audit_finding(
        self,
        *,
        command_id: str,
        finding_ref: str,
        admission_ref: str,
        line_nos: list[str],
        reason: str,
        found_on: date,
        fund: str = "ncms",
        auditor: str = "",
    ) -> dict:
        """An auditor disallows charge lines of a settled admission.

        The payers' share of the lines is deducted from the hospital's advance from `fund`; what the
        patient paid for them becomes a refund due from the hospital. The settlement is unchanged.
        """
        reason_value = as_enum(AuditReason, reason, "reason").value
        fund_value = as_enum(Payer, fund, "fund").value
        if not line_nos or len(set(line_nos)) != len(line_nos):
            raise ValidationError("line_nos: name one or more distinct charge lines")
        payload = {
            "finding_ref": finding_ref,
            "admission_ref": admission_ref,
            "line_nos": line_nos,
            "reason": reason_value,
            "found_on": found_on,
            "fund": fund_value,
            "auditor": auditor,
        }

        def build() -> tuple[list[Any], dict]:
            if audit_finding_id(finding_ref) in self.repository:
                raise AlreadyExistsError(f"audit finding {finding_ref} is already recorded")
            admission = self.get_admission(admission_ref)  # type: ignore[attr-defined]
            if not admission.is_settled:
                raise StateConflictError(f"{admission_ref} is not settled; audit findings apply to settlements")
            lines = []
            for line_no in line_nos:
                line = admission.lines.get(line_no)
                if line is None or line["reversed"]:
                    raise StateConflictError(f"{admission_ref} has no active charge line {line_no}")
                lines.append(DisallowedLine(line_no, line["category"], Decimal(line["amount"]), line["compliant"]))
            settlement_id = admission.settlements[-1]
            record, year, policy = self._settled_record(admission.benefit_year_ids[-1], settlement_id)
            settlement = Settlement.from_dict(record["settlement"])
            deduction = compute_deduction(lines, settlement, hold_harmless=policy.audit.patient_hold_harmless)
            finding = AuditFinding(
                finding_ref=finding_ref,
                admission_ref=admission_ref,
                settlement_id=settlement_id,
                patient_ref=admission.patient_ref,
                year=year,
                hospital_code=admission.hospital["code"],
                reason=reason_value,
                fund=fund_value,
                found_on=found_on.isoformat(),
                auditor=auditor,
                deduction=deduction.to_dict(),
            )
            account = self._hospital_account(admission.hospital["code"])
            account.deduct_advance(finding_ref, fund_value, deduction.fund_recovery, reason_value)
            return [finding, account], {
                "finding_ref": finding_ref,
                "settlement_id": settlement_id,
                "hospital_code": admission.hospital["code"],
                "fund": fund_value,
                **deduction.to_dict(),
            }

        return execute(self, command_id, "record_audit_finding", payload, build)  # type: ignore[arg-type]

    def pay_patient_refund(
        self, *, command_id: str, finding_ref: str, amount: Decimal, paid_on: date, reference: str = ""
    ) -> dict:
        amount = as_amount(amount, "amount")

        def build() -> tuple[list[Any], dict]:
            finding = self._finding(finding_ref)
            finding.pay_patient_refund(amount, paid_on.isoformat(), reference)
            return [finding], {"finding_ref": finding_ref, "refund_outstanding": finding.refund_outstanding}

        return execute(
            self,
            command_id,
            "pay_patient_refund",  # type: ignore[arg-type]
            {"finding_ref": finding_ref, "amount": amount, "paid_on": paid_on, "reference": reference},
            build,
        )

    def withdraw_audit_finding(self, *, command_id: str, finding_ref: str, reason: str, withdrawn_on: date) -> dict:
        """Appeal upheld: the finding is withdrawn and its deduction reversed by new events."""

        def build() -> tuple[list[Any], dict]:
            finding = self._finding(finding_ref)
            finding.withdraw(reason, withdrawn_on.isoformat())
            account = self._hospital_account(finding.hospital_code)
            account.reverse_deduction(finding_ref, finding.fund, Decimal(finding.deduction["fund_recovery"]), reason)
            return [finding, account], {"finding_ref": finding_ref, "withdrawn": True}

        return execute(
            self,
            command_id,
            "withdraw_audit_finding",  # type: ignore[arg-type]
            {"finding_ref": finding_ref, "reason": reason, "withdrawn_on": withdrawn_on},
            build,
        )

    def record_fund_reimbursement(
        self, *, command_id: str, hospital_code: str, fund: str, amount: Decimal, received_on: date, reference: str = ""
    ) -> dict:
        """A fund pays a hospital back for shares it advanced (垫付款拨付)."""
        fund_value = as_enum(Payer, fund, "fund").value
        amount = as_amount(amount, "amount")
        source = getattr(self, "advance_source", None)  # advances only grow: an earlier reading is conservative
        advanced = source(hospital_code, fund_value) if source is not None else None

        def build() -> tuple[list[Any], dict]:
            account = self._hospital_account(hospital_code)
            account.receive_reimbursement(fund_value, amount, received_on.isoformat(), reference, advanced)
            return [account], {"hospital_code": hospital_code, "fund": fund_value, "amount": amount}

        return execute(
            self,
            command_id,
            "record_fund_reimbursement",  # type: ignore[arg-type]
            {
                "hospital_code": hospital_code,
                "fund": fund_value,
                "amount": amount,
                "received_on": received_on,
                "reference": reference,
            },
            build,
        )

    def get_audit_finding(self, finding_ref: str) -> AuditFinding:
        return self._finding(finding_ref)

    def _finding(self, finding_ref: str) -> AuditFinding:
        try:
            return self.repository.get(audit_finding_id(finding_ref))
        except AggregateNotFoundError:
            raise NotFoundError(f"no audit finding {finding_ref}") from None

    def _hospital_account(self, hospital_code: str) -> HospitalAccount:
        try:
            return self.repository.get(hospital_account_id(hospital_code))
        except AggregateNotFoundError:
            return HospitalAccount(hospital_code=hospital_code)

    def _settled_record(self, benefit_year_id: str, settlement_id: str) -> tuple[dict, int, Any]:
        """The benefit-year record of a settlement, its year, and the parameters it was settled under."""
        account = self.repository.get(UUID(benefit_year_id))
        history = self.get_benefit_year(account.patient_ref, account.year)  # type: ignore[attr-defined]
        record = history.record_of(settlement_id)
        version_id = ids.policy_version_id(account.county_code, record["settlement"]["policy_version"])
        return record, account.year, self.policy_parameters(version_id)  # type: ignore[attr-defined]
