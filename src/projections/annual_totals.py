"""Annual totals per patient-year: costs, each payer's share, out-of-pocket, the 351 cap and its use.

Figures are those of the settlements as they stand now: a retroactive recalculation replaces a
settlement's figures (the difference is applied to the year), so the year shows what each payer
finally bears. The 351 cap in force is `b351.caps[max_class]` of the policy version last used,
looked up in this projection's own copy of the published versions' caps.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.tables import Table, money
from projections.view import View, reading

LANGXI_PAYERS = ("ncms", "cii", "ma", "b351", "s180", "s5090", "reassist")
PAYERS = (*LANGXI_PAYERS, "hpsi", "charity")  # + Hainan's 健康扶贫补充保险 and 慈善医疗救助
ZERO = Decimal("0.00")
FIGURES = (
    "total_cost",
    "compliant_cost",
    *(f"paid_{p}" for p in PAYERS),
    "payer_total",
    "patient_compliant",
    "patient_noncompliant",
    "patient_share",
    "hospital_borne",
)
_MONEY = tuple((f, "money") for f in FIGURES)

TOTALS = Table(
    "annual_totals",
    (
        ("patient_ref", "text"),
        ("year", "int"),
        ("county_code", "text"),
        ("benefit_year_id", "text"),
        *_MONEY,
        ("admissions", "count"),
        ("person_times", "count"),
        ("recalculations", "count"),
        ("policy_version", "text"),
        ("cap_mode", "text"),
        ("cap_class", "text"),
        ("cap_351", "money"),
        ("cap_used", "money"),
        ("cap_remaining", "money"),
    ),
    key=("patient_ref", "year"),
    indexes=(("benefit_year_id",), ("county_code", "year")),
)
SETTLEMENTS = Table(
    "annual_settlements",
    (("settlement_id", "text"), ("benefit_year_id", "text"), ("kind", "text"), ("policy_version", "text"), *_MONEY),
    key=("settlement_id",),
    indexes=(("benefit_year_id",),),
)
POLICIES = Table(
    "annual_policy_caps",
    (("region", "text"), ("version", "text"), ("cap_mode", "text"), ("caps", "json")),
    key=("region", "version"),
)


_LAST: list[Any] = [None, {}]  # the last settlement asked for and its figures: the projections ask in turn


def figures(settlement: dict[str, Any]) -> dict[str, Decimal]:
    """The money figures of one settlement (as recorded in SettlementRecorded / RecalculationRecorded).
    A runner hands each event to every projection in turn, so the same settlement is asked for several times
    running: the last one's figures are kept (events are never changed)."""
    last, found = _LAST
    if last is settlement:
        return dict(found)
    result = _figures(settlement)
    _LAST[:] = [settlement, result]
    return dict(result)


def _figures(settlement: dict[str, Any]) -> dict[str, Decimal]:
    paid = {p: ZERO for p in PAYERS}
    other = ZERO  # a payer without a column (none today): counted in payer_total only
    for layer in settlement["layers"]:
        if layer["payer"] in paid:
            paid[layer["payer"]] += money(layer["amount"])
        else:
            other += money(layer["amount"])
    patient_compliant, patient_noncompliant = (
        money(settlement["patient_compliant"]),
        money(settlement["patient_noncompliant"]),
    )
    return {
        "total_cost": money(settlement["total"]),
        "compliant_cost": money(settlement["compliant"]),
        **{f"paid_{p}": paid[p] for p in PAYERS},
        "payer_total": sum(paid.values(), ZERO) + other,
        "patient_compliant": patient_compliant,
        "patient_noncompliant": patient_noncompliant,
        "patient_share": patient_compliant + patient_noncompliant,
        "hospital_borne": money(settlement["hospital_borne"]),
    }


def _cap(view: View, region: str, version: str, state_after: dict[str, Any]) -> dict[str, Any]:
    policy = view.get(POLICIES, {"region": region, "version": version})
    mode = policy["cap_mode"] if policy else None
    amounts, labels = state_after.get("amounts", {}), state_after.get("labels", {})
    if mode == "per_tier_additive":  # one bucket per class: no single cap; report the sum counted
        used = sum((money(v) for k, v in amounts.items() if k.startswith("b351.counted.")), ZERO)
        return {"cap_mode": mode, "cap_class": None, "cap_351": None, "cap_used": used, "cap_remaining": None}
    cap_class = labels.get("b351.max_class")
    cap = money(policy["caps"][cap_class]) if policy and cap_class in policy["caps"] else None
    used = money(amounts.get("b351.counted", ZERO))
    return {
        "cap_mode": mode,
        "cap_class": cap_class,
        "cap_351": cap,
        "cap_used": used,
        "cap_remaining": None if cap is None else max(ZERO, cap - used),
    }


