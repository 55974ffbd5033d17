"""One store holding Langxi and a Hainan county: projections take Hainan's payers without failing, and each
county's dashboard and totals hold only its own figures (Langxi's are those of Langxi alone)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tests.application.scenario import admit_and_settle
from tests.application.scenario import poor_patient as patient
from tests.projections.builders import catch_up, publish, worked_example

from domain.policy.loader import load_default_policy
from projections.annual_totals import annual_totals
from projections.county_dashboard import county_dashboard
from projections.store import ViewStore
from service.ledger import BenefitLedger

QIONGZHONG = "469030"
QZ_COUNTY_HOSPITAL = {
    "code": "QZ-001",
    "name": "琼中县人民医院",
    "tier": "county",
    "county_code": QIONGZHONG,
    "in_county": True,
    "in_province": True,
    "designated": True,
}


def test_a_hainan_settlement_is_projected_beside_langxi_and_stays_in_its_county(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    publish(ledger)
    publish(ledger, load_default_policy(QIONGZHONG))
    worked_example(ledger)
    patient(ledger, "QZ-1", county=QIONGZHONG)
    # tests/unit/test_hainan_golden_examples.py case 3, admission A: ncms 25,065.00, hpsi 2,054.50, ma 616.35
    result = admit_and_settle(
        ledger, "QZ-1", "QZ-1-A", QZ_COUNTY_HOSPITAL, total="30000", compliant="28000", day=date(2018, 3, 12)
    )
    assert result["policy_version"] == "hainan-2017.1"
    assert [layer["payer"] for layer in result["layers"]] == ["ncms", "cii", "hpsi", "ma", "charity"]
    catch_up(ledger, views)

    totals = annual_totals(views, "QZ-1", 2018)
    assert totals is not None
    assert totals["payer_total"] == D("27735.85")  # 25,065.00 + 2,054.50 + 616.35
    assert totals["patient_share"] == D("2264.15")
    assert totals["total_cost"] == totals["payer_total"] + totals["patient_share"] + totals["hospital_borne"]
    hainan = county_dashboard(views, QIONGZHONG, 2018)
    assert (hainan["person_times"], hainan["total_cost"], hainan["compensation"]) == (1, D("30000.00"), D("27735.85"))
    langxi = county_dashboard(views, "341821", 2018)
    assert (langxi["person_times"], langxi["total_cost"], langxi["compensation"]) == (2, D("100000.00"), D("84606.00"))


def _hainan_county(ledger: BenefitLedger) -> None:
    """Two 琼中 patients: QZ-E (食管癌 capped at 省肿瘤医院, 500.00 charity grant; card, check-up, ordinary
    class, 4 follow-ups) and QZ-H (an ordinary admission at the county hospital; high-risk, 2 follow-ups)."""
    from tests.application.hainan_scenario import QZ_COUNTY_HOSPITAL as COUNTY
    from tests.application.hainan_scenario import TUMOUR_HOSPITAL as TUMOUR
    from tests.application.hainan_scenario import (
        admit_and_settle_hainan,
        confirm_and_plan,
        grant,
        hainan_patient,
        oesophagectomy,
    )

    from service.commands import (
        ClassifyChronicRisk,
        IssueHealthCard,
        RecordFollowUp,
        RecordHealthCheckUp,
        SignFamilyDoctorContract,
    )

    for ref in ("QZ-E", "QZ-H"):
        hainan_patient(ledger, ref)
        ledger.handle(
            SignFamilyDoctorContract(
                command_id=f"{ref}:fd", patient_ref=ref, doctor="黎医生", signed_on=date(2018, 1, 5)
            )
        )
    confirm_and_plan(ledger, "QZ-E")
    grant(ledger, "QZ-E", "G-1", "500")
    oesophagectomy(ledger, "QZ-E", TUMOUR)
    admit_and_settle_hainan(ledger, "QZ-H", "QZ-H-A", COUNTY, total="30000", compliant="28000", day=date(2018, 3, 12))
    ledger.handle(IssueHealthCard(command_id="card", patient_ref="QZ-E", card_no="HC-1", issued_on=date(2018, 1, 10)))
    ledger.handle(RecordHealthCheckUp(command_id="chk", patient_ref="QZ-E", checked_on=date(2018, 3, 15)))
    for ref, risk in (("QZ-E", "ordinary"), ("QZ-H", "high_risk")):
        ledger.handle(
            ClassifyChronicRisk(command_id=f"{ref}:risk", patient_ref=ref, risk=risk, classified_on=date(2018, 1, 6))
        )
    for ref, months in (("QZ-E", (2, 5, 8, 11)), ("QZ-H", (3, 6))):
        for m in months:
            ledger.handle(
                RecordFollowUp(
                    command_id=f"{ref}:fu:{m}", patient_ref=ref, followed_up_on=date(2018, m, 3), heart_rate=70
                )
            )


def test_each_countys_dashboard_has_its_own_payers_and_health_management_rates(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    """琼中 2018 (tests/application/test_hainan_settlement_service.py has each settlement's arithmetic):

    QZ-E  ncms 37,125.00  cii 4,725.00  hpsi 5,705.00  ma 1,711.50  charity 500.00   hospital 8,000.00  patient 233.50
    QZ-H  ncms 25,065.00  cii     0.00  hpsi 2,054.50  ma   616.35  charity   0.00   hospital     0.00  patient 2,264.15
    sum   ncms 62,190.00  cii 4,725.00  hpsi 7,759.50  ma 2,327.85  charity 500.00 = 77,502.35 compensation;
          88,000.00 total = 77,502.35 + 2,497.65 patient + 8,000.00 hospital-borne
    rates 大病救治率 1/1; health card 1/2; check-up 1/2; poor contract 2/2; follow-ups on the yearly
          schedule (ordinary 4, high-risk 12): QZ-E 4 >= 4, QZ-H 2 < 12 -> 1/2; to July (ceil(4 x 7/12) = 3,
          ceil(12 x 7/12) = 7): QZ-E 2, QZ-H 2 -> 0/2
    Langxi: the worked example only (2 person-times, 84,606.00), none of 琼中's payers or facts.
    """
    from projections.health_rates import county_programme

    publish(ledger)
    publish(ledger, load_default_policy(QIONGZHONG))
    worked_example(ledger)
    _hainan_county(ledger)
    catch_up(ledger, views)

    programme = county_programme(ledger, QIONGZHONG, date(2018, 12, 31))
    hainan = county_dashboard(views, QIONGZHONG, 2018, programme=programme)
    assert (hainan["person_times"], hainan["total_cost"], hainan["compensation"]) == (
        2,
        D("88000.00"),
        D("77502.35"),
    )
    assert hainan["compensation_by_payer"] == {
        "ncms": D("62190.00"),
        "cii": D("4725.00"),
        "ma": D("2327.85"),
        "b351": D("0.00"),
        "s180": D("0.00"),
        "s5090": D("0.00"),
        "reassist": D("0.00"),
        "hpsi": D("7759.50"),
        "charity": D("500.00"),
    }
    assert (hainan["paid_hpsi"], hainan["paid_charity"]) == (D("7759.50"), D("500.00"))
    assert (hainan["patient_share"], hainan["hospital_borne"]) == (D("2497.65"), D("8000.00"))
    assert hainan["major_disease_treatment_rate"] == D("1.0000")
    assert (hainan["poor_patients"], hainan["health_card_rate"], hainan["check_up_rate"]) == (
        2,
        D("0.5000"),
        D("0.5000"),
    )
    assert (hainan["poor_contract_rate"], hainan["high_risk_patients"], hainan["ordinary_chronic_patients"]) == (
        D("1.0000"),
        1,
        1,
    )
    assert (hainan["follow_up_on_schedule"], hainan["follow_up_schedule_rate"]) == (1, D("0.5000"))
    assert hainan["follow_ups"] == 6
    july = county_dashboard(
        views,
        QIONGZHONG,
        2018,
        month=7,
        cumulative=True,
        programme=county_programme(ledger, QIONGZHONG, date(2018, 7, 31)),
    )
    assert (july["follow_up_scheduled_patients"], july["follow_up_on_schedule"]) == (2, 0)

    langxi = county_dashboard(views, "341821", 2018, programme=county_programme(ledger, "341821", date(2018, 12, 31)))
    assert (langxi["person_times"], langxi["total_cost"], langxi["compensation"]) == (2, D("100000.00"), D("84606.00"))
    assert (langxi["paid_hpsi"], langxi["paid_charity"]) == (D("0.00"), D("0.00"))
    assert (langxi["poor_patients"], langxi["health_card_patients"], langxi["poor_contracted"]) == (1, 0, 0)
    assert langxi["follow_ups"] == 0 and langxi["high_risk_patients"] == 0
    assert langxi["follow_up_schedule_rate"] is None  # the Langxi policy sets no follow-up schedule
    assert annual_totals(views, "QZ-E", 2018)["paid_charity"] == D("500.00")
