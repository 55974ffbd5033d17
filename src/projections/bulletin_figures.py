"""The figures of a county bulletin (月点评 / 季通报) for a month or a quarter, read from the projections.

One function, `bulletin_figures`, gives both what an issued bulletin freezes (service.handlers.bulletins)
and what the same period shows now (the restatement against it), so a difference between them can only
come from the ledger's events (a retroactive recalculation), never from two ways of computing.

Figures are plain JSON (money as "1234.50", ratios as "0.8876", counts as integers):
  county      the Langxi report's figures: person-times, in-county visit rate, total cost, compensation
              (each payer), actual compensation ratio, in-province inpatient ratio; where the county is in
              Hainan, also the action plan's rates (major-disease treatment, chronic-disease contracts)
  townships   per township of the patients, ranked by compensation (rank 1 = most)
  hospitals   per hospital, ranked by compensation
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Any

from api.responses import plain
from projections.county_dashboard import county_dashboard
from projections.county_detail import township_breakdown
from projections.hospital_months import hospital_breakdown
from projections.store import ViewStore

PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
COUNTY_FIGURES = (
    "person_times",
    "inpatient_times",
    "in_county_times",
    "in_county_visit_rate",
    "total_cost",
    "compensation",
    "patient_share",
    "hospital_borne",
    "actual_compensation_ratio",
    "in_province_inpatient_ratio",
)
HAINAN_FIGURES = (
    "major_disease_patients",
    "major_disease_treated",
    "major_disease_treatment_rate",
    "chronic_patients",
    "chronic_contracted",
    "chronic_contract_rate",
    "follow_ups",
)
ROW_FIGURES = (
    "person_times",
    "inpatient_times",
    "in_county_visit_rate",
    "total_cost",
    "compensation",
    "patient_share",
    "actual_compensation_ratio",
)


@dataclass(frozen=True)
class Period:
    """A bulletin's period: one month ("2018-07", 月点评) or one quarter ("2018-Q3", 季通报)."""

    year: int
    month: int | None = None
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        found = PERIOD.match(text)
        if not found:
            raise ValueError(f"period {text[:40]!r}: give YYYY-MM (a month) or YYYY-Qn (a quarter)")
        year, month, quarter = found.groups()
        return cls(int(year), int(month) if month else None, int(quarter) if quarter else None)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}-Q{self.quarter}"

    @property
    def kind(self) -> str:
        return "monthly" if self.month else "quarterly"

    @property
    def months(self) -> tuple[int, int]:
        if self.month:
            return self.month, self.month
        assert self.quarter is not None
        return 3 * self.quarter - 2, 3 * self.quarter

    @property
    def dates(self) -> tuple[str, str]:
        first, last = self.months
        end = calendar.monthrange(self.year, last)[1]
        return f"{self.year}-{first:02d}-01", f"{self.year}-{last:02d}-{end:02d}"


def is_hainan(county_code: str) -> bool:
    """Counties under the Hainan action plan (its rates go into their bulletins)."""
    return county_code.startswith("46")  # GB/T 2260: 46 = Hainan province


def _ranked(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    out = []
    for rank, row in enumerate(rows, start=1):
        entry = {"rank": rank, name: row[name]}
        if name == "hospital_code":
            entry["hospital_name"] = row["hospital_name"]
        entry.update({k: row[k] for k in ROW_FIGURES})
        entry["compensation_by_payer"] = row["compensation_by_payer"]
        out.append(entry)
    return out


def bulletin_figures(views: ViewStore, county_code: str, period: Period) -> dict[str, Any]:
    """The period's figures as the projections hold them now (the caller catches them up first)."""
    first, last = period.months
    county = county_dashboard(views, county_code, period.year, month=period.month, quarter=period.quarter)
    figures: dict[str, Any] = {k: county[k] for k in COUNTY_FIGURES}
    figures["compensation_by_payer"] = county["compensation_by_payer"]
    out: dict[str, Any] = {
        "county_code": county_code,
        "period": period.key,
        "kind": period.kind,
        "dates": list(period.dates),
        "county": figures,
        "townships": _ranked(township_breakdown(views, county_code, period.year, first, last), "township"),
        "hospitals": _ranked(hospital_breakdown(views, county_code, period.year, first, last), "hospital_code"),
    }
    if is_hainan(county_code):
        out["hainan"] = {k: county[k] for k in HAINAN_FIGURES}
    result: dict[str, Any] = plain(out)
    return result
