"""Year close (年度结算) queries: is a county-year closed, its figures now, and the close report.

The report (`GET /reports/counties/{county}/{year}/close`, `ledger year show`): the closing figures kept in
the close event, the figures now, their difference, and the restatements since the close (every
recalculation, reversal and late claim of the county-year's patient-years recorded after it).
"""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.year_close import YearClose
from domain.errors import NotFoundError, StateConflictError
from domain.funds import BudgetFund
from domain.money import ZERO
from domain.year_close_figures import closing_figures, difference
from service.handlers.payments import county_years, fund_budget
from service.unit_of_work import current_unit

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

RESTATING_EVENTS = {
    "ledger:BenefitYear.SettlementRecorded": "late_claim",
    "ledger:BenefitYear.RecalculationRecorded": "recalculation",
    "ledger:BenefitYear.SettlementReversed": "reversal",
}


_CLOSED: weakref.WeakKeyDictionary[Any, set[UUID]] = weakref.WeakKeyDictionary()


def year_close_of(ledger: BenefitLedger, county_code: str, year: int) -> YearClose | None:
    """The county-year's close, or None while it is open.

    A close is never reopened, so a county-year seen closed is remembered as closed (per ledger) and
    only its aggregate is read. An open county-year is asked again every time — one query for the
    first event of its close, not the repository's snapshot read plus event read of an absent id — so
    a close recorded by any process counts from the next command on.
    """
    close_id = ids.year_close_id(county_code, year)
    unit = current_unit()
    if unit is not None:
        staged = unit.get(close_id)
        if staged is not None:
            return cast(YearClose, staged)
        if unit.known_absent(close_id):
            return None
    closed = _CLOSED.setdefault(ledger, set())
    if close_id not in closed:
        if not ledger.recorder.select_events(close_id, limit=1):
            return None
        closed.add(close_id)
    try:
        close: YearClose = ledger.repository.get(close_id)
    except AggregateNotFoundError:  # pragma: no cover - an event was there a moment ago and is never deleted
        return None
    return close


def check_open(ledger: BenefitLedger, county_code: str, year: int) -> None:
    """A 409 naming the close when the county-year is closed (the window may no longer settle or reverse)."""
    close = year_close_of(ledger, county_code, year)
    if close is not None:
        raise StateConflictError(
            f"county-year {county_code}/{year} is closed: {close.describe()}; "
            "a late claim settles with settle_late_claim (admin, auditor)"
        )


def figures_now(ledger: BenefitLedger, county_code: str, year: int) -> dict[str, Any]:
    budgets = []
    for fund in BudgetFund:
        try:
            budgets.append(fund_budget(ledger, fund.value, county_code, year))
        except NotFoundError:
            continue
    reassist = next((b for b in budgets if b.fund == BudgetFund.REASSIST.value), None)
    return closing_figures(
        county_years(ledger, county_code, year),
        [b.figures() for b in budgets],
        reassist.paid_on if reassist is not None else (lambda key: ZERO),
    )


def restatements(ledger: BenefitLedger, close: YearClose) -> list[dict[str, Any]]:
    """Every event that restated a patient-year of the closed county-year after the close, in time order."""
    closed_at = datetime.fromisoformat(close.closed_at)
    found = []
    for opened in ledger.benefit_year_openings():
        if opened.county_code != close.county_code or opened.year != close.year:
            continue
        event: Any
        for event in ledger.events.get(ids.benefit_year_id(opened.patient_ref, opened.year)):
            kind = RESTATING_EVENTS.get(type(event).TOPIC)
            if kind is None or event.timestamp <= closed_at:
                continue
            entry: dict[str, Any] = {
                "patient_ref": opened.patient_ref,
                "kind": kind,
                "recorded_at": event.timestamp.isoformat(),
            }
            if kind == "late_claim":
                entry["settlement_id"] = event.settlement_id
            elif kind == "reversal":
                entry["settlement_id"] = event.settlement_id
                entry["reason"] = event.reason
            else:
                entry["reason"] = event.reason
                entry["settlement_ids"] = [item["settlement_id"] for item in event.items if item.get("changed")]
            found.append(entry)
    return sorted(found, key=lambda e: (e["recorded_at"], e["patient_ref"]))


SETTLEMENT_KEYS = (
    "patient_years",
    "patients",
    "settlements",
    "reversed_settlements",
    "total",
    "compliant",
    "payer_total",
    "patient_share",
    "hospital_borne",
    "funds",
)


def restated(now: dict[str, Any], kept: dict[str, Any]) -> bool:
    """Whether the settlements themselves changed since the close (what they pay, the compensation they owe);
    payments made after the close (runs, compensation paid, budgets) move `difference` but restate nothing."""
    return any(now[key] != kept.get(key) for key in SETTLEMENT_KEYS) or (
        now["compensation"]["owed"] != kept.get("compensation", {}).get("owed")
    )


def close_report(ledger: BenefitLedger, county_code: str, year: int) -> dict[str, Any]:
    close = year_close_of(ledger, county_code, year)
    if close is None:
        raise NotFoundError(f"county-year {county_code}/{year} is not closed")
    now = figures_now(ledger, county_code, year)
    return {
        "county_code": county_code,
        "year": year,
        "closed_at": close.closed_at,
        "reason": close.reason,
        "closing_figures": close.figures,
        "figures_now": now,
        "difference": difference(now, close.figures),
        "restated": restated(now, close.figures),
        "restatements": restatements(ledger, close),
        "late_claims": close.late_claims,
    }
