"""Golden tests for Hainan (琼中, 469030, policy hainan-2017.1), to the fen, with their arithmetic.

The shipped Hainan parameters the examples use (all ILLUSTRATIVE, see docs/hainan.md):

  basic insurance (ncms)   poor: deductible x 0.5, ratio + 0.05
                           county 300 @ 0.85 -> 150 @ 0.90; city 600 @ 0.75 -> 300 @ 0.80;
                           province 1000 @ 0.70 -> 500 @ 0.75
  大病保险 (cii, poor)      annual threshold 5,000; 60 % to 50,000, 70 % above
  健康扶贫补充保险 (hpsi)    建档立卡 only; annual, no threshold; 70 % to 10,000, 90 % above; cap 100,000
  医疗救助 (ma)             建档立卡 70 %, annual limit 20,000
  慈善医疗救助 (charity)     100 % of what is left, within the grants recorded for the patient-year
  hospital-borne           建档立卡: non-compliant cost above 10 % of the (billable) total
  单病种收费标准             食管癌 surgery at province level 50,000; excess taken from non-compliant cost first

Every admission is of a 建档立卡 patient, in province, at an NCMS-designated hospital; province and city
admissions are referred.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.money import money_sum
from domain.rules.audit_deduction import DisallowedLine, compute_deduction
from domain.rules.claim import ClaimFacts
from domain.rules.major_disease_treatment import Handling
from domain.rules.settlement import Settlement
from domain.vocabulary import Payer, PovertyStatus, Tier, Treatment, VisitKind

from .builders import HAINAN_VERSION, claim, hainan_policy, settle

HAINAN_CASCADE = [Payer.NCMS, Payer.CII, Payer.HPSI, Payer.MA, Payer.CHARITY]
ESOPHAGEAL = {
    "major_diseases": ("esophageal_cancer",),
    "disease_treated": "esophageal_cancer",
    "treatment": Treatment.SURGERY,
}


def hainan_settle(*claims: ClaimFacts, **overrides):
    return settle(*claims, policy=hainan_policy(**overrides), version=HAINAN_VERSION)


def paid(settlement: Settlement) -> dict[Payer, Decimal]:
    return {layer.payer: layer.amount for layer in settlement.layers}


def layer(settlement: Settlement, payer: Payer):
    (found,) = [result for result in settlement.layers if result.payer is payer]
    return found


def assert_balanced(settlement: Settlement) -> None:
    """total == payers + patient + hospital-borne; the payers and the patient share the billable compliant cost."""
    settlement.check_invariant()
    payers = money_sum(result.amount for result in settlement.layers)
    assert (
        settlement.total
        == payers + settlement.patient_compliant + settlement.patient_noncompliant + settlement.hospital_borne
    )
    assert settlement.compliant == payers + settlement.patient_compliant + settlement.excess_compliant
    for amount in [result.amount for result in settlement.layers] + [
        settlement.patient_compliant,
        settlement.patient_noncompliant,
        settlement.hospital_borne,
    ]:
        assert amount.as_tuple().exponent == -2, amount


def oesophagectomy(**extra) -> ClaimFacts:
    """食管癌 surgery: billed 58,000, of which 52,000 compliant (6,000 out of catalogue); referred to the province."""
    facts = {"tier": Tier.PROVINCE, "total": "58000", "compliant": "52000", "referred": True, **ESOPHAGEAL, **extra}
    return claim("E", **facts)


# --- 1. single-disease case: capped at the standard, the excess hospital-borne ------------------


def test_single_disease_admission_is_capped_at_the_standard_and_the_excess_is_hospital_borne():
    """At the designated centre (省肿瘤医院), standard 50,000:

    excess        58,000 - 50,000 = 8,000 hospital-borne: 6,000 non-compliant first, then 2,000 compliant
    billable      50,000, all compliant (52,000 - 2,000); non-compliant 0, so no 10 % hospital-borne part
    ncms          (50,000 - 500) x 0.75                     = 37,125.00   left 12,875.00
    cii           (12,875 - 5,000) x 0.60                   =  4,725.00   left  8,150.00
    hpsi          8,150 x 0.70                              =  5,705.00   left  2,445.00
    ma            2,445 x 0.70                              =  1,711.50   left    733.50
    charity       no grant recorded                         =      0.00
    patient       733.50 compliant + 0 non-compliant        =    733.50
    check         49,266.50 payers + 733.50 patient + 8,000 hospital = 58,000
    """
    (s,), state = hainan_settle(oesophagectomy(designated_centre=True))

    assert [result.payer for result in s.layers] == HAINAN_CASCADE
    assert paid(s) == {
        Payer.NCMS: Decimal("37125.00"),
        Payer.CII: Decimal("4725.00"),
        Payer.HPSI: Decimal("5705.00"),
        Payer.MA: Decimal("1711.50"),
        Payer.CHARITY: Decimal("0.00"),
    }
    assert s.payer_total == Decimal("49266.50")
    assert s.hospital_borne == Decimal("8000.00")
    assert s.patient_compliant == Decimal("733.50")
    assert s.patient_noncompliant == Decimal("0.00")
    assert s.patient_share == Decimal("733.50")
    outcome = s.major_disease
    assert outcome is not None
    assert outcome.handling is Handling.CAPPED and not outcome.flagged
    assert outcome.standard == Decimal("50000")
    assert outcome.standard_from == date(2017, 8, 11)
    assert (outcome.billable_total, outcome.billable_compliant) == (Decimal("50000.00"), Decimal("50000.00"))
    assert (outcome.excess, outcome.excess_noncompliant, outcome.excess_compliant) == (
        Decimal("8000.00"),
        Decimal("6000.00"),
        Decimal("2000.00"),
    )
    # the settlement's explanation says what the hospital bears and why (the audit trail shows it)
    assert "single-disease standard 50000" in s.hospital_borne_explanation
    assert "8000.00 hospital-borne (6000.00 non-compliant, 2000.00 compliant" in s.hospital_borne_explanation
    assert state.amount("hpsi.base") == Decimal("8150.00")
    assert state.amount("cii.base") == Decimal("12875.00")
    assert_balanced(s)


def test_single_disease_excess_pro_rata_takes_the_compliant_share_of_the_bill():
    """`excess_allocation = pro_rata`: 8,000 x 52,000 / 58,000 = 7,172.41 compliant, 827.59 non-compliant.

    billable      50,000 = 44,827.59 compliant + 5,172.41 non-compliant
    hospital      5,172.41 - 10 % x 50,000 = 172.41 more is hospital-borne: 8,172.41 in all
    ncms          (44,827.59 - 500) x 0.75 = 33,245.6925    = 33,245.69   left 11,581.90
    cii           (11,581.90 - 5,000) x 0.60                =  3,949.14   left  7,632.76
    hpsi          7,632.76 x 0.70 = 5,342.932               =  5,342.93   left  2,289.83
    ma            2,289.83 x 0.70 = 1,602.881               =  1,602.88   left    686.95
    patient       686.95 + (5,172.41 - 172.41)              =  5,686.95
    """
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True), **{"major_disease.excess_allocation": "pro_rata"})

    assert s.major_disease is not None
    assert s.major_disease.excess_compliant == Decimal("7172.41")
    assert s.major_disease.excess_noncompliant == Decimal("827.59")
    assert paid(s) == {
        Payer.NCMS: Decimal("33245.69"),
        Payer.CII: Decimal("3949.14"),
        Payer.HPSI: Decimal("5342.93"),
        Payer.MA: Decimal("1602.88"),
        Payer.CHARITY: Decimal("0.00"),
    }
    assert s.hospital_borne == Decimal("8172.41")
    assert s.patient_compliant == Decimal("686.95")
    assert s.patient_noncompliant == Decimal("5000.00")
    assert s.patient_share == Decimal("5686.95")
    assert_balanced(s)


def test_single_disease_admission_billed_within_the_standard_is_settled_on_its_actual_cost():
    """Billed 42,000 (all compliant) against 50,000: nothing is capped.

    ncms (42,000 - 500) x 0.75 = 31,125.00, left 10,875.00; cii (10,875 - 5,000) x 0.60 = 3,525.00,
    left 7,350.00; hpsi x 0.70 = 5,145.00, left 2,205.00; ma x 0.70 = 1,543.50; patient 661.50.
    """
    (s,), _ = hainan_settle(
        claim("E", tier=Tier.PROVINCE, total="42000", referred=True, designated_centre=True, **ESOPHAGEAL)
    )

    assert s.major_disease is not None and s.major_disease.handling is Handling.WITHIN_STANDARD
    assert s.major_disease.excess == Decimal("0.00")
    assert s.hospital_borne == Decimal("0.00")
    assert s.paid_by(Payer.NCMS) == Decimal("31125.00")
    assert s.paid_by(Payer.CII) == Decimal("3525.00")
    assert s.paid_by(Payer.HPSI) == Decimal("5145.00")
    assert s.paid_by(Payer.MA) == Decimal("1543.50")
    assert s.patient_share == Decimal("661.50")
    assert_balanced(s)


# --- 2. non-designated case: flagged; paid without the standard, or referred --------------------


def test_major_disease_at_a_non_designated_hospital_is_flagged_and_paid_without_the_standard():
    """The same bill at a city hospital that is not a designated centre for 食管癌 (default policy:
    `non_designated = pay_without_standard`): no cap, the ordinary rules.

    hospital      6,000 non-compliant - 10 % x 58,000 = 200.00 hospital-borne
    ncms          (52,000 - 300) x 0.80                     = 41,360.00   left 10,640.00
    cii           (10,640 - 5,000) x 0.60                   =  3,384.00   left  7,256.00
    hpsi          7,256 x 0.70                              =  5,079.20   left  2,176.80
    ma            2,176.80 x 0.70                           =  1,523.76   left    653.04
    patient       653.04 + (6,000 - 200)                    =  6,453.04
    """
    (s,), _ = hainan_settle(oesophagectomy(tier=Tier.CITY, designated_centre=False))

    outcome = s.major_disease
    assert outcome is not None
    assert outcome.handling is Handling.NON_DESIGNATED_PAID and outcome.flagged
    assert outcome.standard is None and outcome.excess == Decimal("0.00")
    assert paid(s) == {
        Payer.NCMS: Decimal("41360.00"),
        Payer.CII: Decimal("3384.00"),
        Payer.HPSI: Decimal("5079.20"),
        Payer.MA: Decimal("1523.76"),
        Payer.CHARITY: Decimal("0.00"),
    }
    assert s.hospital_borne == Decimal("200.00")
    assert s.patient_compliant == Decimal("653.04")
    assert s.patient_noncompliant == Decimal("5800.00")
    assert s.patient_share == Decimal("6453.04")
    assert "flagged; paid without the single-disease standard" in s.hospital_borne_explanation
    assert_balanced(s)


def test_major_disease_at_a_non_designated_hospital_is_referred_when_the_policy_says_so():
    """`non_designated = refer`: 健康扶贫补充保险 and 医疗救助 (referral_excluded_payers) do not pay.

    ncms 41,360.00 and cii 3,384.00 as above; the patient keeps 7,256.00 compliant + 5,800.00 = 13,056.00.
    """
    (s,), state = hainan_settle(
        oesophagectomy(tier=Tier.CITY, designated_centre=False), **{"major_disease.non_designated": "refer"}
    )

    assert s.major_disease is not None and s.major_disease.handling is Handling.NON_DESIGNATED_REFERRED
    assert s.major_disease.excluded_payers == (Payer.HPSI, Payer.MA)
    assert [result.payer for result in s.layers] == HAINAN_CASCADE
    assert paid(s) == {
        Payer.NCMS: Decimal("41360.00"),
        Payer.CII: Decimal("3384.00"),
        Payer.HPSI: Decimal("0.00"),
        Payer.MA: Decimal("0.00"),
        Payer.CHARITY: Decimal("0.00"),
    }
    for payer in (Payer.HPSI, Payer.MA):
        assert layer(s, payer).eligible is False
        assert "referred" in layer(s, payer).explanation
    assert s.patient_compliant == Decimal("7256.00")
    assert s.patient_share == Decimal("13056.00")
    assert s.hospital_borne == Decimal("200.00")
    assert state.amount("hpsi.paid") == Decimal("0.00") and state.amount("ma.paid") == Decimal("0.00")
    assert_balanced(s)


def test_designated_centre_without_a_standard_for_the_treatment_is_settled_on_its_actual_cost():
    """No 食管癌 standard for county-level surgery: settled as at a city hospital, nothing capped."""
    (s,), _ = hainan_settle(
        oesophagectomy(tier=Tier.COUNTY, referred=False, designated_centre=True, treatment=Treatment.SURGERY)
    )

    assert s.major_disease is not None and s.major_disease.handling is Handling.NO_STANDARD
    assert s.major_disease.excess == Decimal("0.00")
    assert "no single-disease standard in force on 2018-06-01" in s.major_disease.explanation
    assert_balanced(s)


def test_unconfirmed_major_disease_is_an_ordinary_admission_with_the_reason_recorded():
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True, major_diseases=()))
    (plain,), _ = hainan_settle(claim("E", tier=Tier.PROVINCE, total="58000", compliant="52000", referred=True))

    assert s.major_disease is not None and s.major_disease.handling is Handling.NOT_CONFIRMED
    assert "not a confirmed (核准) diagnosis" in s.major_disease.explanation
    assert [result.amount for result in s.layers] == [result.amount for result in plain.layers]
    assert s.patient_share == plain.patient_share and s.hospital_borne == plain.hospital_borne


def test_a_standard_is_effective_dated_within_the_policy_version():
    """A revised row from 2018-07-01 (55,000) applies to a discharge on 2018-07-15, not to one on 2018-06-01."""
    rows = {
        "major_disease.standards.esophageal_cancer.surgery.province": [["2017-08-11", "50000"], ["2018-07-01", "55000"]]
    }
    (june,), _ = hainan_settle(oesophagectomy(designated_centre=True), **rows)
    (july,), _ = hainan_settle(oesophagectomy(designated_centre=True, service_date=date(2018, 7, 15)), **rows)

    assert june.major_disease is not None and june.major_disease.standard == Decimal("50000")
    assert july.major_disease is not None and july.major_disease.standard == Decimal("55000")
    assert july.major_disease.standard_from == date(2018, 7, 1)
    assert july.hospital_borne == Decimal("3000.00")  # 58,000 - 55,000, all from the 6,000 non-compliant
    assert july.major_disease.excess_compliant == Decimal("0.00")
    assert_balanced(july)


def test_non_poor_patient_and_langxi_policy_are_untouched_by_the_programme():
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True, status=PovertyStatus.NONE))
    (langxi,), _ = settle(oesophagectomy(designated_centre=True))

    assert s.major_disease is None and s.hospital_borne == Decimal("0.00")
    assert langxi.major_disease is None
    assert "major_disease" not in langxi.to_dict()


# --- 3. 健康扶贫补充保险 case: banded on the year's cumulative self-pay -------------------------------


def test_health_poverty_insurance_pays_banded_on_the_years_cumulative_self_pay():
    """A at the county hospital (30,000, compliant 28,000), then B at the provincial hospital (80,000,
    compliant 72,000), no major disease.

    A  ncms  (28,000 - 150) x 0.90          = 25,065.00   left 2,935.00
       cii   2,935 is below the 5,000 threshold =  0.00
       hpsi  f(2,935) = 2,935 x 0.70        =  2,054.50   left   880.50
       ma    880.50 x 0.70                  =    616.35   left   264.15
       patient 264.15 + 2,000 non-compliant (not above 10 % of 30,000) = 2,264.15
    B  ncms  (72,000 - 500) x 0.75          = 53,625.00   left 18,375.00
       cii   base 2,935 + 18,375 = 21,310: (21,310 - 5,000) x 0.60 = 9,786.00   left 8,589.00
       hpsi  base 2,935 + 8,589 = 11,524: f = 10,000 x 0.70 + 1,524 x 0.90 = 8,371.60,
             less 2,054.50 paid on A        =  6,317.10   left 2,271.90
       ma    2,271.90 x 0.70 = 1,590.33 (616.35 + 1,590.33 within the 20,000 limit)   left 681.57
       patient 681.57 + 8,000 (exactly 10 % of 80,000, none hospital-borne) = 8,681.57
    """
    a = claim("A", tier=Tier.COUNTY, total="30000", compliant="28000")
    b = claim("B", tier=Tier.PROVINCE, total="80000", compliant="72000", referred=True)
    (sa, sb), state = hainan_settle(a, b)

    assert paid(sa) == {
        Payer.NCMS: Decimal("25065.00"),
        Payer.CII: Decimal("0.00"),
        Payer.HPSI: Decimal("2054.50"),
        Payer.MA: Decimal("616.35"),
        Payer.CHARITY: Decimal("0.00"),
    }
    assert paid(sb) == {
        Payer.NCMS: Decimal("53625.00"),
        Payer.CII: Decimal("9786.00"),
        Payer.HPSI: Decimal("6317.10"),
        Payer.MA: Decimal("1590.33"),
        Payer.CHARITY: Decimal("0.00"),
    }
    assert layer(sb, Payer.HPSI).base == Decimal("11524.00")
    assert layer(sb, Payer.HPSI).paid_before == Decimal("2054.50")
    assert sa.patient_share == Decimal("2264.15")
    assert sb.patient_share == Decimal("8681.57")
    assert state.amount("hpsi.base") == Decimal("11524.00")
    assert state.amount("hpsi.paid") == Decimal("8371.60")  # f(11,524): the year telescopes
    assert state.amount("ma.paid") == Decimal("2206.68")
    assert money_sum(s.patient_share for s in (sa, sb)) == Decimal("10945.72")
    for s in (sa, sb):
        assert s.major_disease is None
        assert_balanced(s)


def test_health_poverty_insurance_covers_only_its_statuses():
    """A 低保 patient gets no 健康扶贫补充保险 (建档立卡 only): 医疗救助 takes 70 % of the 2,935 left."""
    (s,), _ = hainan_settle(claim("A", tier=Tier.COUNTY, total="30000", compliant="28000", status=PovertyStatus.DIBAO))

    assert layer(s, Payer.HPSI).eligible is False
    assert s.paid_by(Payer.HPSI) == Decimal("0.00")
    assert s.paid_by(Payer.MA) == Decimal("2054.50")  # 2,935 x 0.70
    assert s.patient_compliant == Decimal("880.50")
    assert_balanced(s)


def test_health_poverty_insurance_annual_cap_holds():
    """Cap lowered to 5,000: A pays 2,054.50, B pays what is left of the cap, 2,945.50."""
    a = claim("A", tier=Tier.COUNTY, total="30000", compliant="28000")
    b = claim("B", tier=Tier.PROVINCE, total="80000", compliant="72000", referred=True)
    (sa, sb), state = hainan_settle(a, b, **{"hpsi.annual_cap": "5000"})

    assert sa.paid_by(Payer.HPSI) == Decimal("2054.50")
    assert sb.paid_by(Payer.HPSI) == Decimal("2945.50")
    assert state.amount("hpsi.paid") == Decimal("5000.00")
    assert "annual cap 5000" in layer(sb, Payer.HPSI).explanation


def test_outpatient_chronic_visit_runs_basic_insurance_then_health_poverty_insurance():
    """4,000 compliant: ncms 4,000 x 0.65 (0.60 + 0.05) = 2,600.00; hpsi 1,400 x 0.70 = 980.00; patient 420.00."""
    visit = claim("O", kind=VisitKind.OUTPATIENT_CHRONIC, tier=Tier.COUNTY, total="4000", chronic_certified=True)
    (s,), _ = hainan_settle(visit)

    assert paid(s) == {Payer.NCMS: Decimal("2600.00"), Payer.HPSI: Decimal("980.00")}
    assert s.patient_share == Decimal("420.00")
    assert_balanced(s)


# --- 4. charity case: the last payer, out of the recorded grants ------------------------------------


def test_charity_pays_what_is_left_out_of_the_grant_until_it_is_used_up():
    """Grants of 300.00 recorded for the patient-year. A as in case 3 leaves 264.15 compliant after
    医疗救助: charity pays it all (ratio 1.00), 35.85 of the grant is left.

    C at the county hospital (10,000, all compliant):
       ncms  (10,000 - 150) x 0.90           = 8,865.00   left 1,135.00
       cii   base 2,935 + 1,135 = 4,070, below 5,000 = 0.00
       hpsi  f(4,070) = 2,849.00 less 2,054.50 =  794.50   left   340.50
       ma    340.50 x 0.70                   =   238.35   left   102.15
       charity  102.15 x 1.00 = 102.15, limited to the balance 300.00 - 264.15 = 35.85   left 66.30
    """
    a = claim("A", tier=Tier.COUNTY, total="30000", compliant="28000", charity_granted="300")
    c = claim("C", tier=Tier.COUNTY, total="10000", charity_granted="300")
    (sa, sc), state = hainan_settle(a, c)

    assert sa.paid_by(Payer.CHARITY) == Decimal("264.15")
    assert sa.patient_compliant == Decimal("0.00")
    assert sa.patient_share == Decimal("2000.00")  # the non-compliant cost only
    assert paid(sc) == {
        Payer.NCMS: Decimal("8865.00"),
        Payer.CII: Decimal("0.00"),
        Payer.HPSI: Decimal("794.50"),
        Payer.MA: Decimal("238.35"),
        Payer.CHARITY: Decimal("35.85"),
    }
    assert "limited by the grant balance to 35.85" in layer(sc, Payer.CHARITY).explanation
    assert sc.patient_share == Decimal("66.30")
    assert state.amount("charity.paid") == Decimal("300.00")
    for s in (sa, sc):
        assert_balanced(s)


def test_charity_pays_nothing_without_a_grant_or_for_uncovered_statuses():
    (none,), _ = hainan_settle(claim("A", tier=Tier.COUNTY, total="30000", compliant="28000"))
    (rich,), _ = hainan_settle(
        claim("A", tier=Tier.COUNTY, total="30000", status=PovertyStatus.NONE, charity_granted="1000")
    )

    assert layer(none, Payer.CHARITY).eligible is False
    assert layer(none, Payer.CHARITY).explanation == "not eligible: no charity grant recorded"
    assert layer(rich, Payer.CHARITY).eligible is False
    assert rich.paid_by(Payer.CHARITY) == Decimal("0.00")


def test_later_grants_raise_the_pool_for_later_settlements():
    """A second grant of 200.00 recorded before C: the pool is 500.00, C's 102.15 is paid in full."""
    a = claim("A", tier=Tier.COUNTY, total="30000", compliant="28000", charity_granted="300")
    c = claim("C", tier=Tier.COUNTY, total="10000", charity_granted="500")
    (_, sc), state = hainan_settle(a, c)

    assert sc.paid_by(Payer.CHARITY) == Decimal("102.15")
    assert sc.patient_share == Decimal("0.00")
    assert state.amount("charity.paid") == Decimal("366.30")


