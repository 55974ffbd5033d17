"""The figures of a county-year that a year close (年度结算) keeps, and the difference of two of them.

Pure: from the county-year's patient-year settlement records (as folded by BenefitYearHistory) and the fund
budgets' figures. Every amount is a sum of recorded fen; nothing is rounded here.

* counts: patient-years, patients, standing settlements, reversed settlements;
* totals: total cost, compliant cost, what the payers pay, the patients' share, what hospitals bear
  (every standing settlement as it stands now);
* per payer fund: `benefit` (as it stands), `advanced` (advanced by hospitals at the window, as settled),
  `deferred` (owed to households, paid by runs: 再救助 outside the window);
* compensation ("5090" 追溯补偿): owed, paid, outstanding;
* 再救助 owed to households: entitlement (domain.payment_selection) less what runs paid;
* budgets: each fund budget's budget, committed, paid, remaining.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from domain.money import ZERO, money_sum
from domain.payment_selection import entitlement, item_key

NUMBER_KEYS = ("patient_years", "patients", "settlements", "reversed_settlements")


def closing_figures(
    years: Iterable[tuple[str, int, list[dict[str, Any]]]],
    budgets: list[Mapping[str, Any]],
    reassist_paid_on: Callable[[str], Decimal],
) -> dict[str, Any]:
    patient_years = 0
    patients: set[str] = set()
    settlements = reversed_count = 0
    totals = dict.fromkeys(("total", "compliant", "payer_total", "patient_share", "hospital_borne"), ZERO)
    funds: dict[str, dict[str, Decimal]] = {}
    owed = paid = ZERO
    reassist_owed = ZERO
    for patient_ref, year, records in years:
        patient_years += 1
        patients.add(patient_ref)
        for record in records:
            key = item_key(patient_ref, year, record["settlement_id"])
            if record.get("reversed"):
                reversed_count += 1
                continue
            settlements += 1
            current, made = record["current"], record["settlement"]
            claim = record["claim"]
            totals["total"] += Decimal(claim["total"])
            totals["compliant"] += Decimal(claim["compliant"])
            layers = [
                (layer["payer"], Decimal(layer["amount"]), bool(layer.get("deferred"))) for layer in current["layers"]
            ]
            payer_total = money_sum(amount for _, amount, _ in layers)
            totals["payer_total"] += payer_total
            totals["hospital_borne"] += Decimal(current["hospital_borne"])
            totals["patient_share"] += Decimal(current["patient_compliant"]) + Decimal(current["patient_noncompliant"])
            for payer, amount, deferred in layers:
                fund = funds.setdefault(payer, {"benefit": ZERO, "advanced": ZERO, "deferred": ZERO})
                fund["benefit"] += amount
                if deferred:
                    fund["deferred"] += amount
            for layer in made["layers"]:
                if not layer.get("deferred"):
                    fund = funds.setdefault(layer["payer"], {"benefit": ZERO, "advanced": ZERO, "deferred": ZERO})
                    fund["advanced"] += Decimal(layer["amount"])
            owed += Decimal(record["compensation_owed"])
            paid += Decimal(record["compensation_paid"])
            reassist_owed += max(ZERO, entitlement("reassist", record) - reassist_paid_on(key))
    return {
        "patient_years": patient_years,
        "patients": len(patients),
        "settlements": settlements,
        "reversed_settlements": reversed_count,
        **totals,
        "funds": {payer: funds[payer] for payer in sorted(funds)},
        "compensation": {"owed": owed, "paid": paid, "outstanding": max(ZERO, owed - paid)},
        "reassist_owed_to_households": reassist_owed,
        "budgets": {str(b["fund"]): {k: b[k] for k in ("budget", "committed", "paid", "remaining")} for b in budgets},
    }


def difference(now: Any, kept: Any) -> Any:
    """now - kept, leaf by leaf (counts and amounts); a key on one side only counts as zero on the other."""
    if isinstance(now, Mapping) or isinstance(kept, Mapping):
        now_map: Mapping[str, Any] = now if isinstance(now, Mapping) else {}
        kept_map: Mapping[str, Any] = kept if isinstance(kept, Mapping) else {}
        return {key: difference(now_map.get(key), kept_map.get(key)) for key in sorted({*now_map, *kept_map})}
    if isinstance(now, int) or isinstance(kept, int):
        return int(now or 0) - int(kept or 0)
    return Decimal(now or 0) - Decimal(kept or 0)
