"""The synthetic county plan: deterministic, well-formed, and calibrated to the Langxi report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from generator.dryrun import dry_rows
from generator.hospitals import REGION
from generator.model import generate_county_year
from generator.summary import LANGXI, figures_from

LANGXI_PERSON_TIMES = 23586
LANGXI_TOTAL_COST = Decimal("15050500")


def test_same_seed_gives_an_identical_plan() -> None:
    assert generate_county_year(7, 0.02) == generate_county_year(7, 0.02)


def test_different_seeds_give_different_plans() -> None:
    a, b = generate_county_year(7, 0.02), generate_county_year(8, 0.02)
    assert a.visits != b.visits
    assert [v.lines for v in a.visits] != [v.lines for v in b.visits]


def test_refs_carry_seed_scale_and_months_so_plans_never_collide() -> None:
    assert generate_county_year(7, 0.02).prefix != generate_county_year(8, 0.02).prefix
    assert generate_county_year(7, 0.02).prefix != generate_county_year(7, 0.03).prefix


@pytest.mark.parametrize("months", [1, 3, 7, 12])
def test_plan_is_well_formed(months: int) -> None:
    plan = generate_county_year(3, 0.03, 2018, months)
    patients = {p.ref: p for p in plan.patients}
    assert plan.region == REGION == "341821"
    assert len(patients) == len(plan.patients)
    assert len({v.ref for v in plan.visits}) == len(plan.visits)
    assert [(v.discharged_on, v.ref) for v in plan.visits] == sorted((v.discharged_on, v.ref) for v in plan.visits)
    for visit in plan.visits:
        patient = patients[visit.patient_ref]
        assert date(2018, 1, 1) <= visit.admitted_on <= visit.discharged_on
        assert visit.discharged_on.month <= months and visit.discharged_on.year == 2018
        assert visit.kind in ("inpatient", "outpatient_chronic")
        assert visit.lines and all(line.amount > 0 and line.amount.as_tuple().exponent == -2 for line in visit.lines)
        assert len({line.line_no for line in visit.lines}) == len(visit.lines)
        if visit.kind == "outpatient_chronic":
            assert visit.admitted_on == visit.discharged_on and not visit.referred
            assert any(c.valid_from <= visit.discharged_on for c in patient.chronic)
        if visit.hospital.in_county:
            assert visit.hospital.tier in ("township", "county") and not visit.referred
        # visits happen while the patient is registered as poor
        assert min(s.effective_from for s in patient.statuses) <= visit.admitted_on


def test_major_disease_is_confirmed_by_discharge() -> None:
    plan = generate_county_year(4, 0.2)
    confirmed = {p.ref: p.major[0].confirmed_on for p in plan.patients if p.major}
    assert confirmed
    for visit in plan.visits:
        if visit.patient_ref in confirmed:
            assert confirmed[visit.patient_ref] <= visit.discharged_on


@pytest.fixture(scope="module", params=[1, 2, 3])
def full_plan(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return generate_county_year(request.param, 1.0)


def test_full_scale_person_times_within_2_percent(full_plan) -> None:  # type: ignore[no-untyped-def]
    assert abs(full_plan.person_times / LANGXI_PERSON_TIMES - 1) < 0.02


def test_full_scale_total_cost_within_10_percent(full_plan) -> None:  # type: ignore[no-untyped-def]
    assert abs(full_plan.total_cost / LANGXI_TOTAL_COST - 1) < Decimal("0.10")


def test_full_scale_in_county_share_near_langxi(full_plan) -> None:  # type: ignore[no-untyped-def]
    assert abs(full_plan.in_county_share - 0.9003) < 0.02


def test_full_scale_settles_near_langxi_payer_totals() -> None:
    """Settled in memory under the default policy: the main payers within 25 % of Langxi.

    Not asserted (documented gaps): the 351 backstop (structurally about 10-30 % of Langxi under
    the default policy) and "5090" (about 40-100 %, driven by a handful of very costly patients).
    """
    values = figures_from(dry_rows(generate_county_year(1, 1.0))).values()
    for key in ("compensation", "ncms", "cii", "ma", "s180"):
        assert abs(Decimal(values[key]) / Decimal(LANGXI[key]) - 1) < Decimal("0.25"), key
    for key in ("actual_ratio", "in_county_rate", "in_province_inpatient_ratio"):
        assert abs(Decimal(values[key]) - Decimal(LANGXI[key])) < Decimal("0.02"), key
