"""Use cases of retroactive recalculation ("5090 追溯补偿") and compensation payments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.aggregates.benefit_year import BenefitYear
from domain.policy.selection import version_in_force
from domain.rules.recalculation import recalculate_year
from service.idempotency import execute
from service.inputs import as_amount
from service.unit_of_work import commit, direct, unit_of_work

PAGE_SIZE = 200  # patient-years per transaction of a whole-region recalculation
CHANGED_LISTED_MAX = 1000


class RecalculationCommands:
    """Mixed into BenefitLedger."""

    repository: Any
    recorder: Any

    def recalculate_benefit_year(
        self, *, command_id: str, patient_ref: str, year: int, known_at: datetime | None = None, reason: str = ""
    ) -> dict:
        """Re-settle a patient-year under the versions in force as known at `known_at` (default now).

        Records a RecalculationRecorded event only if some settlement changes; the result lists,
        per settlement, each payer's delta and the compensation owed to the patient.
        """
        return self._recalculate_year(command_id, patient_ref, year, known_at, reason)

    def _recalculate_year(
        self,
        command_id: str,
        patient_ref: str,
        year: int,
        known_at: datetime | None,
        reason: str,
        entries: list[dict[str, str]] | None = None,
        history: Any | None = None,
    ) -> dict:
        """`entries`: the region's policy register, read once by a whole-region run; `history`: the year
        already folded by the caller (used if the account has not moved on since)."""
        requested = known_at  # the fingerprint holds what the client sent, so a plain retry is a replay
        known_at = known_at or datetime.now(UTC)

        def build() -> tuple[list[Any], dict]:
            account: BenefitYear = self.benefit_year_account(patient_ref, year)  # type: ignore[attr-defined]
            folded = (
                history
                if history is not None and history.version == account.version
                else self.get_benefit_year(patient_ref, year, version=account.version)
            )  # type: ignore[attr-defined]
            register = entries if entries is not None else self.policy_register(account.county_code)  # type: ignore[attr-defined]
            policies = []
            for record in folded.settlements:
                entry = version_in_force(register, date.fromisoformat(record["claim"]["service_date"]), known_at)
                policies.append(
                    (
                        self.policy_parameters(UUID(entry["policy_version_id"])),  # type: ignore[attr-defined]
                        entry["version"],
                    )
                )
            items, state_after = recalculate_year(folded.settlements, policies)
            recorded = account.record_recalculation(items, state_after, reason, known_at.isoformat())
            summary = [{k: v for k, v in item.items() if k != "settlement"} for item in items]
            return ([account] if recorded else []), {
                "patient_ref": patient_ref,
                "year": year,
                "changed": recorded,
                "items": summary,
            }

        return execute(
            self,
            command_id,
            "recalculate_benefit_year",  # type: ignore[arg-type]
            {"patient_ref": patient_ref, "year": year, "known_at": requested, "reason": reason},
            build,
        )

    def recalculate_for_policy(
        self, *, command_id: str, region: str, version: str, known_at: datetime | None = None
    ) -> dict:
        """After publishing a version, recalculate every patient-year of the region it can affect.

        Idempotent as a whole (a retry returns the first result) and patient-year by patient-year
        (each is its own command `<command_id>:<patient>:<year>`), so a retry after a partial
        failure finishes the rest without redoing what was done. Patient-years are saved a page at a
        time (one transaction per `PAGE_SIZE`); a page that collides with a concurrent settlement is
        redone patient-year by patient-year. The result counts every change and totals the compensation
        owed; it lists at most `CHANGED_LISTED_MAX` of them (the retro_compensation read model has all).
        """
        published = self.get_policy_version(region, version)  # type: ignore[attr-defined]
        effective_from = date.fromisoformat(published.effective_from)
        entries = self.policy_register(region)  # type: ignore[attr-defined]
        reason = f"policy {region}/{version} published"

        def build() -> tuple[list[Any], dict]:
            changed: list[dict[str, Any]] = []
            examined = changed_count = 0
            owed_total = Decimal("0.00")
            for page in self._affected_years(region, effective_from):
                for (patient_ref, year, _), result in zip(
                    page, self._recalculate_page(command_id, page, known_at, reason, entries), strict=True
                ):
                    examined += 1
                    if not result["changed"]:
                        continue
                    owed = sum((Decimal(i["compensation_owed"]) for i in result["items"]), Decimal("0.00"))
                    changed_count += 1
                    owed_total += owed
                    if len(changed) < CHANGED_LISTED_MAX:
                        changed.append({"patient_ref": patient_ref, "year": year, "compensation_owed": owed})
            return [], {
                "region": region,
                "version": version,
                "examined": examined,
                "changed_count": changed_count,
                "compensation_owed": owed_total,
                "changed": changed,
            }

        return execute(
            self,
            command_id,
            "recalculate_for_policy",  # type: ignore[arg-type]
            {"region": region, "version": version, "known_at": known_at},
            build,
        )

    def _recalculate_page(
        self,
        command_id: str,
        page: list[tuple[str, int, Any]],
        known_at: datetime | None,
        reason: str,
        entries: list[dict[str, str]],
    ) -> list[dict]:
        """The page's patient-years in one transaction; on a collision, each on its own (with retries)."""

        def run(patient_ref: str, year: int, history: Any) -> dict:
            return self._recalculate_year(
                f"{command_id}:{patient_ref}:{year}",
                patient_ref,
                year,
                known_at,
                reason,
                entries=entries,
                history=history,
            )

        with unit_of_work() as unit:
            results = [run(patient_ref, year, history) for patient_ref, year, history in page]
            try:
                commit(self, unit)
                return results
            except IntegrityError:
                pass
        with direct():
            return [run(patient_ref, year, None) for patient_ref, year, _ in page]

    def _affected_years(self, region: str, effective_from: date) -> Iterator[list[tuple[str, int, Any]]]:
        """Pages of (patient_ref, year, folded history) of the region's years with a settlement on or after
        `effective_from`, found from the BenefitYear.Opened events (no aggregate is loaded to find them)."""
        page: list[tuple[str, int, Any]] = []
        for opened in self._benefit_year_openings():
            if opened.county_code != region or opened.year < effective_from.year:
                continue
            history = self.get_benefit_year(opened.patient_ref, opened.year)  # type: ignore[attr-defined]
            if not any(r["claim"]["service_date"] >= effective_from.isoformat() for r in history.settlements):
                continue
            page.append((opened.patient_ref, opened.year, history))
            if len(page) == PAGE_SIZE:
                yield page
                page = []
        if page:
            yield page

    def _benefit_year_openings(self) -> Iterator[Any]:
        for notification in self._opened_notifications():
            yield self.mapper.to_domain_event(notification)  # type: ignore[attr-defined]

    def pay_retroactive_compensation(
        self,
        *,
        command_id: str,
        patient_ref: str,
        year: int,
        settlement_id: str,
        amount: Decimal,
        paid_on: date,
        reference: str = "",
    ) -> dict:
        """追溯补偿金 paid directly to the patient; closes (part of) what a recalculation made owed."""
        amount = as_amount(amount, "amount")

        def build() -> tuple[list[Any], dict]:
            account: BenefitYear = self.benefit_year_account(patient_ref, year)  # type: ignore[attr-defined]
            account.pay_retroactive_compensation(settlement_id, amount, paid_on.isoformat(), reference)
            return [account], {
                "settlement_id": settlement_id,
                "outstanding": account.compensation_outstanding(settlement_id),
            }

        return execute(
            self,
            command_id,
            "pay_retroactive_compensation",  # type: ignore[arg-type]
            {
                "patient_ref": patient_ref,
                "year": year,
                "settlement_id": settlement_id,
                "amount": amount,
                "paid_on": paid_on,
                "reference": reference,
            },
            build,
        )

    def iter_benefit_years(self) -> Iterator[BenefitYear]:
        """Every patient-year account, found by paging the log for BenefitYear.Opened events."""
        for notification in self._opened_notifications():
            yield self.repository.get(notification.originator_id)

    def _opened_notifications(self) -> Iterator[Any]:
        """The log's BenefitYear.Opened notifications, a page at a time."""
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=PAGE_SIZE, topics=["ledger:BenefitYear.Opened"]
            )
            yield from page
            if len(page) < PAGE_SIZE:
                return
            start = page[-1].id + 1