# --- the audit trail of a capped admission ----------------------------------------------------------


def test_audit_deduction_on_a_capped_admission_leaves_the_excess_share_with_the_hospital():
    """A disallowed compliant line of 1,000 on case 1 (compliant 52,000):

    patient  1,000 x 733.50 / 52,000 = 14.105...  = 14.11 (refunded: hold-harmless)
    hospital 1,000 x 2,000 / 52,000  = 38.461...  = 38.46 (the compliant excess it already bore)
    funds    1,000 - 14.11 - 38.46                = 947.43 recovered from the hospital's advance
    """
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True))
    deduction = compute_deduction([DisallowedLine("7", "drug", Decimal("1000.00"), True)], s, hold_harmless=True)

    (row,) = deduction.lines
    assert row["patient_paid"] == Decimal("14.11")
    assert row["hospital_already_bore"] == Decimal("38.46")
    assert row["fund_recovery"] == Decimal("947.43")
    assert deduction.patient_refund == Decimal("14.11")


@pytest.mark.parametrize("compliant", [True, False])
def test_audit_deduction_splits_sum_to_the_line_on_capped_settlements(compliant):
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True), **{"major_disease.excess_allocation": "pro_rata"})
    deduction = compute_deduction([DisallowedLine("1", "x", Decimal("4321.09"), compliant)], s, hold_harmless=True)

    (row,) = deduction.lines
    assert row["fund_recovery"] + row["patient_paid"] + row["hospital_already_bore"] == Decimal("4321.09")
    assert min(row["fund_recovery"], row["patient_paid"], row["hospital_already_bore"]) >= Decimal("0.00")


