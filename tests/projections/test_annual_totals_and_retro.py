"""Annual totals per patient-year and "5090" retroactive compensation, to the fen, on both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.projections.builders import catch_up, publish, retroactive_5090, worked_example

from projections import annual_totals, retro_by_patient, retro_items, retro_payments, settlements_of_year
from projections.store import ViewStore
from service.commands import PayRetroactiveCompensation
from service.ledger import BenefitLedger

D = Decimal


def test_the_worked_example_year_adds_up_to_the_fen(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)
    catch_up(ledger, views)
    year = annual_totals(views, "P-WE", 2018)
    assert year is not None
    assert (year["total_cost"], year["compliant_cost"]) == (D("100000.00"), D("91000.00"))
    assert (year["paid_ncms"], year["paid_cii"], year["paid_ma"]) == (D("66530.00"), D("11682.00"), D("6394.00"))
    assert (year["paid_b351"], year["paid_s5090"], year["paid_reassist"]) == (D("0.00"),) * 3
    assert year["payer_total"] == D("84606.00")
    assert (year["patient_compliant"], year["patient_noncompliant"]) == (D("6394.00"), D("9000.00"))
    assert year["patient_share"] == D("15394.00")
    assert year["hospital_borne"] == D("0.00")
    assert (year["admissions"], year["person_times"]) == (2, 2)
    # 351: the province admission raised the cap class to province (10,000); 6,394 of it is used
    assert (year["cap_mode"], year["cap_class"], year["cap_351"]) == ("max_tier", "province", D("10000.00"))
    assert (year["cap_used"], year["cap_remaining"]) == (D("6394.00"), D("3606.00"))
    assert year["policy_version"] == "langxi-2018.1"
    assert all(isinstance(year[k], Decimal) for k in ("total_cost", "paid_ncms", "cap_351"))
    assert [s["settlement_id"] for s in settlements_of_year(views, "P-WE", 2018)] == ["P-WE-A#1", "P-WE-B#1"]
    assert annual_totals(views, "P-WE", 2019) is None


def test_a_retroactive_5090_version_makes_compensation_owed_and_payments_close_it(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    summary = retroactive_5090(ledger)
    assert len(summary["changed"]) == 1
    catch_up(ledger, views)
    items = retro_items(views, "P-5090")
    assert [(i["settlement_id"], i["owed"], i["paid"], i["outstanding"], i["status"]) for i in items] == [
        ("P-5090-D0#1", D("2772.00"), D("0.00"), D("2772.00"), "open"),
        ("P-5090-D1#1", D("1728.00"), D("0.00"), D("1728.00"), "open"),
    ]
    assert items[0]["policy_version_before"] == "langxi-2018.1-no5090"
    assert items[0]["policy_version_current"] == "langxi-2018.2-5090"
    assert items[0]["patient_share_original"] - items[0]["patient_share_current"] == D("2772.00")
    # the year now shows what 5090 pays: the 4,500 the patient is owed back
    year = annual_totals(views, "P-5090", 2018)
    assert year is not None
    assert (year["paid_s5090"], year["recalculations"]) == (D("4500.00"), 1)
    assert year["policy_version"] == "langxi-2018.2-5090"
    assert year["total_cost"] == year["payer_total"] + year["patient_share"] + year["hospital_borne"]

    ledger.handle(
        PayRetroactiveCompensation(
            command_id="pay-1",
            patient_ref="P-5090",
            year=2018,
            settlement_id="P-5090-D0#1",
            amount=D("1000.00"),
            paid_on=date(2018, 8, 1),
        )
    )
    catch_up(ledger, views)
    first = retro_items(views, "P-5090")[0]
    assert (first["paid"], first["outstanding"], first["status"]) == (D("1000.00"), D("1772.00"), "open")
    assert retro_by_patient(views, "P-5090") == [
        {
            "patient_ref": "P-5090",
            "items": 2,
            "open_items": 2,
            "owed": D("4500.00"),
            "paid": D("1000.00"),
            "outstanding": D("3500.00"),
        }
    ]

    ledger.handle(
        PayRetroactiveCompensation(
            command_id="pay-2",
            patient_ref="P-5090",
            year=2018,
            settlement_id="P-5090-D0#1",
            amount=D("1772.00"),
            paid_on=date(2018, 8, 20),
            reference="追溯补偿金 2018-08",
        )
    )
    catch_up(ledger, views)
    first = retro_items(views, "P-5090")[0]
    assert (first["paid"], first["outstanding"], first["status"], first["payments"]) == (
        D("2772.00"),
        D("0.00"),
        "closed",
        2,
    )
    assert [i["settlement_id"] for i in retro_items(views, outstanding_only=True)] == ["P-5090-D1#1"]
    assert [(p["amount"], p["paid_on"]) for p in retro_payments(views, "P-5090-D0#1")] == [
        (D("1000.00"), "2018-08-01"),
        (D("1772.00"), "2018-08-20"),
    ]


def test_a_recalculation_that_changes_nothing_owed_makes_no_item(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)
    catch_up(ledger, views)
    assert retro_items(views) == []
    assert retro_by_patient(views) == []


def test_a_query_before_the_first_run_says_so(ledger: BenefitLedger, views: ViewStore) -> None:
    import pytest

    from projections.view import ViewNotBuiltError

    with pytest.raises(ViewNotBuiltError, match="python -m projections run"):
        annual_totals(views, "P-WE", 2018)
