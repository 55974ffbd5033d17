"""A Hainan treatment plan (诊疗方案) recorded after a settlement but decided before its service date is a late
fact (#10): the patient-year is pending recalculation, verification says so, and the pending run re-settles
it with the plan (the single-disease standard now applies) and the compensation owed follows 追溯补偿.
On SQLite and PostgreSQL (the `ledger` and `views` fixtures).

食管癌 confirmed 2018-04-02, no plan when the oesophagectomy at 省肿瘤医院 (the policy's centre) is settled on
2018-06-01, billed 58,000 of which 52,000 compliant, referred (the figures of
tests/application/test_hainan_settlement_service.py, parameters ILLUSTRATIVE):

  without a plan: no standard; hospital 6,000 non-compliant - 10 % x 58,000 = 200.00 hospital-borne
    ncms (52,000 - 500) x 0.75 = 38,625.00, cii (13,375 - 5,000) x 0.60 = 5,025.00,
    hpsi 8,350 x 0.70 = 5,845.00, ma 2,505 x 0.70 = 1,753.50; patient 751.50 + 5,800.00 = 6,551.50
  with the plan (surgery, decided 2018-04-20): standard 50,000, the 8,000 excess hospital-borne; patient 733.50
  compensation owed 6,551.50 - 733.50 = 5,818.00
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D

import pytest
from tests.application.hainan_scenario import (
    TUMOUR_HOSPITAL,
    confirm_and_plan,
    hainan_patient,
    oesophagectomy,
    publish_hainan,
)
from tests.application.scenario import publish_default

from projections.recalculations_pending import is_pending, pending_years
from projections.store import ViewStore, open_store
from service.commands import RecordTreatmentPlan
from service.ledger import BenefitLedger
from service.pending_recalculation import catch_up_pending, recalculate_pending
from service.settings import Settings
from service.verification import PENDING, verify_ledger


@pytest.fixture
def views(store_url: str) -> Iterator[ViewStore]:
    store = open_store(Settings(database_url=store_url).store)
    yield store
    store.close()


def _plan(ledger: BenefitLedger, decided_on: date) -> None:
    ledger.handle(
        RecordTreatmentPlan(
            command_id=f"QZ-L:plan:{decided_on}",
            patient_ref="QZ-L",
            disease="esophageal_cancer",
            treatment="surgery",
            decided_on=decided_on,
            expert_group="琼中县大病专家组",
        )
    )


def _settled_without_a_plan(ledger: BenefitLedger) -> dict:
    publish_default(ledger)
    publish_hainan(ledger)
    hainan_patient(ledger, "QZ-L")
    confirm_and_plan(ledger, "QZ-L", treatment=None)
    return oesophagectomy(ledger, "QZ-L", TUMOUR_HOSPITAL)


def test_a_treatment_plan_recorded_late_marks_the_year_pending_and_the_run_compensates(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled = _settled_without_a_plan(ledger)
    assert settled["major_disease"]["handling"] == "no_standard"
    assert settled["patient_share"] == D("6551.50") and D(settled["hospital_borne"]) == D("200.00")
    catch_up_pending(ledger, views)
    assert pending_years(views) == [] and verify_ledger(ledger, views=views).ok

    _plan(ledger, date(2018, 4, 20))
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert (item["patient_ref"], item["year"], item["county_code"]) == ("QZ-L", 2018, "469030")
    (reason,) = item["reasons"]
    assert (reason["fact"], reason["subject"], reason["effective_on"]) == ("treatment_plan", "QZ-L", "2018-04-20")
    assert reason["detail"] == "treatment plan esophageal_cancer: surgery decided on 2018-04-20"
    report = verify_ledger(ledger, views=views)
    assert [(f.check, f.subject) for f in report.findings] == [(PENDING, "QZ-L/2018")]

    run = recalculate_pending(ledger, views)
    assert (run.examined, run.changed_count, run.compensation_owed) == (1, 1, D("5818.00"))
    (record,) = ledger.get_benefit_year("QZ-L", 2018).settlements
    assert record["claim"].get("treatment") is None and record["current_claim"]["treatment"] == "surgery"
    assert D(record["current"]["hospital_borne"]) == D("8000.00")
    now = D(record["current"]["patient_compliant"]) + D(record["current"]["patient_noncompliant"])
    assert now == D("733.50") and D(record["compensation_owed"]) == D("6551.50") - now
    assert not is_pending(views, "QZ-L", 2018)
    assert verify_ledger(ledger, views=views).ok, verify_ledger(ledger, views=views).findings


def test_a_plan_decided_after_the_service_date_is_not_a_late_fact(ledger: BenefitLedger, views: ViewStore) -> None:
    _settled_without_a_plan(ledger)
    _plan(ledger, date(2018, 6, 2))  # the day after the 2018-06-01 discharge
    catch_up_pending(ledger, views)
    assert pending_years(views) == []
