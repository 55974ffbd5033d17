"""A county bulletin as officials read it: the frozen figures, with the restatement against them.

`bulletin_document(bulletin, current, restated_months)` puts together what every rendering shows (the JSON
route, the xlsx workbook, the PDF): the issued figures, the figures of the same period now, and each figure
that changed since the bulletin was issued (issued, now, change). Figures stay decimal text from the event
to the page; the restatement's changes are exact Decimal differences.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from documents.slip_labels import PAYER_NAMES
from domain.vocabulary import Payer

KIND_TITLES = {"monthly": "月点评", "quarterly": "季通报"}
COUNTY_NAMES = {"341821": "郎溪县", "469030": "琼中黎族苗族自治县"}
FIGURE_LABELS = {
    "person_times": "就诊人次",
    "inpatient_times": "住院人次",
    "in_county_times": "县域内就诊人次",
    "in_county_visit_rate": "县域内就诊率",
    "total_cost": "医疗总费用（元）",
    "compensation": "补偿总额（元）",
    "patient_share": "个人自付（元）",
    "hospital_borne": "医院承担（元）",
    "actual_compensation_ratio": "实际补偿比",
    "in_province_inpatient_ratio": "省内住院实际补偿比",
    "major_disease_patients": "大病患者数",
    "major_disease_treated": "大病患者救治数",
    "major_disease_treatment_rate": "大病集中救治率",
    "chronic_patients": "慢病患者数",
    "chronic_contracted": "慢病签约数",
    "chronic_contract_rate": "慢病签约服务率",
    "follow_ups": "随访人次",
    "rank": "排名",
}
RATES = {
    "in_county_visit_rate",
    "actual_compensation_ratio",
    "in_province_inpatient_ratio",
    "major_disease_treatment_rate",
    "chronic_contract_rate",
}


def payer_label(payer: str) -> str:
    try:
        return PAYER_NAMES[Payer(payer)]
    except ValueError:
        return payer


def label(figure: str) -> str:
    if figure.startswith("payer:"):
        return payer_label(figure.removeprefix("payer:")) + "（元）"
    return FIGURE_LABELS.get(figure, figure)


def _flat(figures: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    """(section, row, figure) -> value, for every figure of the bulletin."""
    out: dict[tuple[str, str, str], Any] = {}

    def row(section: str, name: str, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key == "compensation_by_payer":
                for payer, amount in value.items():
                    out[(section, name, f"payer:{payer}")] = amount
            elif key not in ("township", "hospital_code", "hospital_name"):
                out[(section, name, key)] = value

    row("county", "", figures["county"])
    if "hainan" in figures:
        row("hainan", "", figures["hainan"])
    for t in figures["townships"]:
        row("townships", t["township"], t)
    for h in figures["hospitals"]:
        row("hospitals", f"{h['hospital_name']}（{h['hospital_code']}）", h)
    return out


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def restatement(issued: dict[str, Any], current: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure whose value now differs from the issued one (a row missing on one side counts as absent)."""
    before, after = _flat(issued), _flat(current)
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        a, b = _number(old), _number(new)
        change = str(b - a) if a is not None and b is not None else None
        section, row, figure = key
        changes.append(
            {
                "section": section,
                "row": row,
                "figure": figure,
                "label": label(figure),
                "issued": old,
                "current": new,
                "change": change,
            }
        )
    return changes


def bulletin_document(bulletin: Any, current: dict[str, Any], restated_months: list[dict[str, Any]]) -> dict[str, Any]:
    """The issued bulletin beside the period now: what the route returns and what the xlsx and PDF show."""
    issued: dict[str, Any] = bulletin.figures
    changes = restatement(issued, current)
    county = bulletin.county_code
    return {
        "county_code": county,
        "county_name": COUNTY_NAMES.get(county, county),
        "period": bulletin.period,
        "kind": bulletin.kind,
        "title": f"{COUNTY_NAMES.get(county, county)}健康扶贫医疗保障{KIND_TITLES[bulletin.kind]}（{bulletin.period}）",
        "issued_at": bulletin.created_on.isoformat(),
        "log_position": bulletin.log_position,
        "version": bulletin.version,
        "issued": issued,
        "current": current,
        "restated": bool(changes),
        "restatement": changes,
        "restated_months": [
            m
            for m in restated_months
            if datetime.fromisoformat(m["recorded_at"]) > bulletin.created_on
            and _in_period(bulletin.period, m["month"])
        ],
    }


def _in_period(period: str, month: int) -> bool:
    _, part = period.split("-")
    if part.startswith("Q"):
        quarter = int(part[1:])
        return 3 * quarter - 2 <= month <= 3 * quarter
    return int(part) == month


def figure_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure of the bulletin: as issued, now, and the change (the bulletin's CSV)."""
    before, after = _flat(document["issued"]), _flat(document["current"])
    rows = []
    for key in [*before, *(k for k in after if k not in before)]:
        section, row, figure = key
        old, new = before.get(key), after.get(key)
        a, b = _number(old), _number(new)
        rows.append(
            {
                "section": section,
                "row": row,
                "figure": figure,
                "label": label(figure),
                "issued": old,
                "current": new,
                "change": str(b - a) if a is not None and b is not None else None,
            }
        )
    return rows
