"""Use cases of retroactive recalculation ("5090 追溯补偿") and compensation payments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from domain.aggregates.benefit_year import BenefitYear
from domain.rules.claim import ClaimFacts
from domain.rules.recalculation import recalculate_year
from service.idempotency import execute
from service.inputs import as_amount

PAGE_SIZE = 500


class RecalculationCommands:
    """Mixed into BenefitLedger."""

    repository: Any
    recorder: Any

    def recalculate_benefit_year(self, *, command_id: str, patient_ref: str, year: int,
                                 known_at: datetime | None = None, reason: str = "") -> dict:
        """Re-settle a patient-year under the versions in force as known at `known_at` (default now).

        Records a RecalculationRecorded event only if some settlement changes; the result lists,
        per settlement, each payer's delta and the compensation owed to the patient.
        """
        requested = known_at  # the fingerprint holds what the client sent, so a plain retry is a replay
        known_at = known_at or datetime.now(timezone.utc)

        def build() -> tuple[list[Any], dict]:
            account: BenefitYear = self.benefit_year_account(patient_ref, year)  # type: ignore[attr-defined]
            history = self.get_benefit_year(patient_ref, year, version=account.version)  # type: ignore[attr-defined]
            policies = []
            for record in history.settlements:
                claim = ClaimFacts.from_dict(record["claim"])
                entry, params = self.policy_in_force(account.county_code,  # type: ignore[attr-defined]
                                                     claim.service_date, known_at)
                policies.append((params, entry["version"]))
            items, state_after = recalculate_year(history.settlements, policies)
            recorded = account.record_recalculation(items, state_after, reason, known_at.isoformat())
            summary = [{k: v for k, v in item.items() if k != "settlement"} for item in items]
            return ([account] if recorded else []), {"patient_ref": patient_ref, "year": year,
                                                     "changed": recorded, "items": summary}

        return execute(self, command_id, "recalculate_benefit_year",  # type: ignore[arg-type]
                       {"patient_ref": patient_ref, "year": year, "known_at": requested, "reason": reason}, build)

    def recalculate_for_policy(self, *, command_id: str, region: str, version: str,
                               known_at: datetime | None = None) -> dict:
        """After publishing a version, recalculate every patient-year of the region it can affect.

        Idempotent as a whole (a retry returns the first result) and patient-year by patient-year
        (each is its own command `<command_id>:<patient>:<year>`), so a retry after a partial
        failure finishes the rest without redoing what was done.
        """
        published = self.get_policy_version(region, version)  # type: ignore[attr-defined]
        effective_from = date.fromisoformat(published.effective_from)

        def build() -> tuple[list[Any], dict]:
            changed, examined = [], 0
            for account in self.iter_benefit_years():
                if account.county_code != region or account.year < effective_from.year:
                    continue
                history = self.get_benefit_year(account.patient_ref, account.year)  # type: ignore[attr-defined]
                if not any(r["claim"]["service_date"] >= published.effective_from for r in history.settlements):
                    continue
                examined += 1
                result = self.recalculate_benefit_year(
                    command_id=f"{command_id}:{account.patient_ref}:{account.year}",
                    patient_ref=account.patient_ref, year=account.year, known_at=known_at,
                    reason=f"policy {region}/{version} published")
                if result["changed"]:
                    owed = sum((Decimal(i["compensation_owed"]) for i in result["items"]), Decimal("0.00"))
                    changed.append({"patient_ref": account.patient_ref, "year": account.year,
                                    "compensation_owed": owed})
            return [], {"region": region, "version": version, "examined": examined, "changed": changed}

        return execute(self, command_id, "recalculate_for_policy",  # type: ignore[arg-type]
                       {"region": region, "version": version, "known_at": known_at}, build)

    def pay_retroactive_compensation(self, *, command_id: str, patient_ref: str, year: int, settlement_id: str,
                                     amount: Decimal, paid_on: date, reference: str = "") -> dict:
        """追溯补偿金 paid directly to the patient; closes (part of) what a recalculation made owed."""
        amount = as_amount(amount, "amount")
        def build() -> tuple[list[Any], dict]:
            account: BenefitYear = self.benefit_year_account(patient_ref, year)  # type: ignore[attr-defined]
            account.pay_retroactive_compensation(settlement_id, amount, paid_on.isoformat(), reference)
            return [account], {"settlement_id": settlement_id,
                               "outstanding": account.compensation_outstanding(settlement_id)}

        return execute(self, command_id, "pay_retroactive_compensation",  # type: ignore[arg-type]
                       {"patient_ref": patient_ref, "year": year, "settlement_id": settlement_id, "amount": amount,
                        "paid_on": paid_on, "reference": reference}, build)

    def iter_benefit_years(self) -> Iterator[BenefitYear]:
        """Every patient-year account, found by paging the log for BenefitYear.Opened events."""
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=PAGE_SIZE,
                                                      topics=["ledger:BenefitYear.Opened"])
            for notification in page:
                yield self.repository.get(notification.originator_id)
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1
