"""Streaming replication to a hot standby that auditors and dashboards read from.

The primary takes every write, and the projection worker runs there too, because it writes its
tables and tracking rows. The standby (pg_basebackup -R, hot_standby=on) replays the primary's
WAL, so the event tables AND the projection tables arrive. On the standby an auditor reads a
patient-year from the events and a dashboard reads the projection tables. Both get exactly what
the primary has. A write there is refused with a clear error.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from tests.application.scenario import COUNTY_HOSPITAL, admit_and_settle
from tests.pg_cluster import PgCluster, wait_for_replay
from tests.projections.builders import busy_county, catch_up, dump
from tests.replication.standby_views import StandbyViewStore

from projections import catalog
from projections.annual_totals import annual_totals
from projections.county_dashboard import county_dashboard
from projections.runner import Runner
from projections.store import open_store
from service.commands import RegisterPatient
from service.ledger import BenefitLedger
from service.settings import Settings, StoreConfig, store_config
from service.store_errors import StoreReadOnlyError, store_error

SCHEMA = "ledger"
PATIENT_YEARS = [("P-5090", 2018), *((f"P{n:03d}", 2018) for n in range(6))]
COUNTY = "341821"


def standby_ledger(config: StoreConfig) -> BenefitLedger:
    """A ledger that only reads: it creates no tables (CREATE_TABLE=n) and no schema."""
    return BenefitLedger(env={**config.env, "CREATE_TABLE": "n"})


@pytest.fixture(scope="module")
def loaded(clusters: tuple[PgCluster, PgCluster]) -> Iterator[dict[str, object]]:
    """A busy county on the primary, projected there, replayed by the standby."""
    primary, standby = clusters
    primary_config, standby_config = store_config(primary.url(SCHEMA)), store_config(standby.url(SCHEMA))
    ledger = BenefitLedger.from_settings(Settings(database_url=primary_config.url))
    busy_county(ledger)
    views = open_store(primary_config)
    catch_up(ledger, views)  # the projection worker's job, on the primary
    wait_for_replay(primary, standby)
    reader = standby_ledger(standby_config)
    standby_views = StandbyViewStore(standby_config)
    yield {
        "ledger": ledger,
        "views": views,
        "reader": reader,
        "standby_views": standby_views,
        "standby_config": standby_config,
    }
    for closable in (standby_views, reader, views, ledger):
        closable.close()  # type: ignore[attr-defined]


def test_the_standby_is_a_read_only_replica(clusters: tuple[PgCluster, PgCluster]) -> None:
    _, standby = clusters
    with psycopg.connect(standby.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone() == ("streaming",)


def test_an_auditor_reads_the_same_patient_years_from_the_standby(loaded: dict) -> None:
    ledger, reader = loaded["ledger"], loaded["reader"]
    assert reader.recorder.max_notification_id() == ledger.recorder.max_notification_id()
    for patient_ref, year in PATIENT_YEARS:
        on_primary, on_standby = ledger.get_benefit_year(patient_ref, year), reader.get_benefit_year(patient_ref, year)
        assert dataclasses.asdict(on_standby) == dataclasses.asdict(on_primary), patient_ref
        assert reader.verify_benefit_year(patient_ref, year)["verified"] is True  # re-derived on the standby
    assert reader.get_benefit_year("P-5090", 2018).recalculations == 1


def test_the_dashboards_read_the_replicated_projection_tables(loaded: dict) -> None:
    views, standby_views = loaded["views"], loaded["standby_views"]
    for name in catalog.PROJECTIONS:  # every row of every read model
        assert dump(standby_views, name) == dump(views, name), name
    dashboard = county_dashboard(standby_views, COUNTY, 2018)
    assert dashboard == county_dashboard(views, COUNTY, 2018)
    assert dashboard["person_times"] > 0
    assert annual_totals(standby_views, "P001", 2018) == annual_totals(views, "P001", 2018) is not None


def test_a_write_on_the_standby_is_refused_clearly_and_changes_nothing(
    clusters: tuple[PgCluster, PgCluster], loaded: dict
) -> None:
    primary, standby = clusters
    ledger, reader = loaded["ledger"], loaded["reader"]
    with pytest.raises(Exception) as refused:
        reader.handle(RegisterPatient(command_id="on-standby", patient_ref="P-STANDBY", county_code=COUNTY))
    failure = store_error(refused.value)
    assert isinstance(failure, StoreReadOnlyError), refused.value
    assert "read-only" in str(failure) and "primary" in str(failure) and "\n" not in str(failure)
    # the projection worker cannot run there either: catching up with a new event writes tracking rows
    admit_and_settle(ledger, "P004", "P004-NEW", COUNTY_HOSPITAL, total="1800", compliant="1800", day=date(2018, 8, 1))
    head = ledger.recorder.max_notification_id()
    wait_for_replay(primary, standby)
    with pytest.raises(Exception) as worker_refused:
        Runner(reader, loaded["standby_views"], catalog.select("all")).run_once()
    assert isinstance(store_error(worker_refused.value), StoreReadOnlyError)
    catch_up(ledger, loaded["views"])  # on the primary, where it belongs
    # and a ledger opened the ordinary way (it creates its schema and tables) is refused at once
    with pytest.raises(Exception) as opening_refused:
        BenefitLedger.from_settings(Settings(database_url=loaded["standby_config"].url))
    assert isinstance(store_error(opening_refused.value), StoreReadOnlyError)
    wait_for_replay(primary, standby)
    assert ledger.recorder.max_notification_id() == reader.recorder.max_notification_id() == head


def test_a_settlement_on_the_primary_reaches_the_standby_within_seconds(
    clusters: tuple[PgCluster, PgCluster], loaded: dict
) -> None:
    primary, standby = clusters
    ledger, reader = loaded["ledger"], loaded["reader"]
    admit_and_settle(ledger, "P003", "P003-LATE", COUNTY_HOSPITAL, total="2400", compliant="2300", day=date(2018, 9, 1))
    written = time.monotonic()
    wait_for_replay(primary, standby, timeout=10)
    lag = time.monotonic() - written
    print(f"replay lag of one settlement: {lag * 1000:.0f} ms")
    assert lag < 5
    assert [r["admission_ref"] for r in reader.get_benefit_year("P003", 2018).settlements][-1] == "P003-LATE"