# --- recorded forms ----------------------------------------------------------------------------------


def test_a_capped_settlement_round_trips_through_its_recorded_form():
    (s,), _ = hainan_settle(oesophagectomy(designated_centre=True, charity_granted="100"))
    data = s.to_dict()

    assert data["major_disease"]["handling"] == "capped"
    assert data["major_disease"]["excess"] == Decimal("8000.00")
    assert Settlement.from_dict(data) == s
    as_text = {
        **data,
        "major_disease": {k: str(v) if isinstance(v, Decimal) else v for k, v in data["major_disease"].items()},
    }
    assert Settlement.from_dict(as_text) == s
    assert repr(Settlement.from_dict(as_text).to_dict()) == repr(data)


def test_claim_facts_record_the_new_facts_only_when_they_are_set():
    hainan = oesophagectomy(designated_centre=True, charity_granted="250.50")
    plain = claim("P", tier=Tier.COUNTY, total="1000")

    recorded = hainan.to_dict()
    assert recorded["disease_treated"] == "esophageal_cancer"
    assert recorded["treatment"] == "surgery"
    assert recorded["designated_centre"] is True
    assert recorded["charity_granted"] == Decimal("250.50")
    assert ClaimFacts.from_dict(recorded) == hainan
    assert not {"disease_treated", "treatment", "designated_centre", "charity_granted"} & set(plain.to_dict())


def test_claim_recorded_before_the_new_facts_existed_reads_with_defaults_and_records_byte_for_byte():
    old = {
        "claim_id": "B#1",
        "kind": "inpatient",
        "tier": "province",
        "in_county": False,
        "in_province": True,
        "designated": True,
        "referred": True,
        "service_date": "2018-06-01",
        "total": "80000.00",
        "compliant": "72000.00",
        "poverty_status": "jiandanglika",
        "chronic_certified": False,
        "major_diseases": ["esrd"],
    }
    facts = ClaimFacts.from_dict(old)

    assert facts.disease_treated is None and facts.treatment is None
    assert facts.designated_centre is False and facts.charity_granted == Decimal("0.00")
    again = facts.to_dict()
    assert list(again) == list(old)
    assert {k: str(v) if isinstance(v, Decimal) else v for k, v in again.items()} == old
