"""`ledger recalculate --pending` and `POST /reports/recalculations-pending/runs`: re-settle every patient-year
the `recalculations_pending` read model lists (late facts not yet applied).

Each pending patient-year is its own `RecalculateBenefitYear` command whose id is derived from the pending
item (`pending:<patient_ref>:<year>:<latest fact's position>`), so a re-run, or a retry after a crash,
replays what was done and appends nothing; a fact recorded later makes a new id. The recalculation re-reads
the patient's facts and the registry (service.handlers.recalculations): compensation owed follows the
追溯补偿 rules (what the patient paid minus what the recalculated settlement asks, never a claw-back), and a
recalculation that changes nothing leaves a `RecalculationChecked` trace. The read model is caught up
before the list is read and after the run, so a year applied is no longer listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from domain.errors import ValidationError
from domain.money import ZERO
from projections.catalog import PROJECTIONS
from projections.recalculations_pending import pending_years
from projections.runner import Runner
from projections.store import ViewStore
from service.commands.fields import Ref, Year
from service.commands.recalculations import RecalculateBenefitYear

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

PENDING_PROJECTION = "recalculations_pending"


@dataclass
class PendingRun:
    examined: int = 0
    changed_count: int = 0
    compensation_owed: Decimal = ZERO
    years: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "changed_count": self.changed_count,
            "compensation_owed": self.compensation_owed,
            "years": self.years,
        }


_COUNTY: TypeAdapter[str | None] = TypeAdapter(Ref | None)
_YEAR: TypeAdapter[int | None] = TypeAdapter(Year | None)


def pending_filter(county_code: object, year: object) -> tuple[str | None, int | None]:
    """The county and year filters, checked as the command fields are (a Ref, a Year)."""
    for name, adapter, value in (("county", _COUNTY, county_code), ("year", _YEAR, year)):
        try:
            adapter.validate_python(value)
        except PydanticValidationError as exc:
            raise ValidationError(f"{name}: {exc.errors()[0]['msg']}") from None
    return _COUNTY.validate_python(county_code), _YEAR.validate_python(year)


def catch_up_pending(ledger: BenefitLedger, store: ViewStore) -> None:
    """The pending read model to the log's head (its own tracking row: other projections are untouched)."""
    Runner(ledger, store, [PROJECTIONS[PENDING_PROJECTION]], batch_size=1000).run_once(until_head=True)


def pending_command_id(item: dict[str, Any]) -> str:
    return f"pending:{item['patient_ref']}:{item['year']}:{item['latest_fact']}"


def pending_command(item: dict[str, Any]) -> RecalculateBenefitYear:
    """The recalculation of one pending item: its id and reason derived from the item alone."""
    reasons = "; ".join(f"{r['detail']} (recorded {r['recorded_at']})" for r in item["reasons"])
    return RecalculateBenefitYear(
        command_id=pending_command_id(item),
        patient_ref=item["patient_ref"],
        year=item["year"],
        reason=f"late facts: {reasons}"[:500],
    )


def recalculate_pending(
    ledger: BenefitLedger,
    store: ViewStore,
    *,
    county_code: str | None = None,
    year: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_year: Callable[[dict[str, Any]], None] | None = None,
) -> PendingRun:
    """Recalculate every pending patient-year (of `county_code` / `year` when given)."""
    catch_up_pending(ledger, store)
    items = pending_years(store, county_code=county_code, year=year)
    if on_start is not None:
        on_start(len(items))
    run = PendingRun()
    for item in items:
        result = ledger.handle(pending_command(item))
        owed = sum((Decimal(i["compensation_owed"]) for i in result["items"]), ZERO)
        run.examined += 1
        run.changed_count += bool(result["changed"])
        run.compensation_owed += owed
        entry = {
            "patient_ref": item["patient_ref"],
            "year": item["year"],
            "county_code": item["county_code"],
            "changed": bool(result["changed"]),
            "compensation_owed": owed,
            "replayed": bool(result.get("replayed", False)),
        }
        run.years.append(entry)
        if on_year is not None:
            on_year(entry)
    catch_up_pending(ledger, store)
    return run
