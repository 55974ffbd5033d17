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
