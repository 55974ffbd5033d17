"""County dashboard detail: the township breakdown adds up to the county figures, quarters are their three
months, and a recalculation recorded after a month closed is listed as a restatement of that month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.application.scenario import policy_variant
from tests.projections.builders import (
    COUNTY_HOSPITAL,
    REGION,
    TOWNSHIP_HOSPITAL,
    admit_and_settle,
    busy_county,
    catch_up,
    publish,
)

from projections import county_dashboard
from projections.county_detail import month_closed_at, restated_months, township_breakdown
from projections.store import ViewStore
from service.clock import ManualClock
from service.commands import (
    EnrolPatient,
    PublishPolicyVersion,
    RecalculateBenefitYear,
    RecordPovertyStatus,
    RegisterPatient,
)
from service.ledger import BenefitLedger

D = Decimal
SUMMED = ("person_times", "inpatient_times", "in_county_times", "total_cost", "compensation", "patient_share")


def second_township(ledger: BenefitLedger) -> None:
    """Two patients of 建平镇 besides the busy county's 毕桥镇 ones."""
    for n, day in enumerate((date(2018, 2, 14), date(2018, 4, 3))):
        ref = f"JP{n}"
        ledger.handle(RegisterPatient(command_id=f"{ref}:r", patient_ref=ref, county_code=REGION, township="建平镇"))
        ledger.handle(EnrolPatient(command_id=f"{ref}:e", patient_ref=ref, year=2018))
        ledger.handle(
            RecordPovertyStatus(command_id=f"{ref}:s", patient_ref=ref, status="dibao", effective_from=date(2016, 1, 1))
        )
        hospital = (TOWNSHIP_HOSPITAL, COUNTY_HOSPITAL)[n]
        admit_and_settle(ledger, ref, f"{ref}-1", hospital, total="5000", compliant="4500", day=day)


def test_townships_add_up_to_the_county_in_every_period(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    busy_county(ledger)
    second_township(ledger)
    catch_up(ledger, views)
    year = township_breakdown(views, REGION, 2018)
    assert [t["township"] for t in year] == ["毕桥镇", "建平镇"]  # by compensation, largest first
    jianping = year[1]
    assert (jianping["person_times"], jianping["total_cost"]) == (2, D("10000.00"))
    assert jianping["compensation"] + jianping["patient_share"] + jianping["hospital_borne"] == D("10000.00")
    periods = [{}, *({"month": m} for m in range(1, 13)), *({"quarter": q} for q in range(1, 5))]
    periods += [{"quarter": 2, "cumulative": True}, {"month": 5, "cumulative": True}]
    for period in periods:
        county = county_dashboard(views, REGION, 2018, **period)
        first, last = (int(day[5:7]) for day in county["period"])
        townships = township_breakdown(views, REGION, 2018, first, last)
        for column in SUMMED:
            assert sum((t[column] for t in townships), D(0)) == county[column], (period, column)
        for payer, amount in county["compensation_by_payer"].items():
            assert sum((t["compensation_by_payer"][payer] for t in townships), D(0)) == amount, (period, payer)
    quarter = county_dashboard(views, REGION, 2018, quarter=1)
    months = [county_dashboard(views, REGION, 2018, month=m) for m in (1, 2, 3)]
    assert quarter["period"] == ["2018-01-01", "2018-03-31"] and quarter["quarter"] == 1
    assert quarter["total_cost"] == sum((m["total_cost"] for m in months), D(0)) > 0
    assert township_breakdown(views, "999999", 2018) == []


def test_a_recalculation_after_a_month_closed_is_a_restatement(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    busy_county(ledger)  # February and May 2018 settlements of P-5090 recalculated now, long after they closed
    catch_up(ledger, views)
    rows = restated_months(views, REGION, 2018)
    assert [(r["month"], r["settlements"]) for r in rows] == [(2, 1), (5, 1)]
    feb, may = rows
    assert (feb["compensation_change"], may["compensation_change"]) == (D("2772.00"), D("1728.00"))
    assert feb["patient_share_change"] == -feb["compensation_change"] and feb["total_cost_change"] == D("0.00")
    assert feb["reason"] == "policy 341821/langxi-2018.2-5090 published"
    assert feb["closed_at"] == "2018-02-28T16:00:00+00:00"  # midnight 1 March, Beijing time
    assert feb["recorded_at"] > feb["closed_at"] and feb["position"] == may["position"]
    assert datetime.fromisoformat(feb["recorded_at"]) > datetime.now(UTC) - timedelta(minutes=10)
    assert restated_months(views, REGION, 2019) == []


def test_a_recalculation_before_the_month_closed_is_no_restatement(ledger: BenefitLedger, views: ViewStore) -> None:
    """A month still open (here: one in 2030) changes as its settlements do; nothing is listed."""
    publish(ledger)
    ledger.handle(RegisterPatient(command_id="F:r", patient_ref="F", county_code=REGION, township="毕桥镇"))
    ledger.handle(EnrolPatient(command_id="F:e", patient_ref="F", year=2030))
    ledger.handle(
        RecordPovertyStatus(command_id="F:s", patient_ref="F", status="jiandanglika", effective_from=date(2016, 1, 1))
    )
    now = datetime(2030, 1, 10, 2, tzinfo=UTC)  # the server clock on the discharge day of a month not yet closed
    ledger.clock = clock = ManualClock(now)
    admit_and_settle(
        ledger, "F", "F-1", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2030, 1, 10), settled_at=now
    )
    clock.advance(timedelta(seconds=1))
    ledger.handle(
        PublishPolicyVersion.of(
            policy_variant("ma60", now + timedelta(seconds=1), **{"ma.by_status.jiandanglika.ratio": "0.60"}),
            command_id="ma60",
        )
    )
    clock.advance(timedelta(seconds=2))
    result = ledger.handle(
        RecalculateBenefitYear(command_id="F:recalc", patient_ref="F", year=2030, known_at=now + timedelta(seconds=2))
    )
    assert result["changed"]
    catch_up(ledger, views)
    assert month_closed_at(2030, 1) > datetime.now(UTC)
    assert restated_months(views, REGION, 2030) == []
    (township,) = township_breakdown(views, REGION, 2030)
    assert township["compensation"] == county_dashboard(views, REGION, 2030)["compensation"] > 0
