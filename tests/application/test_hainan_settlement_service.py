"""琼中 (469030) settlements through the real service, on SQLite and PostgreSQL: the Hainan cascade
ncms -> cii -> hpsi -> ma -> charity with the 大病集中救治 facts the ledger holds (the admission's diagnosis,
the county expert group's treatment plan, the policy's designated centres) and the charity grants
recorded. Golden figures to the fen, written out (all parameters ILLUSTRATIVE, see docs/hainan.md):

  ncms (poor)   county 150 @ 0.90, city 300 @ 0.80, province 500 @ 0.75
  cii (poor)    annual threshold 5,000, 60 % to 50,000
  hpsi          建档立卡; 70 % of the year's cumulative self-pay to 10,000, 90 % above
  ma            建档立卡 70 %, annual limit 20,000
  charity       100 % of what is left, within the grants recorded for the patient-year
  hospital      建档立卡: non-compliant above 10 % of the (billable) total; 单病种 excess above the standard
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from tests.application.hainan_scenario import (
    CITY_HOSPITAL,
    PEOPLE_HOSPITAL,
    QZ_COUNTY_HOSPITAL,
    TUMOUR_HOSPITAL,
    admit_and_settle_hainan,
    confirm_and_plan,
    grant,
    hainan_patient,
    oesophagectomy,
    publish_hainan,
)
from tests.application.scenario import paid, publish_default, worked_example

from domain.errors import StateConflictError, ValidationError
from service.commands import InvalidCommandError, RecordTreatmentPlan, RegisterAdmission
from service.ledger import BenefitLedger
from service.major_disease_facts import disease_of_diagnosis, is_designated_centre

HAINAN_PAYERS = ["ncms", "cii", "hpsi", "ma", "charity"]


def amounts(result: dict) -> dict[str, D]:
    return {payer: paid(result, payer) for payer in HAINAN_PAYERS}


@pytest.fixture
def hainan(ledger: BenefitLedger) -> BenefitLedger:
    publish_default(ledger)
    publish_hainan(ledger)
    return ledger


def test_single_disease_admission_at_the_designated_centre_is_capped_and_the_excess_hospital_borne(
    hainan: BenefitLedger,
) -> None:
    """食管癌 confirmed, treatment plan: surgery; 省肿瘤医院 (the policy's centre), standard 50,000.

    excess   58,000 - 50,000 = 8,000 hospital-borne: 6,000 non-compliant first, then 2,000 compliant
    ncms     (50,000 - 500) x 0.75        = 37,125.00   left 12,875.00
    cii      (12,875 - 5,000) x 0.60      =  4,725.00   left  8,150.00
    hpsi     8,150 x 0.70                 =  5,705.00   left  2,445.00
    ma       2,445 x 0.70                 =  1,711.50   left    733.50
    charity  no grant                     =      0.00
    patient  733.50; check 49,266.50 + 733.50 + 8,000.00 = 58,000.00
    """
    hainan_patient(hainan, "QZ-E")
    confirm_and_plan(hainan, "QZ-E")
    result = oesophagectomy(hainan, "QZ-E", TUMOUR_HOSPITAL)

    assert result["policy_version"] == "hainan-2017.1"
    assert [layer["payer"] for layer in result["layers"]] == HAINAN_PAYERS
    assert amounts(result) == {
        "ncms": D("37125.00"),
        "cii": D("4725.00"),
        "hpsi": D("5705.00"),
        "ma": D("1711.50"),
        "charity": D("0.00"),
    }
    assert result["payer_total"] == D("49266.50")
    assert result["patient_share"] == D("733.50")
    assert D(result["hospital_borne"]) == D("8000.00")
    assert result["payer_total"] + result["patient_share"] + D(result["hospital_borne"]) == D("58000.00")
    major = result["major_disease"]
    assert (major["disease"], major["treatment"], major["handling"], major["flagged"]) == (
        "esophageal_cancer",
        "surgery",
        "capped",
        False,
    )
    assert major["designated_centre"] is True
    assert D(major["excess_noncompliant"]) == D("6000.00") and D(major["excess_compliant"]) == D("2000.00")
    assert "single-disease standard 50000" in result["hospital_borne_explanation"]

    # the auditor's record holds the frozen facts, and re-deriving the year gives the same figures
    record = hainan.get_benefit_year("QZ-E", 2018).settlements[0]
    assert record["claim"]["disease_treated"] == "esophageal_cancer"
    assert record["claim"]["treatment"] == "surgery"
    assert record["claim"]["designated_centre"] is True
    assert hainan.verify_benefit_year("QZ-E", 2018)["verified"] is True


def test_the_same_case_at_a_non_designated_hospital_is_flagged_and_paid_without_the_standard(
    hainan: BenefitLedger,
) -> None:
    """A city hospital that is not a centre for 食管癌 (policy: pay_without_standard): no cap.

    hospital 6,000 non-compliant - 10 % x 58,000 = 200.00 hospital-borne
    ncms     (52,000 - 300) x 0.80        = 41,360.00   left 10,640.00
    cii      (10,640 - 5,000) x 0.60      =  3,384.00   left  7,256.00
    hpsi     7,256 x 0.70                 =  5,079.20   left  2,176.80
    ma       2,176.80 x 0.70              =  1,523.76   left    653.04
    patient  653.04 + (6,000 - 200)       =  6,453.04
    """
    hainan_patient(hainan, "QZ-N")
    confirm_and_plan(hainan, "QZ-N")
    result = oesophagectomy(hainan, "QZ-N", CITY_HOSPITAL)

    assert amounts(result) == {
        "ncms": D("41360.00"),
        "cii": D("3384.00"),
        "hpsi": D("5079.20"),
        "ma": D("1523.76"),
        "charity": D("0.00"),
    }
    assert D(result["hospital_borne"]) == D("200.00")
    assert result["patient_share"] == D("6453.04")
    major = result["major_disease"]
    assert (major["handling"], major["flagged"], major["designated_centre"]) == ("non_designated_paid", True, False)
    assert "flagged; paid without the single-disease standard" in result["hospital_borne_explanation"]


def test_a_provincial_centre_for_another_disease_is_not_designated_for_this_one(hainan: BenefitLedger) -> None:
    """省人民医院 is a centre for 儿童白血病 and 重型地中海贫血, not 食管癌: flagged like any other hospital."""
    hainan_patient(hainan, "QZ-P")
    confirm_and_plan(hainan, "QZ-P")
    result = oesophagectomy(hainan, "QZ-P", PEOPLE_HOSPITAL)
    assert result["major_disease"]["handling"] == "non_designated_paid"
    policy = hainan.policy_in_force("469030", date(2018, 6, 1), datetime.now(UTC))[1]
    assert is_designated_centre(policy, "HN-PEOPLE", "thalassemia_major")
    assert not is_designated_centre(policy, "HN-PEOPLE", "esophageal_cancer")


def test_health_poverty_insurance_pays_banded_on_the_years_cumulative_self_pay(hainan: BenefitLedger) -> None:
    """A at 琼中县人民医院 (30,000 / 28,000 compliant), then B at 省人民医院 (80,000 / 72,000), no major disease.

    A  ncms  (28,000 - 150) x 0.90               = 25,065.00   left 2,935.00
       cii   2,935 below the 5,000 threshold      =      0.00
       hpsi  2,935 x 0.70                         =  2,054.50   left   880.50
       ma    880.50 x 0.70                        =    616.35   left   264.15
       patient 264.15 + 2,000 non-compliant       =  2,264.15
    B  ncms  (72,000 - 500) x 0.75                = 53,625.00   left 18,375.00
       cii   (2,935 + 18,375 - 5,000) x 0.60      =  9,786.00   left  8,589.00
       hpsi  base 2,935 + 8,589 = 11,524: 10,000 x 0.70 + 1,524 x 0.90 = 8,371.60 - 2,054.50
                                                  =  6,317.10   left  2,271.90
       ma    2,271.90 x 0.70                      =  1,590.33   left    681.57
       patient 681.57 + 8,000 (exactly 10 % of 80,000) = 8,681.57
    """
    hainan_patient(hainan, "QZ-H")
    a = admit_and_settle_hainan(
        hainan, "QZ-H", "QZ-H-A", QZ_COUNTY_HOSPITAL, total="30000", compliant="28000", day=date(2018, 3, 12)
    )
    b = admit_and_settle_hainan(
        hainan,
        "QZ-H",
        "QZ-H-B",
        PEOPLE_HOSPITAL,
        total="80000",
        compliant="72000",
        day=date(2018, 5, 20),
        referred=True,
        diagnosis="肺炎",
    )
    assert amounts(a) == {
        "ncms": D("25065.00"),
        "cii": D("0.00"),
        "hpsi": D("2054.50"),
        "ma": D("616.35"),
        "charity": D("0.00"),
    }
    assert a["patient_share"] == D("2264.15")
    assert amounts(b) == {
        "ncms": D("53625.00"),
        "cii": D("9786.00"),
        "hpsi": D("6317.10"),
        "ma": D("1590.33"),
        "charity": D("0.00"),
    }
    assert b["patient_share"] == D("8681.57")
    assert "major_disease" not in a and "major_disease" not in b


def test_charity_pays_last_out_of_the_grants_recorded_for_the_patient_year(hainan: BenefitLedger) -> None:
    """The capped 食管癌 case with 500.00 granted for 2018 (and 900.00 for 2019, which does not count):

    E  ma leaves 733.50; charity min(733.50 x 1.00, 500.00 - 0) = 500.00; patient 233.50.
    B  琼中县人民医院, 2,000 all compliant, 2018-09-03:
       ncms (2,000 - 150) x 0.90 = 1,665.00, left 335.00; cii 335 x 0.60 = 201.00 (threshold passed on E),
       left 134.00; hpsi base 8,150 + 134 = 8,284 x 0.70 = 5,798.80 - 5,705.00 = 93.80, left 40.20;
       ma 40.20 x 0.70 = 28.14, left 12.06; charity: grants 500.00 - paid 500.00, used up = 0.00;
       patient 12.06.
    D  the same bill after a further 50.00 grant (G-2), 2018-10-08: ncms 1,665.00, cii 201.00,
       hpsi 8,418 x 0.70 = 5,892.60 - 5,798.80 = 93.80, ma 28.14, charity min(12.06, 550 - 500) = 12.06,
       patient 0.00.
    """
    hainan_patient(hainan, "QZ-C")
    confirm_and_plan(hainan, "QZ-C")
    grant(hainan, "QZ-C", "G-1", "500")
    grant(hainan, "QZ-C", "G-2019", "900", year=2019)
    result = oesophagectomy(hainan, "QZ-C", TUMOUR_HOSPITAL)

    assert amounts(result) == {
        "ncms": D("37125.00"),
        "cii": D("4725.00"),
        "hpsi": D("5705.00"),
        "ma": D("1711.50"),
        "charity": D("500.00"),
    }
    assert result["patient_share"] == D("233.50")
    assert hainan.get_benefit_year("QZ-C", 2018).settlements[0]["claim"]["charity_granted"] in ("500.00", D("500.00"))

    later = admit_and_settle_hainan(
        hainan, "QZ-C", "QZ-C-B", QZ_COUNTY_HOSPITAL, total="2000", compliant="2000", day=date(2018, 9, 3)
    )
    assert amounts(later) == {
        "ncms": D("1665.00"),
        "cii": D("201.00"),
        "hpsi": D("93.80"),
        "ma": D("28.14"),
        "charity": D("0.00"),
    }
    assert later["patient_share"] == D("12.06")
    charity = next(layer for layer in later["layers"] if layer["payer"] == "charity")
    assert "used up" in charity["explanation"]
    grant(hainan, "QZ-C", "G-2", "50")  # a new grant feeds the next settlement
    third = admit_and_settle_hainan(
        hainan, "QZ-C", "QZ-C-D", QZ_COUNTY_HOSPITAL, total="2000", compliant="2000", day=date(2018, 10, 8)
    )
    assert amounts(third) == {**amounts(later), "charity": D("12.06")}
    assert third["patient_share"] == D("0.00")
    assert hainan.verify_benefit_year("QZ-C", 2018)["verified"] is True


def test_diagnosis_without_a_treatment_plan_applies_no_standard(hainan: BenefitLedger) -> None:
    hainan_patient(hainan, "QZ-X")
    confirm_and_plan(hainan, "QZ-X", treatment=None)
    result = oesophagectomy(hainan, "QZ-X", TUMOUR_HOSPITAL)
    assert result["major_disease"]["handling"] == "no_standard"
    assert result["major_disease"]["treatment"] is None
    # no cap: only the 10 % rule, 6,000 non-compliant - 10 % x 58,000 = 200.00 hospital-borne
    assert D(result["hospital_borne"]) == D("200.00")


def test_langxi_is_unchanged_beside_hainan(hainan: BenefitLedger) -> None:
    a, b = worked_example(hainan)
    assert a["payer_total"] + b["payer_total"] == D("84606.00")
    assert (
        "major_disease" not in a
        and "charity_granted" not in hainan.get_benefit_year("P-2.3", 2018).settlements[0]["claim"]
    )


def test_the_client_cannot_say_its_hospital_is_a_designated_centre(hainan: BenefitLedger) -> None:
    with pytest.raises(InvalidCommandError):
        RegisterAdmission(
            command_id="x",
            admission_ref="QZ-Z-A",
            patient_ref="QZ-Z",
            kind="inpatient",
            hospital={**CITY_HOSPITAL, "designated_centre": True},
            admitted_on=date(2018, 6, 1),
        )


def test_a_treatment_plan_names_a_programme_disease_of_the_patients_region(hainan: BenefitLedger) -> None:
    hainan_patient(hainan, "QZ-T")
    plan = {"patient_ref": "QZ-T", "treatment": "surgery", "decided_on": date(2018, 4, 20), "expert_group": "专家组"}
    with pytest.raises(ValidationError):
        hainan.handle(RecordTreatmentPlan(command_id="t1", disease="influenza", **plan))
    worked_example(hainan, "P-LX")
    with pytest.raises(StateConflictError):
        hainan.handle(
            RecordTreatmentPlan(command_id="t2", disease="esophageal_cancer", **{**plan, "patient_ref": "P-LX"})
        )


def test_the_diagnosis_names_the_disease_by_code_or_chinese_name(hainan: BenefitLedger) -> None:
    policy = hainan.policy_in_force("469030", date(2018, 6, 1), datetime.now(UTC))[1]
    assert disease_of_diagnosis(policy, "esophageal_cancer") == "esophageal_cancer"
    assert disease_of_diagnosis(policy, "直肠癌术后") == "rectal_cancer"
    assert disease_of_diagnosis(policy, "肺炎") is None and disease_of_diagnosis(policy, "") is None
