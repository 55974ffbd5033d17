"""Hospital advance ledger with findings and refunds; the county dashboard (Langxi + Hainan figures)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.projections.builders import (
    COUNTY_HOSPITAL,
    PROVINCE_HOSPITAL,
    REGION,
    admit_and_settle,
    catch_up,
    patient,
    publish,
    worked_example,
)

from domain.errors import ValidationError
from projections import audit_findings, county_dashboard, county_months, hospital_entries, hospital_ledger
from projections.store import ViewStore
from service.commands import (
    CertifyChronicDisease,
    ConfirmMajorDisease,
    PayPatientRefund,
    RecordAuditFinding,
    RecordFollowUp,
    RecordFundReimbursement,
    SignFamilyDoctorContract,
    WithdrawAuditFinding,
)
from service.ledger import BenefitLedger

D = Decimal


def test_advances_reimbursements_deductions_and_refunds(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)
    ledger.handle(
        RecordFundReimbursement(
            command_id="r1",
            hospital_code="LX-001",
            fund="ncms",
            amount=D("10000.00"),
            received_on=date(2018, 8, 1),
            reference="NCMS-0801",
        )
    )
    ledger.handle(
        RecordAuditFinding(
            command_id="f1",
            finding_ref="F1",
            admission_ref="P-WE-A",
            line_nos=["1"],
            reason="unreasonable_examination",
            found_on=date(2018, 7, 5),
        )
    )
    ledger.handle(
        RecordAuditFinding(
            command_id="f2",
            finding_ref="F2",
            admission_ref="P-WE-B",
            line_nos=["2"],
            reason="unreasonable_drug",
            found_on=date(2018, 7, 5),
        )
    )
    with pytest.raises(ValidationError, match="exceeds what ncms owes hospital LX-001"):  # F1 deducted 17,915
        ledger.handle(
            RecordFundReimbursement(
                command_id="r2", hospital_code="LX-001", fund="ncms", amount=D("0.01"), received_on=date(2018, 8, 2)
            )
        )
    ledger.handle(
        PayPatientRefund(command_id="f1:pay", finding_ref="F1", amount=D("1085.00"), paid_on=date(2018, 7, 9))
    )
    ledger.handle(
        WithdrawAuditFinding(command_id="f2:w", finding_ref="F2", reason="appeal upheld", withdrawn_on=date(2018, 8, 1))
    )
    catch_up(ledger, views)
    county, province = hospital_ledger(views)[1], hospital_ledger(views)[0]
    assert (province["hospital_code"], county["hospital_code"]) == ("AH-001", "LX-001")
    funds = {f["fund"]: f for f in county["funds"]}
    # A: ncms 16,830 and ma 1,085 advanced; ncms reimbursed 10,000; F1 deducts 17,915 from the ncms advance
    assert (funds["ncms"]["advanced"], funds["ncms"]["reimbursed"], funds["ncms"]["deducted"]) == (
        D("16830.00"),
        D("10000.00"),
        D("17915.00"),
    )
    assert funds["ncms"]["balance"] == D("16830.00") - D("10000.00") - D("17915.00")
    assert funds["ma"]["balance"] == D("1085.00")
    assert county["balance"] == D("-10000.00")  # ncms -11,085 (deducted more than it advanced) + ma 1,085
    assert (county["settlements"], county["advanced"], county["total_cost"]) == (1, D("17915.00"), D("20000.00"))
    province_funds = {f["fund"]: f for f in province["funds"]}
    assert (province_funds["ncms"]["deducted"], province_funds["ncms"]["reversed"]) == (D("0.00"), D("0.00"))
    assert province["balance"] == D("66691.00")
    assert [(e["kind"], e["fund"], e["amount"]) for e in hospital_entries(views, "LX-001")] == [
        ("advance", "ncms", D("16830.00")),
        ("advance", "ma", D("1085.00")),
        ("reimbursement", "ncms", D("10000.00")),
        ("deduction", "ncms", D("17915.00")),
    ]
    f1, f2 = audit_findings(views)
    assert (f1["patient_refund_due"], f1["refund_paid"], f1["refund_outstanding"], f1["status"]) == (
        D("1085.00"),
        D("1085.00"),
        D("0.00"),
        "settled",
    )
    assert (f2["patient_refund_due"], f2["refund_outstanding"], f2["status"]) == (D("8000.00"), D("0.00"), "withdrawn")
    assert audit_findings(views, refund_due_only=True) == []
    assert [f["finding_ref"] for f in audit_findings(views, patient_ref="P-WE", hospital_code="AH-001")] == ["F2"]


def test_county_dashboard_langxi_and_hainan_figures(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)  # March (county) and May (province): 100,000 cost, 84,606 compensation
    patient(ledger, "P-2")
    ledger.handle(
        ConfirmMajorDisease(
            command_id="P-2:md", patient_ref="P-2", disease="gastric_cancer", confirmed_on=date(2018, 1, 5)
        )
    )  # never admitted: not treated
    ledger.handle(
        ConfirmMajorDisease(command_id="P-WE:md", patient_ref="P-WE", disease="esrd", confirmed_on=date(2018, 2, 1))
    )  # admitted in March: treated
    for ref, contract in (("P-WE", True), ("P-2", False)):
        ledger.handle(
            CertifyChronicDisease(
                command_id=f"{ref}:c", patient_ref=ref, disease="diabetes", valid_from=date(2017, 6, 1)
            )
        )
        if contract:
            ledger.handle(
                SignFamilyDoctorContract(
                    command_id=f"{ref}:d", patient_ref=ref, doctor="Dr Li", signed_on=date(2018, 3, 1)
                )
            )
    for n, day in enumerate((date(2018, 3, 2), date(2018, 3, 20), date(2018, 4, 2))):
        ledger.handle(RecordFollowUp(command_id=f"fu{n}", patient_ref="P-2", followed_up_on=day, heart_rate=72))
    admit_and_settle(
        ledger,
        "P-2",
        "P-2-O",
        COUNTY_HOSPITAL,
        total="1000",
        compliant="1000",
        day=date(2018, 5, 3),
        kind="outpatient_chronic",
    )
    catch_up(ledger, views)

    year = county_dashboard(views, REGION, 2018)
    assert (year["person_times"], year["inpatient_times"], year["in_county_times"]) == (3, 2, 2)
    assert year["total_cost"] == D("101000.00")
    by_payer = year["compensation_by_payer"]
    assert (by_payer["ncms"], by_payer["cii"], by_payer["ma"]) == (D("67130.00"), D("11682.00"), D("6394.00"))
    assert by_payer["s180"] == D("320.00")  # 80 % of the 400 left after NCMS's 60 %
    assert year["compensation"] == sum(by_payer.values(), D("0.00")) == D("85526.00")
    assert year["actual_compensation_ratio"] == D("0.8468")  # 85,526 / 101,000
    assert year["in_county_visit_rate"] == D("0.6667")
    assert year["in_province_inpatient_ratio"] == D("0.8461")  # 84,606 / 100,000
    assert (year["major_disease_patients"], year["major_disease_treated"]) == (2, 1)
    assert year["major_disease_treatment_rate"] == D("0.5000")
    assert (year["chronic_patients"], year["chronic_contracted"], year["chronic_contract_rate"]) == (2, 1, D("0.5000"))
    assert year["follow_ups"] == 3

    march = county_dashboard(views, REGION, 2018, month=3)
    assert (march["person_times"], march["total_cost"], march["follow_ups"]) == (1, D("20000.00"), 2)
    assert march["major_disease_treatment_rate"] == D("0.5000")
    february = county_dashboard(views, REGION, 2018, month=2)
    assert (february["person_times"], february["actual_compensation_ratio"]) == (0, None)
    assert february["major_disease_treatment_rate"] == D("0.0000")  # two confirmed, nobody admitted in February
    assert february["chronic_contract_rate"] == D("0.0000")  # the contract is signed in March
    to_april = county_dashboard(views, REGION, 2018, month=4, cumulative=True)
    assert (to_april["period"], to_april["person_times"], to_april["follow_ups"]) == (
        ["2018-01-01", "2018-04-30"],
        1,
        3,
    )
    assert [m["month"] for m in county_months(views, REGION, 2018)] == [3, 4, 5]
    assert county_dashboard(views, "999999", 2018)["person_times"] == 0


def test_the_dashboard_restates_the_month_a_recalculation_changes(ledger: BenefitLedger, views: ViewStore) -> None:
    from tests.projections.builders import retroactive_5090

    retroactive_5090(ledger)
    catch_up(ledger, views)
    feb, may = county_dashboard(views, REGION, 2018, month=2), county_dashboard(views, REGION, 2018, month=5)
    assert (feb["paid_s5090"], may["paid_s5090"]) == (D("2772.00"), D("1728.00"))
    assert feb["compensation"] + feb["patient_share"] + feb["hospital_borne"] == feb["total_cost"]
    assert PROVINCE_HOSPITAL["in_province"] and feb["in_province_inpatient_ratio"] == feb["actual_compensation_ratio"]
