"""Late facts (#10): a fact recorded after a settlement but effective on or before its service date marks the
patient-year pending recalculation; `recalculate_pending` re-settles it with the facts as recorded now, the
compensation owed follows the 追溯补偿 rules (never a claw-back), and verification is clean again.

Every test runs on SQLite and PostgreSQL (the `ledger` and `views` fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    admit_and_settle,
    policy_variant,
    poor_patient,
    publish_default,
)

from domain.errors import ValidationError
from projections.recalculations_pending import is_pending, pending_years, pending_years_page
from projections.store import ViewStore, open_store
from service.commands import (
    CertifyChronicDisease,
    ChangeHospital,
    CloseHospital,
    PublishPolicyVersion,
    RecalculateBenefitYear,
    RecalculateForPolicy,
    RecordPovertyStatus,
)
from service.ledger import BenefitLedger
from service.pending_recalculation import catch_up_pending, pending_command, recalculate_pending
from service.settings import Settings
from service.verification import PENDING, verify_ledger

D = Decimal


@pytest.fixture
def views(store_url: str) -> Iterator[ViewStore]:
    store = open_store(Settings(database_url=store_url).store)
    yield store
    store.close()


def settled_non_poor(ledger: BenefitLedger, ref: str = "P-LATE", day: date = date(2018, 3, 12)) -> dict:
    """A patient recorded as not poor, settled at the county hospital (20,000 / 19,000 compliant)."""
    publish_default(ledger)
    poor_patient(ledger, ref, status="none")
    return admit_and_settle(ledger, ref, f"{ref}-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=day)


def late_poverty(ledger: BenefitLedger, ref: str = "P-LATE", effective_from: date = date(2018, 1, 1)) -> None:
    ledger.handle(
        RecordPovertyStatus(
            command_id=f"{ref}:late-status",
            patient_ref=ref,
            status="jiandanglika",
            effective_from=effective_from,
            reason="建档立卡 recorded late",
        )
    )


def test_end_to_end_late_poverty_status_pending_recalculated_compensated_verified(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled = settled_non_poor(ledger)
    catch_up_pending(ledger, views)
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok

    late_poverty(ledger)
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert (item["patient_ref"], item["year"], item["county_code"]) == ("P-LATE", 2018, "341821")
    (reason,) = item["reasons"]
    assert reason["fact"] == "poverty_status" and reason["effective_on"] == "2018-01-01"
    assert reason["settlements"] == 1 and reason["first_service_date"] == "2018-03-12"
    assert reason["recorded_at"] is not None and "jiandanglika" in reason["detail"]
    report = verify_ledger(ledger, views=views)
    assert not report.ok and [f.check for f in report.findings] == [PENDING]
    assert report.findings[0].subject == "P-LATE/2018"
    assert report.to_dict()["findings"][0]["check"] == "pending"

    run = recalculate_pending(ledger, views)
    assert (run.examined, run.changed_count) == (1, 1)
    (year,) = run.years
    # what the patient paid at settlement minus what the poor patient's settlement asks, never negative
    history = ledger.get_benefit_year("P-LATE", 2018)
    (record,) = history.settlements
    assert record["current_claim"]["poverty_status"] == "jiandanglika"
    assert record["claim"]["poverty_status"] == "none"  # the settlement as made is unchanged
    original = D(record["settlement"]["patient_compliant"]) + D(record["settlement"]["patient_noncompliant"])
    now = D(record["current"]["patient_compliant"]) + D(record["current"]["patient_noncompliant"])
    assert now < original
    assert year["compensation_owed"] == record["compensation_owed"] == original - now > 0
    assert D(settled["patient_share"]) == original

    assert not is_pending(views, "P-LATE", 2018)
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok, verify_ledger(ledger, views=views).findings

    again = recalculate_pending(ledger, views)  # nothing pending: nothing to do, nothing appended
    assert again.examined == 0


def test_a_recalculation_that_changes_nothing_leaves_a_trace_and_clears_the_pending_year(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_non_poor(ledger)
    # a certificate effective before the settlement: an inpatient stay of a non-poor patient pays the same
    ledger.handle(
        CertifyChronicDisease(
            command_id="P-LATE:cert", patient_ref="P-LATE", disease="hypertension", valid_from=date(2018, 1, 1)
        )
    )
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert item["reasons"][0]["fact"] == "chronic_certificate"
    before = ledger.get_benefit_year("P-LATE", 2018).version
    result = ledger.handle(RecalculateBenefitYear(command_id="check-1", patient_ref="P-LATE", year=2018))
    assert result["changed"] is False
    history = ledger.get_benefit_year("P-LATE", 2018)
    assert history.version == before + 1 and history.checks == 1 and history.recalculations == 0
    catch_up_pending(ledger, views)
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok


def test_a_fact_effective_after_the_service_date_or_recorded_before_the_settlement_is_not_late(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_non_poor(ledger)
    late_poverty(ledger, effective_from=date(2018, 4, 1))  # after the 2018-03-12 discharge
    catch_up_pending(ledger, views)
    assert pending_years(views) == []


def test_the_pending_run_is_idempotent_and_a_region_run_without_the_facts_keeps_the_year_pending(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_non_poor(ledger)
    late_poverty(ledger)
    ledger.handle(RecalculateForPolicy(command_id="region", region="341821", version="langxi-2018.1"))
    catch_up_pending(ledger, views)
    assert [i["patient_ref"] for i in pending_years(views)] == ["P-LATE"]  # a region run re-reads no facts
    (item,) = pending_years(views)
    first = recalculate_pending(ledger, views)
    head = ledger.recorder.max_notification_id()
    # the same pending item again (as a retry after a crash would see it): the same command id, replayed
    replay = ledger.handle(pending_command(item))
    assert replay["replayed"] is True and ledger.recorder.max_notification_id() == head
    assert first.changed_count == 1


def test_pending_years_are_paged_and_filtered_by_county_and_year(ledger: BenefitLedger, views: ViewStore) -> None:
    publish_default(ledger)
    for n in range(3):
        ref = f"P-{n}"
        poor_patient(ledger, ref, status="none")
        admit_and_settle(ledger, ref, f"{ref}-A", COUNTY_HOSPITAL, total="5000", compliant="4500", day=date(2018, 3, 1))
        late_poverty(ledger, ref)
    catch_up_pending(ledger, views)
    total, page = pending_years_page(views, limit=2, offset=0)
    assert total == 3 and [p["patient_ref"] for p in page] == ["P-0", "P-1"]
    total, page = pending_years_page(views, limit=2, offset=2)
    assert total == 3 and [p["patient_ref"] for p in page] == ["P-2"]
    assert pending_years_page(views, county_code="469030")[0] == 0
    assert pending_years_page(views, year=2019)[0] == 0
    assert pending_years_page(views, county_code="341821", year=2018)[0] == 3


def test_a_hospital_closed_from_a_later_day_refuses_later_admissions_and_marks_later_settlements(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_non_poor(ledger, day=date(2018, 6, 1))
    hospital = ledger.get_registered_hospital("LX-001")
    ledger.handle(
        CloseHospital(
            command_id="close",
            hospital_code="LX-001",
            last_day=date(2018, 5, 31),
            reason="merged",
            expected_version=hospital.version,
        )
    )
    assert ledger.get_registered_hospital("LX-001").record_on(date(2018, 5, 31)) is not None
    assert ledger.get_registered_hospital("LX-001").record_on(date(2018, 6, 1)) is None
    from service.commands import RegisterAdmission

    with pytest.raises(ValidationError, match="closed after 2018-05-31"):
        ledger.handle(
            RegisterAdmission(
                command_id="after-close",
                admission_ref="A-after",
                patient_ref="P-LATE",
                kind="inpatient",
                hospital_code="LX-001",
                admitted_on=date(2018, 6, 2),
            )
        )
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert item["reasons"][0]["fact"] == "hospital" and item["reasons"][0]["subject"] == "LX-001"
    run = recalculate_pending(ledger, views)  # the settlement keeps the hospital it was settled with
    assert run.examined == 1 and run.changed_count == 0
    assert pending_years(views) == []


def test_known_at_beyond_the_clock_tolerance_is_refused(ledger: BenefitLedger) -> None:
    settled_non_poor(ledger)
    ahead = datetime.now(UTC) + ledger.clock_tolerance + timedelta(minutes=5)
    head = ledger.recorder.max_notification_id()
    with pytest.raises(ValidationError, match="known_at: .* is in the future"):
        ledger.handle(RecalculateBenefitYear(command_id="future", patient_ref="P-LATE", year=2018, known_at=ahead))
    with pytest.raises(ValidationError, match="known_at: .* is in the future"):
        ledger.handle(
            RecalculateForPolicy(command_id="future-r", region="341821", version="langxi-2018.1", known_at=ahead)
        )
    assert ledger.recorder.max_notification_id() == head
    within = datetime.now(UTC) + timedelta(seconds=10)
    assert (
        ledger.handle(RecalculateBenefitYear(command_id="soon", patient_ref="P-LATE", year=2018, known_at=within))[
            "changed"
        ]
        is False
    )


def test_a_retroactive_policy_version_is_a_late_fact_its_region_run_answers(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    settled_non_poor(ledger)
    document = policy_variant("langxi-2018.1-again", datetime(2018, 7, 15, tzinfo=UTC))
    ledger.handle(PublishPolicyVersion.of(document, command_id="again"))
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    (reason,) = item["reasons"]
    assert (reason["fact"], reason["subject"]) == ("policy", "341821/langxi-2018.1-again")
    assert not verify_ledger(ledger, views=views).ok
    result = ledger.handle(RecalculateForPolicy(command_id="again-run", region="341821", version="langxi-2018.1-again"))
    assert (result["examined"], result["changed_count"]) == (1, 0)  # the same numbers: nothing changed
    catch_up_pending(ledger, views)
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok


def test_a_late_registry_correction_is_applied_and_never_claws_back(ledger: BenefitLedger, views: ViewStore) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-REG")
    settled = admit_and_settle(
        ledger, "P-REG", "P-REG-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
    )
    hospital = ledger.get_registered_hospital("LX-001")
    ledger.handle(  # the registry corrected late: LX-001 was a township hospital from 2018 (a higher NCMS ratio)
        ChangeHospital(
            command_id="LX-001:tier",
            hospital_code="LX-001",
            effective_from=date(2018, 1, 1),
            tier="township",
            expected_version=hospital.version,
        )
    )
    catch_up_pending(ledger, views)
    (item,) = pending_years(views)
    assert [(r["fact"], r["subject"]) for r in item["reasons"]] == [("hospital", "LX-001")]
    run = recalculate_pending(ledger, views)
    assert run.changed_count == 1
    (record,) = ledger.get_benefit_year("P-REG", 2018).settlements
    assert record["claim"]["tier"] == "county" and record["current_claim"]["tier"] == "township"
    assert record["current_facts"]["hospital"]["tier"] == "township"
    before, after = (
        D(settled["patient_share"]),
        D(record["current"]["patient_compliant"]) + D(record["current"]["patient_noncompliant"]),
    )
    assert D(record["compensation_owed"]) == max(D("0.00"), before - after)  # never negative: no claw-back
    catch_up_pending(ledger, views)
    assert pending_years(views) == []
    assert verify_ledger(ledger, views=views).ok, verify_ledger(ledger, views=views).findings


def test_a_late_fact_that_would_make_the_patient_pay_more_is_no_claw_back(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-UP")  # 建档立卡 from 2016
    settled = admit_and_settle(
        ledger, "P-UP", "P-UP-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12)
    )
    ledger.handle(
        RecordPovertyStatus(
            command_id="P-UP:none", patient_ref="P-UP", status="none", effective_from=date(2018, 1, 1), reason="error"
        )
    )
    run = recalculate_pending(ledger, views)
    assert run.changed_count == 1 and run.compensation_owed == D("0.00")
    (record,) = ledger.get_benefit_year("P-UP", 2018).settlements
    now = D(record["current"]["patient_compliant"]) + D(record["current"]["patient_noncompliant"])
    assert now > D(settled["patient_share"]) and D(record["compensation_owed"]) == 0
    assert verify_ledger(ledger, views=views).ok
