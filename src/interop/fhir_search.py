"""FHIR search on dates: `billable-period=ge2018-01-01` and friends, against a settlement's billable period.

A search value of year, month or day precision is the range of days it covers; the prefixes follow
FHIR R4 §3.1.1.4.2 for a Period target [start, end]:
  eq  the value's range contains the period      ge  the period ends on or after the range's start
  gt  the period ends after the range's end      le  the period starts on or before the range's end
  lt  the period starts before the range's start
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.errors import ValidationError

_VALUE = re.compile(r"^(eq|ge|gt|le|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")


@dataclass(frozen=True)
class PeriodTest:
    prefix: str
    low: date
    high: date

    def matches(self, start: date, end: date) -> bool:
        tests: dict[str, Callable[[], bool]] = {
            "eq": lambda: self.low <= start and end <= self.high,
            "ge": lambda: end >= self.low,
            "gt": lambda: end > self.high,
            "le": lambda: start <= self.high,
            "lt": lambda: start < self.low,
        }
        return tests[self.prefix]()


def period_test(value: str) -> PeriodTest:
    """Parse one `billable-period` value, e.g. `ge2018-01-01`, `le2018-06`, `2018`."""
    match = _VALUE.match(value.strip())
    if match is None:
        raise ValidationError(
            f"billable-period={value!r}: give a prefix (eq, ge, gt, le, lt) and a date YYYY, YYYY-MM or YYYY-MM-DD"
        )
    prefix, year, month, day = match.group(1) or "eq", int(match[2]), match[3], match[4]
    try:
        if day is not None:
            low = high = date(year, int(month), int(day))
        elif month is not None:
            low = date(year, int(month), 1)
            high = date(year, int(month), calendar.monthrange(year, int(month))[1])
        else:
            low, high = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise ValidationError(f"billable-period={value!r}: not a calendar date") from None
    return PeriodTest(prefix, low, high)
