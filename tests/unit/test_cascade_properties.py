"""Property tests of the benefit cascade over random patient-years.

A patient-year is 1-6 claims (inpatient or outpatient chronic) at township/county/city/province
hospitals, settled in order under one policy version (default Langxi policy, random 351 cap_mode,
random 5090 hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.money import ZERO, money_sum, to_fen
from domain.policy.parameters import CapMode, PolicyParameters, SupplementMode
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.layers.cii import banded
from domain.rules.settlement import Settlement
from domain.vocabulary import Payer, PovertyStatus, Tier, VisitKind

from .builders import IN_COUNTY_TIERS, claim, policy

TIERS = (Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY, Tier.PROVINCE)
STATUSES = (PovertyStatus.JIANDANGLIKA, PovertyStatus.DIBAO, PovertyStatus.TEKUN, PovertyStatus.NONE)
YEAR_START = date(2018, 1, 1)
VERSION = "prop"

POLICIES: dict[tuple[CapMode, SupplementMode], PolicyParameters] = {
    (cap_mode, s5090_mode): policy(**{"b351.cap_mode": cap_mode.value, "s5090.mode": s5090_mode.value})
    for cap_mode in CapMode
    for s5090_mode in SupplementMode
}

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Small amounts (deductibles, thresholds, rounding) and large ones (351 and annual caps, upper CII bands).
amounts = st.one_of(
    st.decimals(min_value=0, max_value=5000, places=2),
    st.decimals(min_value=5000, max_value=300000, places=2),
    st.decimals(min_value=50000, max_value=300000, places=2),
)
# Compliant share of the total, in per cent: usually high, sometimes anything.
compliant_percents = st.one_of(st.integers(min_value=85, max_value=100), st.integers(min_value=0, max_value=100))


@dataclass(frozen=True)
class Year:
    claims: tuple[ClaimFacts, ...]
    policy: PolicyParameters
    cap_mode: CapMode
    status: PovertyStatus | None  # None when the status changes from claim to claim

    def settle(self) -> list[Settlement]:
        settlements, _ = settle_year((c, self.policy, VERSION) for c in self.claims)
        return settlements


@st.composite
def claim_facts(draw, index: int, status: PovertyStatus, *, eligible_only: bool = False) -> ClaimFacts:
    """One claim. `eligible_only`: an inpatient stay that the 351 backstop covers (in province,
    designated, in county or referred)."""
    kind = VisitKind.INPATIENT if eligible_only else draw(st.sampled_from(list(VisitKind)))
    tier = draw(st.sampled_from(TIERS))
    in_county = tier in IN_COUNTY_TIERS
    referred = True if eligible_only and not in_county else draw(st.booleans())
    designated = True if eligible_only else draw(st.booleans())
    total = draw(amounts)
    compliant = to_fen(total * draw(compliant_percents) / 100)
    return claim(
        f"c{index}",
        kind=kind,
        tier=tier,
        total=total,
        compliant=compliant,
        status=status,
        in_county=in_county,
        in_province=True,
        designated=designated,
        referred=referred,
        service_date=YEAR_START + timedelta(days=30 * index),
        chronic_certified=draw(st.booleans()),
        major_diseases=("esrd",) if draw(st.booleans()) else (),
    )


@st.composite
def years(
    draw, *, eligible_only: bool = False, status: PovertyStatus | None = None, allow_status_changes: bool = False
) -> Year:
    cap_mode = draw(st.sampled_from(list(CapMode)))
    s5090_mode = draw(st.sampled_from(list(SupplementMode)))
    n = draw(st.integers(min_value=1, max_value=6))
    year_status = status if status is not None else draw(st.sampled_from(STATUSES))
    changes = allow_status_changes and draw(st.booleans())
    claims = tuple(
        draw(claim_facts(i, draw(st.sampled_from(STATUSES)) if changes else year_status, eligible_only=eligible_only))
        for i in range(n)
    )
    return Year(claims, POLICIES[(cap_mode, s5090_mode)], cap_mode, None if changes else year_status)


def shares(s: Settlement) -> list[Decimal]:
    return [layer.amount for layer in s.layers] + [s.hospital_borne, s.patient_compliant, s.patient_noncompliant]


def total_paid(settlements: list[Settlement], payer: Payer) -> Decimal:
    return money_sum(s.paid_by(payer) for s in settlements)


def total_paid_on(
    kind: VisitKind, settlements: list[Settlement], claims: tuple[ClaimFacts, ...], payer: Payer
) -> Decimal:
    """What `payer` paid over the year on claims of one kind (settlements are in claim order)."""
    return money_sum(s.paid_by(payer) for s, c in zip(settlements, claims, strict=True) if c.kind is kind)


# --- a, b: shares ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years(allow_status_changes=True))
def test_every_share_is_a_non_negative_amount_in_fen(year):
    for s in year.settle():
        for amount in shares(s) + [s.total, s.compliant]:
            assert amount >= ZERO, s
            assert amount.as_tuple().exponent == -2, (amount, s)


@PROPERTY_SETTINGS
@given(years(allow_status_changes=True))
def test_every_settlement_allocates_its_total_to_payers_patient_and_hospital(year):
    settlements = year.settle()

    assert [s.claim_id for s in settlements] == [c.claim_id for c in year.claims]
    for s, c in zip(settlements, year.claims):
        s.check_invariant()
        payers = money_sum(layer.amount for layer in s.layers)
        assert s.total == c.total and s.compliant == c.compliant
        assert s.total == payers + s.patient_compliant + s.patient_noncompliant + s.hospital_borne
        assert s.compliant == payers + s.patient_compliant
        assert s.noncompliant == s.patient_noncompliant + s.hospital_borne
        assert [layer.payer for layer in s.layers] == list(year.policy.cascade[c.kind])


# --- c: annual caps ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_annual_caps_of_ncms_and_medical_assistance_are_never_exceeded(year):
    settlements = year.settle()
    p = year.policy

    assert total_paid_on(VisitKind.INPATIENT, settlements, year.claims, Payer.NCMS) <= p.ncms.annual_cap
    assert (
        total_paid_on(VisitKind.OUTPATIENT_CHRONIC, settlements, year.claims, Payer.NCMS)
        <= p.ncms.outpatient_chronic_annual_cap
    )
    assistance = p.assistance.get(year.status)
    ma_paid = total_paid(settlements, Payer.MA)
    if assistance is None:
        assert ma_paid == ZERO
    else:
        assert ma_paid <= assistance.annual_cap


def cap_classes_used(claims: tuple[ClaimFacts, ...], p: PolicyParameters) -> set[Tier]:
    return {p.b351.cap_class_of_tier[c.tier] for c in claims if c.kind is VisitKind.INPATIENT}


@PROPERTY_SETTINGS
@given(years(eligible_only=True, status=PovertyStatus.JIANDANGLIKA))
def test_351_caps_the_years_compliant_self_pay_of_an_eligible_patient(year):
    settlements = year.settle()
    p = year.policy

    self_pay = money_sum(s.patient_compliant for s in settlements)
    caps = [p.b351.caps[cap_class] for cap_class in cap_classes_used(year.claims, p)]
    if year.cap_mode is CapMode.MAX_TIER:
        assert self_pay <= max(caps)
    else:
        assert self_pay <= sum(caps)


# --- d: grouping of charges into admissions ---------------------------------------------------


@st.composite
def groupings(draw, charges: list[tuple[Tier, Decimal]]) -> list[tuple[Tier, Decimal]]:
    """Shuffle the charges and merge runs of same-tier charges into admissions at random."""
    admissions: list[tuple[Tier, Decimal]] = []
    for tier, amount in draw(st.permutations(charges)):
        if admissions and admissions[-1][0] is tier and draw(st.booleans()):
            admissions[-1] = (tier, admissions[-1][1] + amount)
        else:
            admissions.append((tier, amount))
    return admissions


@st.composite
def regroupings(draw):
    charges = draw(st.lists(st.tuples(st.sampled_from(TIERS), amounts), min_size=1, max_size=8))
    return charges, draw(groupings(charges)), draw(groupings(charges))


def eligible_admissions(grouping: list[tuple[Tier, Decimal]]) -> list[ClaimFacts]:
    return [
        claim(
            f"g{i}",
            tier=tier,
            total=amount,
            compliant=amount,
            status=PovertyStatus.JIANDANGLIKA,
            referred=tier not in IN_COUNTY_TIERS,
            in_province=True,
            designated=True,
            service_date=YEAR_START + timedelta(days=i),
        )
        for i, (tier, amount) in enumerate(grouping)
    ]


@PROPERTY_SETTINGS
@given(regroupings(), st.sampled_from(list(SupplementMode)))
def test_regrouping_the_same_charges_into_admissions_never_lifts_self_pay_above_the_351_cap(data, s5090_mode):
    charges, first, second = data
    p = POLICIES[(CapMode.MAX_TIER, s5090_mode)]
    cap = max(p.b351.caps[p.b351.cap_class_of_tier[tier]] for tier, _ in charges)
    compliant = money_sum(amount for _, amount in charges)

    for grouping in (charges, first, second):
        admissions = eligible_admissions(grouping)
        settlements, _ = settle_year((c, p, VERSION) for c in admissions)
        assert money_sum(s.compliant for s in settlements) == compliant
        assert money_sum(s.patient_compliant for s in settlements) <= cap
        assert money_sum(s.patient_share for s in settlements) <= cap


# --- e: replay --------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years(allow_status_changes=True))
def test_replaying_a_year_reproduces_every_settlement_exactly(year):
    first, first_state = settle_year((c, year.policy, VERSION) for c in year.claims)
    again, again_state = settle_year((c, year.policy, VERSION) for c in year.claims)

    assert first == again
    assert [s.to_dict() for s in first] == [s.to_dict() for s in again]
    assert [repr(s.to_dict()) for s in first] == [repr(s.to_dict()) for s in again]
    assert first_state.to_dict() == again_state.to_dict()


@PROPERTY_SETTINGS
@given(years(allow_status_changes=True))
def test_settlement_round_trips_through_its_dict_form(year):
    for s in year.settle():
        data = s.to_dict()
        assert Settlement.from_dict(data) == s
        assert repr(Settlement.from_dict(data).to_dict()) == repr(data)
        as_text = {
            **data,
            "layers": [
                {k: (str(v) if isinstance(v, Decimal) else v) for k, v in layer.items()} for layer in data["layers"]
            ],
            **{k: str(v) for k, v in data.items() if isinstance(v, Decimal)},
        }
        assert Settlement.from_dict(as_text) == s
        assert repr(Settlement.from_dict(as_text).to_dict()) == repr(data)


# --- f: cumulative layers telescope -----------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_cii_paid_over_the_year_equals_the_banded_schedule_of_the_final_cumulative_base(year):
    settlements, state = settle_year((c, year.policy, VERSION) for c in year.claims)
    p = year.policy
    rule = p.cii_poor if year.status in p.poor_statuses else p.cii_general

    inpatient = [s for s, c in zip(settlements, year.claims) if c.kind is VisitKind.INPATIENT]
    base = money_sum(s.compliant - s.paid_by(Payer.NCMS) for s in inpatient)
    expected = to_fen(banded(base, rule.bands))
    if rule.cap is not None:
        expected = min(expected, rule.cap)
    assert state.amount("cii.base") == base
    assert total_paid(settlements, Payer.CII) == expected


@PROPERTY_SETTINGS
@given(years())
def test_5090_h1_and_reassistance_paid_over_the_year_telescope_to_their_rule_on_the_final_base(year):
    """Both are `ratio x (cumulative base - threshold)`, paid as increments; without a cap the year's
    payments add up to the rule applied once to the year's cumulative base."""
    settlements, state = settle_year((c, year.policy, VERSION) for c in year.claims)
    p = year.policy

    reassist_target = to_fen(max(ZERO, state.amount("reassist.base") - p.reassist.threshold) * p.reassist.ratio)
    assert p.reassist.annual_cap is None
    assert total_paid(settlements, Payer.REASSIST) == reassist_target
    if p.s5090.mode is SupplementMode.RATIO_ABOVE_THRESHOLD:
        assert p.s5090.annual_cap is None
        s5090_target = to_fen(max(ZERO, state.amount("s5090.base") - p.s5090.threshold) * p.s5090.ratio)
        assert total_paid(settlements, Payer.S5090) == s5090_target
