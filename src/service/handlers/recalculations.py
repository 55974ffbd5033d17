"""Handlers of retroactive recalculation ("5090 追溯补偿") and compensation payments.

`recalculate_for_policy` is the region engine: after a (retroactive) version is published it re-settles
every patient-year of the region the version can affect, each as its own `RecalculateBenefitYear` command
`<command_id>:<patient_ref>:<year>`, a page of `PAGE_SIZE` patient-years per transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.policy.selection import version_in_force
from domain.rules.recalculation import recalculate_year
from service.commands.recalculations import PayRetroactiveCompensation, RecalculateBenefitYear, RecalculateForPolicy
from service.handlers import handles
from service.idempotency import Outcome, execute
from service.unit_of_work import commit, direct, unit_of_work

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

PAGE_SIZE = 200  # patient-years per transaction of a whole-region recalculation
CHANGED_LISTED_MAX = 1000


@handles(RecalculateBenefitYear)
def recalculate_benefit_year(ledger: BenefitLedger, cmd: RecalculateBenefitYear) -> Outcome:
    """Re-settle a patient-year under the versions in force as known at `known_at` (default now).

    Records a RecalculationRecorded event only if some settlement changes; the result lists,
    per settlement, each payer's delta and the compensation owed to the patient.
    """
    return _recalculated(ledger, cmd)


def _recalculated(
    ledger: BenefitLedger,
    cmd: RecalculateBenefitYear,
    entries: list[dict[str, str]] | None = None,
    history: BenefitYearHistory | None = None,
) -> Outcome:
    """`entries`: the region's policy register, read once by a whole-region run; `history`: the year
    already folded by the caller (used if the account has not moved on since)."""
    known_at = cmd.known_at or ledger.clock.now()
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    folded = (
        history
        if history is not None and history.version == account.version
        else ledger.get_benefit_year(cmd.patient_ref, cmd.year, version=account.version)
    )
    register = entries if entries is not None else ledger.policy_register(account.county_code)
    policies = []
    active = folded.active_settlements  # a reversed settlement (反结算, 骗保) no longer counts
    for record in active:
        entry = version_in_force(register, date.fromisoformat(record["claim"]["service_date"]), known_at)
        policies.append((ledger.policy_parameters(UUID(entry["policy_version_id"])), entry["version"]))
    items, state_after = recalculate_year(active, policies)
    recorded = account.record_recalculation(items, state_after, cmd.reason, known_at.isoformat())
    summary = [{k: v for k, v in item.items() if k != "settlement"} for item in items]
    return Outcome(
        [account] if recorded else [],
        {"patient_ref": cmd.patient_ref, "year": cmd.year, "changed": recorded, "items": summary},
    )


@handles(RecalculateForPolicy)
def recalculate_for_policy(ledger: BenefitLedger, cmd: RecalculateForPolicy) -> Outcome:
    """After publishing a version, recalculate every patient-year of the region it can affect.

    Idempotent as a whole (a retry returns the first result) and patient-year by patient-year
    (each is its own command `<command_id>:<patient>:<year>`), so a retry after a partial
    failure finishes the rest without redoing what was done. Patient-years are saved a page at a
    time (one transaction per `PAGE_SIZE`); a page that collides with a concurrent settlement is
    redone patient-year by patient-year. The result counts every change and totals the compensation
    owed; it lists at most `CHANGED_LISTED_MAX` of them (the retro_compensation read model has all).
    """
    published = ledger.get_policy_version(cmd.region, cmd.version)
    effective_from = date.fromisoformat(published.effective_from)
    entries = ledger.policy_register(cmd.region)
    reason = f"policy {cmd.region}/{cmd.version} published"
    changed: list[dict[str, Any]] = []
    examined = changed_count = 0
    owed_total = Decimal("0.00")
    for page in _affected_years(ledger, cmd.region, effective_from):
        results = _recalculate_page(ledger, cmd, page, reason, entries)
        for (patient_ref, year, _), result in zip(page, results, strict=True):
            examined += 1
            if not result["changed"]:
                continue
            owed = sum((Decimal(i["compensation_owed"]) for i in result["items"]), Decimal("0.00"))
            changed_count += 1
            owed_total += owed
            if len(changed) < CHANGED_LISTED_MAX:
                changed.append({"patient_ref": patient_ref, "year": year, "compensation_owed": owed})
    return Outcome(
        [],
        {
            "region": cmd.region,
            "version": cmd.version,
            "examined": examined,
            "changed_count": changed_count,
            "compensation_owed": owed_total,
            "changed": changed,
        },
    )


def _recalculate_page(
    ledger: BenefitLedger,
    cmd: RecalculateForPolicy,
    page: list[tuple[str, int, BenefitYearHistory]],
    reason: str,
    entries: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """The page's patient-years in one transaction; on a collision, each on its own (with retries)."""

    def run(patient_ref: str, year: int, history: BenefitYearHistory | None) -> dict[str, Any]:
        # Built without validation: its parts are validated already, and the derived id may exceed 200 characters.
        sub = RecalculateBenefitYear.model_construct(
            command="recalculate_benefit_year",
            command_id=f"{cmd.command_id}:{patient_ref}:{year}",
            patient_ref=patient_ref,
            year=year,
            known_at=cmd.known_at,
            reason=reason,
        )
        return execute(ledger, sub, lambda: _recalculated(ledger, sub, entries, history))

    with unit_of_work() as unit:
        results = [run(patient_ref, year, history) for patient_ref, year, history in page]
        try:
            commit(ledger, unit)
            return results
        except IntegrityError:
            pass
    with direct():
        return [run(patient_ref, year, None) for patient_ref, year, _ in page]


def _affected_years(
    ledger: BenefitLedger, region: str, effective_from: date
) -> Iterator[list[tuple[str, int, BenefitYearHistory]]]:
    """Pages of (patient_ref, year, folded history) of the region's years with a settlement on or after
    `effective_from`, found from the BenefitYear.Opened events (no aggregate is loaded to find them)."""
    page: list[tuple[str, int, BenefitYearHistory]] = []
    for opened in ledger.benefit_year_openings():
        if opened.county_code != region or opened.year < effective_from.year:
            continue
        history = ledger.get_benefit_year(opened.patient_ref, opened.year)
        if not any(r["claim"]["service_date"] >= effective_from.isoformat() for r in history.active_settlements):
            continue
        page.append((opened.patient_ref, opened.year, history))
        if len(page) == PAGE_SIZE:
            yield page
            page = []
    if page:
        yield page


@handles(PayRetroactiveCompensation)
def pay_retroactive_compensation(ledger: BenefitLedger, cmd: PayRetroactiveCompensation) -> Outcome:
    """追溯补偿金 paid directly to the patient; closes (part of) what a recalculation made owed."""
    account = ledger.benefit_year_account(cmd.patient_ref, cmd.year)
    account.pay_retroactive_compensation(cmd.settlement_id, cmd.amount, cmd.paid_on.isoformat(), cmd.reference)
    return Outcome(
        [account],
        {"settlement_id": cmd.settlement_id, "outstanding": account.compensation_outstanding(cmd.settlement_id)},
    )
