"""Property tests of the Hainan cascade (基本医保 -> 大病保险 -> 健康扶贫补充保险 -> 医疗救助 -> 慈善医疗救助)
and the 大病集中救治 rules, over random patient-years.

A patient-year is 1-6 claims (inpatient or outpatient chronic) at township/county/city/province
hospitals, some treating one of the nine major diseases (confirmed or not, with or without a
treatment, at a designated centre or not), with charity grants that grow over the year; settled in
order under the shipped Hainan policy with a random non-designated handling and excess allocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.money import ZERO, money_sum, to_fen
from domain.policy.major_disease import ExcessAllocation, NonDesignatedHandling
from domain.policy.parameters import PolicyParameters
from domain.rules.cascade import settle_year
from domain.rules.claim import ClaimFacts
from domain.rules.layers.cii import banded
from domain.rules.major_disease_treatment import Handling
from domain.rules.settlement import Settlement
from domain.vocabulary import Payer, PovertyStatus, Tier, Treatment, VisitKind

from .builders import IN_COUNTY_TIERS, claim, hainan_policy, policy

TIERS = (Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY, Tier.PROVINCE)
STATUSES = (
    PovertyStatus.JIANDANGLIKA,
    PovertyStatus.JIANDANGLIKA,
    PovertyStatus.DIBAO,
    PovertyStatus.TEKUN,
    PovertyStatus.NONE,
)
_MAJOR = hainan_policy().major_disease
assert _MAJOR is not None
DISEASES = _MAJOR.diseases
# (disease, treatment, hospital level) with a shipped single-disease standard: drawn often, so admissions are capped
STANDARD_KEYS = sorted(_MAJOR.standards, key=str)
YEAR_START = date(2018, 1, 1)
VERSION = "hainan-prop"

POLICIES: dict[tuple[NonDesignatedHandling, ExcessAllocation], PolicyParameters] = {
    (handling, allocation): hainan_policy(
        **{"major_disease.non_designated": handling.value, "major_disease.excess_allocation": allocation.value}
    )
    for handling in NonDesignatedHandling
    for allocation in ExcessAllocation
}
LANGXI = policy()

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

amounts = st.one_of(
    st.decimals(min_value=0, max_value=5000, places=2),
    st.decimals(min_value=5000, max_value=100000, places=2),
    st.decimals(min_value=50000, max_value=300000, places=2),
)
compliant_percents = st.one_of(st.integers(min_value=85, max_value=100), st.integers(min_value=0, max_value=100))


@dataclass(frozen=True)
class Year:
    claims: tuple[ClaimFacts, ...]
    policy: PolicyParameters
    status: PovertyStatus

    def settle(self) -> tuple[list[Settlement], object]:
        return settle_year((c, self.policy, VERSION) for c in self.claims)


@st.composite
def claim_facts(draw, index: int, status: PovertyStatus, granted: Decimal) -> ClaimFacts:
    kind = draw(st.sampled_from([VisitKind.INPATIENT, VisitKind.INPATIENT, VisitKind.OUTPATIENT_CHRONIC]))
    tier = draw(st.sampled_from(TIERS))
    disease, treatment = None, None
    choice = draw(st.sampled_from(["none", "standard", "standard", "any"]))
    if choice == "standard":
        disease, treatment, tier = draw(st.sampled_from(STANDARD_KEYS))
    elif choice == "any":
        disease = draw(st.sampled_from(DISEASES))
        treatment = draw(st.one_of(st.none(), st.sampled_from(list(Treatment))))
    in_county = tier in IN_COUNTY_TIERS
    total = draw(amounts)
    compliant = to_fen(total * draw(compliant_percents) / 100)
    confirmed = disease is not None and draw(st.sampled_from([True, True, False]))
    return claim(
        f"h{index}",
        kind=kind,
        tier=tier,
        total=total,
        compliant=compliant,
        status=status,
        in_county=in_county,
        in_province=True,
        designated=draw(st.booleans()),
        referred=True if not in_county else draw(st.booleans()),
        service_date=YEAR_START + timedelta(days=30 * index),
        chronic_certified=draw(st.booleans()),
        major_diseases=(disease,) if confirmed else (),
        disease_treated=disease,
        treatment=treatment,
        designated_centre=draw(st.sampled_from([True, True, False])) if disease else False,
        charity_granted=granted,
    )


@st.composite
def years(draw) -> Year:
    handling = draw(st.sampled_from(list(NonDesignatedHandling)))
    allocation = draw(st.sampled_from(list(ExcessAllocation)))
    status = draw(st.sampled_from(STATUSES))
    n = draw(st.integers(min_value=1, max_value=6))
    granted = ZERO
    claims = []
    for i in range(n):
        granted += draw(st.sampled_from([ZERO, ZERO, Decimal("100.00"), Decimal("2500.50")]))  # grants only add up
        claims.append(draw(claim_facts(i, status, granted)))
    return Year(tuple(claims), POLICIES[(handling, allocation)], status)


def shares(s: Settlement) -> list[Decimal]:
    return [layer.amount for layer in s.layers] + [s.hospital_borne, s.patient_compliant, s.patient_noncompliant]


def total_paid(settlements: list[Settlement], payer: Payer) -> Decimal:
    return money_sum(s.paid_by(payer) for s in settlements)


# --- shares and invariants ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_every_share_is_a_non_negative_amount_in_fen_and_every_settlement_balances(year):
    settlements, _ = year.settle()

    for s, c in zip(settlements, year.claims, strict=True):
        s.check_invariant()
        for amount in shares(s):
            assert amount >= ZERO and amount.as_tuple().exponent == -2, (amount, s)
        assert (s.total, s.compliant) == (c.total, c.compliant)
        assert s.total == s.payer_total + s.patient_share + s.hospital_borne
        assert s.compliant == s.payer_total + s.patient_compliant + s.excess_compliant
        assert [layer.payer for layer in s.layers] == list(year.policy.cascade[c.kind])


@PROPERTY_SETTINGS
@given(years())
def test_no_payer_pays_more_than_what_remains_of_the_billable_compliant_cost(year):
    settlements, _ = year.settle()

    for s in settlements:
        remaining = s.compliant - s.excess_compliant
        for layer in s.layers:
            assert ZERO <= layer.amount <= remaining, (layer, remaining)
            remaining -= layer.amount
        assert remaining == s.patient_compliant


# --- 大病集中救治 ---------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_single_disease_standard_caps_what_the_payers_and_patient_are_billed(year):
    settlements, _ = year.settle()
    rule = year.policy.major_disease
    assert rule is not None

    for s, c in zip(settlements, year.claims, strict=True):
        outcome = s.major_disease
        concerned = (
            c.kind is VisitKind.INPATIENT and c.disease_treated is not None and c.poverty_status in rule.statuses
        )
        assert (outcome is not None) == concerned
        if outcome is None:
            continue
        assert s.hospital_borne >= outcome.excess
        assert outcome.excess == s.total - outcome.billable_total
        assert ZERO <= outcome.excess_compliant <= c.compliant
        assert ZERO <= outcome.excess_noncompliant <= c.noncompliant
        if outcome.handling is Handling.CAPPED:
            assert c.designated_centre and c.disease_treated in c.major_diseases and c.treatment is not None
            row = rule.standard_on(c.disease_treated, c.treatment, c.tier, c.service_date)
            assert row is not None and outcome.billable_total == row.amount < c.total
            assert s.payer_total + s.patient_share <= row.amount  # nobody but the hospital pays above it
            if rule.excess_allocation is ExcessAllocation.NONCOMPLIANT_FIRST and outcome.excess_compliant:
                assert outcome.excess_noncompliant == c.noncompliant
        else:
            assert outcome.excess == ZERO
        if outcome.flagged:
            assert not c.designated_centre
        for payer in outcome.excluded_payers:
            assert s.paid_by(payer) == ZERO
        if outcome.excluded_payers:
            assert outcome.handling is Handling.NON_DESIGNATED_REFERRED


# --- annual caps and the cumulative layers -----------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_health_poverty_insurance_paid_over_the_year_telescopes_to_its_schedule_within_the_cap(year):
    settlements, state = year.settle()
    rule = year.policy.hpsi
    assert rule is not None

    expected = to_fen(banded(state.amount("hpsi.base"), rule.bands))
    if rule.annual_cap is not None:
        expected = min(expected, rule.annual_cap)
    assert total_paid(settlements, Payer.HPSI) == expected == state.amount("hpsi.paid")
    if year.status not in rule.statuses:
        assert expected == ZERO


@PROPERTY_SETTINGS
@given(years())
def test_cii_and_medical_assistance_keep_their_schedule_and_limit(year):
    settlements, state = year.settle()
    p = year.policy
    cii = p.cii_poor if year.status in p.poor_statuses else p.cii_general

    target = to_fen(banded(state.amount("cii.base"), cii.bands))
    assert total_paid(settlements, Payer.CII) == (target if cii.cap is None else min(target, cii.cap))
    assistance = p.assistance.get(year.status)
    assert total_paid(settlements, Payer.MA) <= (ZERO if assistance is None else assistance.annual_cap)


@PROPERTY_SETTINGS
@given(years())
def test_charity_never_pays_beyond_the_grants_recorded(year):
    settlements, state = year.settle()

    paid_before = ZERO
    for s, c in zip(settlements, year.claims, strict=True):
        paid = s.paid_by(Payer.CHARITY)
        assert paid <= max(ZERO, c.charity_granted - paid_before)
        paid_before += paid
    assert paid_before == state.amount("charity.paid") <= year.claims[-1].charity_granted


# --- replay -------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(years())
def test_replaying_a_hainan_year_reproduces_every_settlement_exactly(year):
    first, first_state = year.settle()
    again, again_state = year.settle()

    assert first == again
    assert [repr(s.to_dict()) for s in first] == [repr(s.to_dict()) for s in again]
    assert first_state.to_dict() == again_state.to_dict()


@PROPERTY_SETTINGS
@given(years())
def test_replaying_from_the_recorded_forms_reproduces_every_settlement(year):
    """What a BenefitYear records (claim and settlement dicts) is enough to settle the year again."""
    settlements, _ = year.settle()
    recorded_claims = [ClaimFacts.from_dict(c.to_dict()) for c in year.claims]

    assert recorded_claims == list(year.claims)
    replayed, _ = settle_year((c, year.policy, VERSION) for c in recorded_claims)
    assert [repr(s.to_dict()) for s in replayed] == [repr(s.to_dict()) for s in settlements]
    for s in settlements:
        assert Settlement.from_dict(s.to_dict()) == s


@PROPERTY_SETTINGS
@given(years())
def test_under_langxi_policy_the_hainan_facts_change_nothing_but_the_recorded_claim(year):
    """The Langxi policy has no 大病集中救治 rules and no charity layer: its settlements ignore the new facts."""
    plain = [
        ClaimFacts.from_dict(
            {
                k: v
                for k, v in c.to_dict().items()
                if k not in ("disease_treated", "treatment", "designated_centre", "charity_granted")
            }
        )
        for c in year.claims
    ]
    with_facts, _ = settle_year((c, LANGXI, VERSION) for c in year.claims)
    without, _ = settle_year((c, LANGXI, VERSION) for c in plain)

    assert [repr(s.to_dict()) for s in with_facts] == [repr(s.to_dict()) for s in without]
    assert all("major_disease" not in s.to_dict() for s in with_facts)
