"""Golden tests: the worked examples of benefit-rules-research.md section 2.3, to the fen.

One 建档立卡 patient, one year: admission A at the county hospital (total 20,000, compliant
19,000, in county) and admission B at the provincial hospital (total 80,000, compliant 72,000,
referred, in province, designated). Scenario 1 uses the default policy (medical assistance 50 %);
Scenario 2 removes medical assistance for the patient's status, so the "351" backstop triggers.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import money_sum
from domain.rules.settlement import Settlement
from domain.vocabulary import Payer, PovertyStatus, Tier, VisitKind

from .builders import DELETE, claim, policy, settle

NO_MA = {"ma.by_status.jiandanglika": DELETE}
WITHOUT_REASSIST = {"cascade.inpatient": ["ncms", "cii", "ma", "b351", "s5090"]}


def admission_a(**extra):
    return claim("A", tier=Tier.COUNTY, total="20000", compliant="19000", referred=False, **extra)


def admission_b(**extra):
    return claim(
        "B",
        tier=Tier.PROVINCE,
        total="80000",
        compliant="72000",
        referred=True,
        in_province=True,
        designated=True,
        **extra,
    )


def assert_balanced(settlement: Settlement) -> None:
    """total == payers + patient + hospital-borne, checked by the model and by hand."""
    settlement.check_invariant()
    payers = money_sum(layer.amount for layer in settlement.layers)
    assert (
        settlement.total
        == payers + settlement.patient_compliant + settlement.patient_noncompliant + settlement.hospital_borne
    )
    assert settlement.compliant == payers + settlement.patient_compliant
    assert settlement.payer_total == payers
    for amount in [layer.amount for layer in settlement.layers] + [
        settlement.patient_compliant,
        settlement.patient_noncompliant,
        settlement.hospital_borne,
    ]:
        assert amount.as_tuple().exponent == -2, amount


LANGXI_PAYERS = (Payer.NCMS, Payer.CII, Payer.MA, Payer.B351, Payer.S180, Payer.S5090, Payer.REASSIST)


def paid(settlement: Settlement) -> dict[Payer, Decimal]:
    """What each of Langxi's payers paid (the other regions' payers, not in its cascade, paid nothing)."""
    assert all(settlement.paid_by(payer) == Decimal("0.00") for payer in Payer if payer not in LANGXI_PAYERS)
    return {payer: settlement.paid_by(payer) for payer in LANGXI_PAYERS}


# --- Scenario 1: default policy, medical assistance 50 % --------------------------------------


def test_scenario_1_default_policy_splits_each_admission_as_in_the_worked_example():
    (a, b), _ = settle(admission_a(), admission_b(), policy=policy())

    assert a.paid_by(Payer.NCMS) == Decimal("16830.00")
    assert b.paid_by(Payer.NCMS) == Decimal("49700.00")
    assert a.paid_by(Payer.CII) == Decimal("0.00")
    assert b.paid_by(Payer.CII) == Decimal("11682.00")
    assert a.paid_by(Payer.MA) == Decimal("1085.00")
    assert b.paid_by(Payer.MA) == Decimal("5309.00")
    assert a.paid_by(Payer.B351) == Decimal("0.00")
    assert b.paid_by(Payer.B351) == Decimal("0.00")
    for s in (a, b):
        assert s.paid_by(Payer.S5090) == Decimal("0.00")
        assert s.paid_by(Payer.REASSIST) == Decimal("0.00")
        assert s.hospital_borne == Decimal("0.00")
        assert_balanced(s)

    assert a.patient_compliant == Decimal("1085.00")
    assert a.patient_noncompliant == Decimal("1000.00")
    assert a.patient_share == Decimal("2085.00")
    assert b.patient_compliant == Decimal("5309.00")
    assert b.patient_noncompliant == Decimal("8000.00")
    assert b.patient_share == Decimal("13309.00")


def test_scenario_1_year_totals_are_15394_for_the_patient_and_84606_for_payers():
    settlements, state = settle(admission_a(), admission_b(), policy=policy())

    assert money_sum(s.patient_share for s in settlements) == Decimal("15394.00")
    assert money_sum(s.payer_total for s in settlements) == Decimal("84606.00")
    assert money_sum(s.hospital_borne for s in settlements) == Decimal("0.00")
    assert money_sum(s.total for s in settlements) == Decimal("100000.00")
    assert state.amount("cii.base") == Decimal("24470.00")
    assert state.amount("ma.paid") == Decimal("6394.00")


def test_scenario_1_runs_the_default_inpatient_layers_in_cascade_order():
    (a, b), _ = settle(admission_a(), admission_b(), policy=policy())

    expected = [Payer.NCMS, Payer.CII, Payer.MA, Payer.B351, Payer.S5090, Payer.REASSIST]
    assert [layer.payer for layer in a.layers] == expected
    assert [layer.payer for layer in b.layers] == expected


def test_scenario_1_has_no_5090_without_a_confirmed_major_disease():
    (a, b), _ = settle(admission_a(), admission_b(), policy=policy())

    for s in (a, b):
        (layer,) = [layer for layer in s.layers if layer.payer is Payer.S5090]
        assert layer.eligible is False
        assert layer.amount == Decimal("0.00")


# --- Scenario 2: no medical assistance; "351" MAX_TIER triggers in B --------------------------


def test_scenario_2_max_tier_backstop_pays_2788_in_b_and_caps_compliant_self_pay_at_10000():
    (a, b), state = settle(admission_a(), admission_b(), policy=policy(**NO_MA))

    assert paid(a) == {
        Payer.NCMS: Decimal("16830.00"),
        Payer.CII: Decimal("0.00"),
        Payer.MA: Decimal("0.00"),
        Payer.B351: Decimal("0.00"),
        Payer.S180: Decimal("0.00"),
        Payer.S5090: Decimal("0.00"),
        Payer.REASSIST: Decimal("0.00"),
    }
    assert paid(b) == {
        Payer.NCMS: Decimal("49700.00"),
        Payer.CII: Decimal("11682.00"),
        Payer.MA: Decimal("0.00"),
        Payer.B351: Decimal("2788.00"),
        Payer.S180: Decimal("0.00"),
        Payer.S5090: Decimal("0.00"),
        Payer.REASSIST: Decimal("0.00"),
    }
    (ma_layer,) = [layer for layer in b.layers if layer.payer is Payer.MA]
    assert ma_layer.eligible is False

    assert a.patient_compliant == Decimal("2170.00")
    assert b.patient_compliant == Decimal("7830.00")
    assert a.patient_compliant + b.patient_compliant == Decimal("10000.00")
    assert a.patient_share == Decimal("3170.00")
    assert b.patient_share == Decimal("15830.00")
    assert a.patient_share + b.patient_share == Decimal("19000.00")
    assert state.amount("b351.paid") == Decimal("2788.00")
    for s in (a, b):
        assert s.hospital_borne == Decimal("0.00")
        assert_balanced(s)


def test_scenario_2_is_the_same_when_assistance_is_dropped_from_the_cascade_instead():
    without_ma_layer = policy(**{"cascade.inpatient": ["ncms", "cii", "b351", "s5090", "reassist"]})
    (a1, b1), _ = settle(admission_a(), admission_b(), policy=without_ma_layer)
    (a2, b2), _ = settle(admission_a(), admission_b(), policy=policy(**NO_MA))

    assert b1.paid_by(Payer.B351) == b2.paid_by(Payer.B351) == Decimal("2788.00")
    assert (
        (a1.patient_share, b1.patient_share)
        == (a2.patient_share, b2.patient_share)
        == (Decimal("3170.00"), Decimal("15830.00"))
    )
    assert Payer.MA not in {layer.payer for layer in b1.layers}
    for s in (a1, b1):
        assert_balanced(s)


def test_scenario_2_variant_per_tier_additive_without_reassistance_pays_618_and_leaves_21170():
    p = policy(**NO_MA, **{"b351.cap_mode": "per_tier_additive"}, **WITHOUT_REASSIST)
    (a, b), state = settle(admission_a(), admission_b(), policy=p)

    assert a.paid_by(Payer.B351) == Decimal("0.00")
    assert b.paid_by(Payer.B351) == Decimal("618.00")
    assert state.amount("b351.counted.county") == Decimal("2170.00")
    assert state.amount("b351.counted.province") == Decimal("10000.00")
    assert a.patient_compliant + b.patient_compliant == Decimal("12170.00")
    assert a.patient_share == Decimal("3170.00")
    assert b.patient_share == Decimal("18000.00")
    assert a.patient_share + b.patient_share == Decimal("21170.00")
    assert [layer.payer for layer in b.layers] == [Payer.NCMS, Payer.CII, Payer.MA, Payer.B351, Payer.S5090]
    for s in (a, b):
        assert_balanced(s)


def test_scenario_2_variant_per_tier_additive_with_default_reassistance_pays_1302_and_leaves_19868():
    """The default cascade already ends with 再救助 (60 % above 10,000): it pays (12,170 - 10,000) x 60 %."""
    p = policy(**NO_MA, **{"b351.cap_mode": "per_tier_additive"})
    assert p.cascade[VisitKind.INPATIENT][-1] is Payer.REASSIST
    (a, b), state = settle(admission_a(), admission_b(), policy=p)

    assert b.paid_by(Payer.B351) == Decimal("618.00")
    assert a.paid_by(Payer.REASSIST) == Decimal("0.00")
    assert b.paid_by(Payer.REASSIST) == Decimal("1302.00")
    assert state.amount("reassist.base") == Decimal("12170.00")
    assert a.patient_compliant + b.patient_compliant == Decimal("10868.00")
    assert a.patient_share + b.patient_share == Decimal("19868.00")
    for s in (a, b):
        assert_balanced(s)


def test_scenario_2_reassistance_pays_nothing_under_max_tier_because_351_caps_self_pay_at_10000():
    (a, b), state = settle(admission_a(), admission_b(), policy=policy(**NO_MA))

    assert a.paid_by(Payer.REASSIST) == Decimal("0.00")
    assert b.paid_by(Payer.REASSIST) == Decimal("0.00")
    assert state.amount("reassist.base") == Decimal("10000.00")


def test_scenario_2_variant_5090_h1_pays_4500_for_a_confirmed_major_disease():
    esrd = {"major_diseases": ("esrd",)}
    (a, b), state = settle(admission_a(**esrd), admission_b(**esrd), policy=policy(**NO_MA))

    assert b.paid_by(Payer.B351) == Decimal("2788.00")
    assert a.paid_by(Payer.S5090) == Decimal("0.00")  # cumulative 2,170 is below the 5,000 threshold
    assert b.paid_by(Payer.S5090) == Decimal("4500.00")  # (10,000 - 5,000) x 90 %
    assert a.paid_by(Payer.REASSIST) + b.paid_by(Payer.REASSIST) == Decimal("0.00")
    assert state.amount("s5090.base") == Decimal("10000.00")
    assert a.patient_compliant + b.patient_compliant == Decimal("5500.00")
    assert b.patient_share == Decimal("11330.00")
    assert a.patient_share + b.patient_share == Decimal("14500.00")
    for s in (a, b):
        assert_balanced(s)


def test_scenario_2_variant_5090_h2_tops_b_up_to_90_percent_of_total_cost():
    p = policy(
        **NO_MA, **{"s5090.mode": "target_actual_ratio", "s5090.target_ratio": "0.90", "s5090.target_base": "total"}
    )
    esrd = {"major_diseases": ("esrd",)}
    (a, b), _ = settle(admission_a(**esrd), admission_b(**esrd), policy=p)

    assert b.paid_by(Payer.B351) == Decimal("2788.00")
    assert b.paid_by(Payer.S5090) == Decimal("7830.00")  # 72,000 - 64,170
    assert b.patient_compliant == Decimal("0.00")
    assert b.patient_share == Decimal("8000.00")  # the non-compliant cost only
    assert b.payer_total == Decimal("72000.00")
    # H2 is per admission: A is topped up too, 90 % x 20,000 - 16,830
    assert a.paid_by(Payer.S5090) == Decimal("1170.00")
    assert a.patient_share == Decimal("2000.00")
    for s in (a, b):
        assert_balanced(s)


def test_scenario_2_variant_5090_h2_on_compliant_cost_tops_b_up_by_630():
    p = policy(
        **NO_MA, **{"s5090.mode": "target_actual_ratio", "s5090.target_ratio": "0.90", "s5090.target_base": "compliant"}
    )
    esrd = {"major_diseases": ("esrd",)}
    (a, b), _ = settle(admission_a(**esrd), admission_b(**esrd), policy=p)

    assert b.paid_by(Payer.S5090) == Decimal("630.00")  # 90 % x 72,000 - 64,170
    assert b.patient_compliant == Decimal("7200.00")
    assert b.patient_share == Decimal("15200.00")
    assert a.paid_by(Payer.S5090) == Decimal("270.00")  # 90 % x 19,000 - 16,830
    for s in (a, b):
        assert_balanced(s)


def test_scenario_2_base_case_pays_no_5090_without_a_major_disease_even_in_h2_mode():
    p = policy(**NO_MA, **{"s5090.mode": "target_actual_ratio"})
    (a, b), _ = settle(admission_a(), admission_b(), policy=p)

    assert a.paid_by(Payer.S5090) == Decimal("0.00")
    assert b.paid_by(Payer.S5090) == Decimal("0.00")
    assert b.patient_share == Decimal("15830.00")


# --- "180": chronic outpatient -------------------------------------------------------------------


def test_chronic_outpatient_180_pays_80_percent_of_what_ncms_leaves():
    visit = claim(
        "C",
        kind=VisitKind.OUTPATIENT_CHRONIC,
        tier=Tier.COUNTY,
        total="4000",
        compliant="4000",
        chronic_certified=True,
        status=PovertyStatus.JIANDANGLIKA,
    )
    (s,), state = settle(visit, policy=policy())

    assert [layer.payer for layer in s.layers] == [Payer.NCMS, Payer.S180]
    assert s.paid_by(Payer.NCMS) == Decimal("2400.00")
    assert s.paid_by(Payer.S180) == Decimal("1280.00")
    assert s.patient_compliant == Decimal("320.00")
    assert s.patient_noncompliant == Decimal("0.00")
    assert s.patient_share == Decimal("320.00")
    assert s.hospital_borne == Decimal("0.00")
    assert state.amount("ncms.outpatient_paid") == Decimal("2400.00")
    assert state.amount("ncms.inpatient_paid") == Decimal("0.00")
    assert_balanced(s)


def test_chronic_outpatient_without_certificate_gets_no_180():
    visit = claim("C", kind=VisitKind.OUTPATIENT_CHRONIC, total="4000", chronic_certified=False)
    (s,), _ = settle(visit, policy=policy())

    (s180_layer,) = [layer for layer in s.layers if layer.payer is Payer.S180]
    assert s180_layer.eligible is False
    assert s180_layer.amount == Decimal("0.00")
    assert s.patient_share == Decimal("4000.00") - s.paid_by(Payer.NCMS)
    assert_balanced(s)