def _year_of(view: View, benefit_year_id: Any) -> dict[str, Any]:
    rows = view.select(TOTALS, {"benefit_year_id": str(benefit_year_id)})
    if not rows:
        raise LookupError(f"annual_totals: no patient-year {benefit_year_id}")
    return rows[0]


def on_policy_published(view: View, e: Any) -> None:
    b351 = e.parameters.get("b351", {})
    view.upsert(
        POLICIES,
        {
            "region": e.region,
            "version": e.version,
            "cap_mode": b351.get("cap_mode"),
            "caps": {k: str(v) for k, v in b351.get("caps", {}).items()},
        },
    )


def on_year_opened(view: View, e: Any) -> None:
    view.add(
        TOTALS,
        {"patient_ref": e.patient_ref, "year": e.year},
        {},
        {"county_code": e.county_code, "benefit_year_id": str(e.originator_id)},
    )


def on_settlement(view: View, e: Any) -> None:
    year = _year_of(view, e.originator_id)
    amounts = figures(e.settlement)
    view.insert(
        SETTLEMENTS,
        {
            "settlement_id": e.settlement_id,
            "benefit_year_id": str(e.originator_id),
            "kind": e.claim["kind"],
            "policy_version": e.policy_version,
            **amounts,
        },
    )
    counts = {"admissions": int(e.claim["kind"] == "inpatient"), "person_times": 1}
    view.add(
        TOTALS,
        {"patient_ref": year["patient_ref"], "year": year["year"]},
        {**amounts, **counts},
        {"policy_version": e.policy_version, **_cap(view, year["county_code"], e.policy_version, e.state_after)},
    )


def on_recalculation(view: View, e: Any) -> None:
    year = _year_of(view, e.originator_id)
    delta = {f: ZERO for f in FIGURES}
    for item in e.items:
        before = view.get(SETTLEMENTS, {"settlement_id": item["settlement_id"]})
        assert before is not None, item["settlement_id"]
        after = figures(item["settlement"])
        for f in FIGURES:
            delta[f] += after[f] - before[f]
        view.update(
            SETTLEMENTS,
            {"settlement_id": item["settlement_id"]},
            {"policy_version": item["policy_version_after"], **after},
        )
    version = e.items[-1]["policy_version_after"] if e.items else year["policy_version"]
    view.add(
        TOTALS,
        {"patient_ref": year["patient_ref"], "year": year["year"]},
        {**delta, "recalculations": 1},
        {"policy_version": version, **_cap(view, year["county_code"], version, e.state_after)},
    )


def on_reversal(view: View, e: Any) -> None:
    """反结算 / 骗保: restated like a recalculation; the reversed settlement no longer counts as a person-time."""
    on_recalculation(view, e)
    year = _year_of(view, e.originator_id)
    row = view.get(SETTLEMENTS, {"settlement_id": e.settlement_id})
    admissions = int(row is not None and row["kind"] == "inpatient")
    view.add(
        TOTALS,
        {"patient_ref": year["patient_ref"], "year": year["year"]},
        {"person_times": -1, "admissions": -admissions, "recalculations": -1},
    )


PROJECTION = Projection(
    "annual_totals",
    (TOTALS, SETTLEMENTS, POLICIES),
    merge(
        {
            "ledger:PolicyVersion.Published": on_policy_published,
            "ledger:BenefitYear.Opened": on_year_opened,
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:BenefitYear.RecalculationRecorded": on_recalculation,
            "ledger:BenefitYear.SettlementReversed": on_reversal,
        }
    ),
    description="per patient-year: costs, payers, out-of-pocket, 351 cap in force and used",
)


# ---- queries ----------------------------------------------------------------------------------
def annual_totals(store: ViewStore, patient_ref: str, year: int) -> dict[str, Any] | None:
    with reading(store) as view:
        return view.get(TOTALS, {"patient_ref": patient_ref, "year": year})


def annual_totals_for_county(store: ViewStore, county_code: str, year: int) -> list[dict[str, Any]]:
    with reading(store) as view:
        return view.select(TOTALS, {"county_code": county_code, "year": year})


def settlements_of_year(store: ViewStore, patient_ref: str, year: int) -> list[dict[str, Any]]:
    with reading(store) as view:
        row = view.get(TOTALS, {"patient_ref": patient_ref, "year": year})
        if row is None:
            return []
        return view.select(SETTLEMENTS, {"benefit_year_id": row["benefit_year_id"]}, order_by=("settlement_id",))
