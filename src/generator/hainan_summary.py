"""The figures of a synthetic 琼中 plan, from its settlements: Hainan's payers and the 大病集中救治 outcomes.

There is no 琼中 report to compare with (the Langxi comparison is generator.summary), so this lists
the figures only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.money import ZERO

HAINAN_PAYERS = ("ncms", "cii", "hpsi", "ma", "charity")
LABELS = {
    "ncms": "NCMS 基本医保",
    "cii": "critical illness 大病保险",
    "hpsi": "健康扶贫补充保险",
    "ma": "assistance 医疗救助",
    "charity": "charity 慈善医疗救助",
}


def hainan_figures(rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """Sums over (claim, settlement) rows as the benefit-year records hold them."""
    out: dict[str, Any] = {"person_times": 0, "inpatient": 0, "in_county": 0, "total_cost": ZERO}
    out.update({p: ZERO for p in HAINAN_PAYERS})
    out.update(compensation=ZERO, patient_share=ZERO, hospital_borne=ZERO)
    handling: Counter[str] = Counter()
    for claim, settlement in rows:
        out["person_times"] += 1
        out["inpatient"] += claim["kind"] == "inpatient"
        out["in_county"] += bool(claim["in_county"])
        out["total_cost"] += Decimal(str(settlement["total"]))
        for layer in settlement["layers"]:
            amount = Decimal(str(layer["amount"]))
            out[layer["payer"]] = out.get(layer["payer"], ZERO) + amount
            out["compensation"] += amount
        out["patient_share"] += Decimal(str(settlement["patient_compliant"])) + Decimal(
            str(settlement["patient_noncompliant"])
        )
        out["hospital_borne"] += Decimal(str(settlement["hospital_borne"]))
        if settlement.get("major_disease"):
            handling[settlement["major_disease"]["handling"]] += 1
    out["major_disease_admissions"] = dict(sorted(handling.items()))
    return out


def format_hainan_summary(figures: dict[str, Any]) -> str:
    def ratio(a: Any, b: Any) -> str:
        return "-" if not b else str((Decimal(a) / Decimal(b)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))

    lines = [f"{'figure (琼中 469030, synthetic)':<40} {'value':>16}"]
    lines.append(f"{'person-times 人次':<40} {figures['person_times']:>16}")
    lines.append(f"{'total cost 医药总费用':<40} {figures['total_cost']:>16,.2f}")
    lines.append(f"{'compensation 共补偿':<40} {figures['compensation']:>16,.2f}")
    lines += [f"{LABELS[p]:<40} {figures[p]:>16,.2f}" for p in HAINAN_PAYERS]
    lines.append(f"{'actual compensation ratio':<40} {ratio(figures['compensation'], figures['total_cost']):>16}")
    lines.append(
        f"{'in-county visit rate 县域内就诊率':<40} {ratio(figures['in_county'], figures['person_times']):>16}"
    )
    lines.append(
        f"(inpatient {figures['inpatient']}, outpatient chronic {figures['person_times'] - figures['inpatient']}, "
        f"patient share {figures['patient_share']}, hospital-borne {figures['hospital_borne']})"
    )
    handled = ", ".join(f"{k} {n}" for k, n in figures["major_disease_admissions"].items()) or "none"
    lines.append(f"大病集中救治 admissions: {handled}")
    return "\n".join(lines)
