"""Visit building blocks: dates, hospitals, costs and charge lines, drawn from one `random.Random`."""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from generator import calibration as cal
from generator.hospitals import TOWNSHIP_CENTRES, WITHIN_TIER
from generator.plan import ChargeLine, Hospital

T = TypeVar("T")


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One value from (value, weight) pairs."""
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def index_from(rng: random.Random, probabilities: Sequence[float]) -> int:
    """An index drawn with the given probabilities (e.g. P(0, 1, 2 admissions))."""
    return rng.choices(range(len(probabilities)), probabilities)[0]


def rescaled_count(rng: random.Random, count: int, months: int) -> int:
    """A January-July count carried over to `months` months, rounded stochastically."""
    exact = count * months / 7
    whole = math.floor(exact)
    return whole + (rng.random() < exact - whole)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def hospital_for(rng: random.Random, tier: str, township: str) -> Hospital:
    """Township care is at the patient's own township centre; other tiers pick a hospital of the tier."""
    if tier == "township":
        return TOWNSHIP_CENTRES[township]
    hospitals, weights = WITHIN_TIER[tier]
    return rng.choices(hospitals, weights)[0]


def cost_cents(rng: random.Random, median: float, sigma: float, minimum: float) -> int:
    """A lognormal cost in fen, with the given median and a floor."""
    return round(max(minimum, rng.lognormvariate(math.log(median), sigma)) * 100)


def to_yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _split(rng: random.Random, cents: int, weights: Sequence[float]) -> list[int]:
    """Split `cents` into len(weights) positive parts roughly proportional to the weights."""
    jittered = [w * rng.uniform(0.6, 1.4) for w in weights]
    scale = sum(jittered)
    parts = [max(1, math.floor(cents * w / scale)) for w in jittered]
    parts[0] += cents - sum(parts)
    if parts[0] < 1:  # only possible for tiny amounts: fall back to an even split
        parts = [cents // len(weights)] * len(weights)
        parts[0] += cents - sum(parts)
    return parts


def inpatient_noncompliant_share(rng: random.Random, tier: str) -> float:
    p_none, usual, p_over, over = cal.INPATIENT_NONCOMPLIANT
    draw = rng.random()
    share = 0.0 if draw < p_none else rng.uniform(*over) if draw < p_none + p_over else rng.uniform(*usual)
    if tier == "out_of_province":
        share += rng.uniform(*cal.OUT_OF_PROVINCE_EXTRA_NONCOMPLIANT)
    return share


def inpatient_lines(rng: random.Random, cents: int, noncompliant_share: float) -> tuple[ChargeLine, ...]:
    """3-6 compliant lines in distinct categories, plus one non-catalogue line when there is one."""
    noncompliant = round(cents * noncompliant_share)
    compliant = cents - noncompliant
    categories = list(cal.INPATIENT_CATEGORIES)
    chosen: list[tuple[str, float]] = []
    for _ in range(rng.randint(3, 6)):
        pick = rng.choices(range(len(categories)), [w for _, w in categories])[0]
        chosen.append(categories.pop(pick))
    amounts = _split(rng, compliant, [w for _, w in chosen])
    lines = [ChargeLine(str(i + 1), cat, to_yuan(a), True) for i, ((cat, _), a) in enumerate(zip(chosen, amounts))]
    if noncompliant > 0:
        lines.append(
            ChargeLine(str(len(lines) + 1), rng.choice(cal.NONCOMPLIANT_CATEGORIES), to_yuan(noncompliant), False)
        )
    return tuple(lines)


def outpatient_lines(rng: random.Random, cents: int) -> tuple[ChargeLine, ...]:
    """A drugs line, sometimes a lab/exam line, sometimes a non-catalogue drug line."""
    p_noncompliant, low, high = cal.OUTPATIENT_NONCOMPLIANT
    noncompliant = round(cents * rng.uniform(low, high)) if rng.random() < p_noncompliant else 0
    compliant = cents - noncompliant
    lines: list[tuple[str, int, bool]] = []
    if rng.random() < cal.OUTPATIENT_EXTRA_LINE and compliant >= 2:
        extra = max(1, round(compliant * rng.uniform(0.15, 0.35)))
        lines = [("drugs", compliant - extra, True), (rng.choice(("lab", "exams")), extra, True)]
    else:
        lines = [("drugs", compliant, True)]
    if noncompliant > 0:
        lines.append(("drugs", noncompliant, False))
    return tuple(ChargeLine(str(i + 1), cat, to_yuan(a), ok) for i, (cat, a, ok) in enumerate(lines))
