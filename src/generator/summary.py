"""Langxi-comparable figures computed directly from settlement results (a cross-check, not the dashboard).

Figures follow the Langxi report of 2018-07 (seeds/000, section 三): person-times (inpatient +
outpatient chronic settlements), total cost, compensation (sum of all payer layers) and by payer,
the actual compensation ratio, the in-county visit rate (share of person-times at in-county
hospitals) and the in-province inpatient actual compensation ratio.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.errors import NotFoundError
from domain.money import ZERO
from domain.vocabulary import Payer
from generator.plan import CountyPlan

# The Langxi report's payer layers (the comparison is against that report; Hainan's payers are not in it).
PAYERS = tuple(p.value for p in (Payer.NCMS, Payer.CII, Payer.MA, Payer.B351, Payer.S180, Payer.S5090, Payer.REASSIST))

# Langxi, January to July 2018 (CONFIRMED-SEED). Re-assistance started paying in August 2018.
LANGXI: dict[str, Decimal | int | None] = {
    "person_times": 23586,
    "total_cost": Decimal("15050500"),
    "compensation": Decimal("13358200"),
    "actual_ratio": Decimal("0.8876"),
    "in_county_rate": Decimal("0.9003"),
    "in_province_inpatient_ratio": Decimal("0.8997"),
    "ncms": Decimal("10717800"),
    "cii": Decimal("629400"),
    "ma": Decimal("1259700"),
    "b351": Decimal("170000"),
    "s180": Decimal("493000"),
    "s5090": Decimal("88300"),
    "reassist": None,
}
EXTENSIVE = frozenset({"person_times", "total_cost", "compensation", *PAYERS})
LABELS = {
    "person_times": "person-times 人次",
    "total_cost": "total cost 医药总费用",
    "compensation": "compensation 共补偿",
    "actual_ratio": "actual compensation ratio",
    "in_county_rate": "in-county visit rate 县域内就诊率",
    "in_province_inpatient_ratio": "in-province inpatient actual ratio",
    "ncms": "NCMS 新农合",
    "cii": "critical illness 大病保险",
    "ma": "assistance 民政救助",
    "b351": "backstop 政府兜底 351",
    "s180": '"180" chronic supplement',
    "s5090": '"5090" major disease',
    "reassist": "re-assistance 再救助",
}


@dataclass
class Figures:
    person_times: int = 0
    inpatient: int = 0
    in_county: int = 0
    total_cost: Decimal = ZERO
    compensation: Decimal = ZERO
    patient_share: Decimal = ZERO
    hospital_borne: Decimal = ZERO
    in_province_inpatient_cost: Decimal = ZERO
    in_province_inpatient_paid: Decimal = ZERO
    by_payer: dict[str, Decimal] = field(default_factory=lambda: {p: ZERO for p in PAYERS})

    def add(self, claim: dict[str, Any], settlement: dict[str, Any]) -> None:
        total = Decimal(settlement["total"])
        paid = sum((Decimal(layer["amount"]) for layer in settlement["layers"]), ZERO)
        for layer in settlement["layers"]:
            self.by_payer[layer["payer"]] += Decimal(layer["amount"])
        self.person_times += 1
        self.in_county += bool(claim["in_county"])
        self.total_cost += total
        self.compensation += paid
        self.hospital_borne += Decimal(settlement["hospital_borne"])
        self.patient_share += Decimal(settlement["patient_compliant"]) + Decimal(settlement["patient_noncompliant"])
        if claim["kind"] == "inpatient":
            self.inpatient += 1
            if claim["in_province"]:
                self.in_province_inpatient_cost += total
                self.in_province_inpatient_paid += paid

    def values(self) -> dict[str, Decimal | int | None]:
        def ratio(a: Decimal | int, b: Decimal | int) -> Decimal | None:
            return None if not b else (Decimal(a) / Decimal(b)).quantize(Decimal("0.0001"))

        return {
            "person_times": self.person_times,
            "total_cost": self.total_cost,
            "compensation": self.compensation,
            "actual_ratio": ratio(self.compensation, self.total_cost),
            "in_county_rate": ratio(self.in_county, self.person_times),
            "in_province_inpatient_ratio": ratio(self.in_province_inpatient_paid, self.in_province_inpatient_cost),
            **self.by_payer,
        }


def figures_from(rows: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> Figures:
    figures = Figures()
    for claim, settlement in rows:
        figures.add(claim, settlement)
    return figures


def settlement_rows(ledger: Any, plan: CountyPlan) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The plan's settlements from each patient's BenefitYear history (other admissions are ignored).

    Each record's "current" settlement (as last recalculated) is used, else the settlement as made.
    """
    refs = {visit.ref for visit in plan.visits}
    rows = []
    for patient in plan.patients:
        try:
            year = ledger.get_benefit_year(patient.ref, plan.year)
        except NotFoundError:
            continue
        rows += [
            (r["claim"], r.get("current") or r["settlement"]) for r in year.settlements if r["admission_ref"] in refs
        ]
    return rows


def summarise(ledger: Any, plan: CountyPlan) -> Figures:
    return figures_from(settlement_rows(ledger, plan))


def comparison(figures: Figures, scale: float = 1.0) -> list[tuple[str, Any, Any, Decimal | None]]:
    """(figure, value, Langxi value, value / Langxi). Counts and amounts of Langxi are multiplied by scale."""
    rows = []
    for key, value in figures.values().items():
        reference = LANGXI[key]
        if reference is not None and key in EXTENSIVE and scale != 1.0:
            reference = Decimal(reference) * Decimal(str(scale))
            reference = round(reference) if key == "person_times" else reference.quantize(Decimal("0.01"))
        ratio = None if reference in (None, 0) or value is None else (Decimal(value) / Decimal(reference))
        rows.append((key, value, reference, None if ratio is None else ratio.quantize(Decimal("0.001"))))
    return rows


def format_comparison(figures: Figures, scale: float = 1.0) -> str:
    header = "Langxi" if scale == 1.0 else f"Langxi x {scale:g}"
    lines = [f"{'figure':<40} {'synthetic':>16} {header:>16} {'ratio':>7}"]
    for key, value, reference, ratio in comparison(figures, scale):
        lines.append(f"{LABELS[key]:<40} {_fmt(value):>16} {_fmt(reference):>16} {_fmt(ratio):>7}")
    lines.append(
        f"(inpatient {figures.inpatient}, outpatient chronic {figures.person_times - figures.inpatient}, "
        f"patient share {figures.patient_share}, hospital-borne {figures.hospital_borne})"
    )
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        return f"{value:,.2f}"
    return str(value)
