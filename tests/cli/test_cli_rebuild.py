"""`ledger rebuild PROJECTION|all`: read models rebuilt from the whole log and swapped in."""

from __future__ import annotations

import re
from decimal import Decimal

from tests.application.scenario import worked_example
from tests.cli.cli_support import opened

from projections.annual_totals import annual_totals
from projections.rebuild import status
from projections.store import open_store
from service.settings import store_config

SUMMARY = re.compile(
    r"^rebuilt (?P<names>[a-z_, ]+): (?P<events>\d+) events in [\d.]+ s \([\d,]+ events/s\), "
    r"position (?P<position>\d+), resumed from (?P<start>\d+)$"
)


def _year(url: str, patient_ref: str) -> dict | None:
    views = open_store(store_config(url))
    try:
        return annual_totals(views, patient_ref, 2018)
    finally:
        views.close()


def test_rebuild_all_builds_every_view_to_the_head(invoke, worked_store: str) -> None:
    result = invoke("rebuild", "all")
    assert result.exit_code == 0, result.stderr
    match = SUMMARY.match(result.stdout.strip())
    assert match, result.stdout
    assert (
        match["names"]
        == "annual_totals, audit_trail, bulletin_hospitals, county_dashboard, county_detail, hospital_advances, recalculations_pending, retro_compensation, search_index"
    )
    with opened(worked_store) as ledger:
        head = int(ledger.recorder.max_notification_id())
        views = open_store(store_config(worked_store))
        try:
            rows = status(ledger, views)
        finally:
            views.close()
    assert int(match["position"]) == head and int(match["start"]) == 0 and int(match["events"]) > 0
    assert {row["projection"]: (row["state"], row["lag"]) for row in rows} == {
        name: ("current", 0) for name in match["names"].split(", ")
    }
    year = _year(worked_store, "P-2.3")
    assert year is not None
    assert (year["payer_total"], year["patient_share"], year["paid_cii"]) == (
        Decimal("84606.00"),
        Decimal("15394.00"),
        Decimal("11682.00"),
    )


def test_rebuilding_one_view_again_picks_up_new_events(invoke, worked_store: str) -> None:
    assert invoke("rebuild", "annual_totals").exit_code == 0
    with opened(worked_store) as ledger:
        worked_example(ledger, "P-LATER")
    assert _year(worked_store, "P-LATER") is None
    again = invoke("rebuild", "annual_totals", "--batch-size", "7")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("rebuilt annual_totals: ")
    year = _year(worked_store, "P-LATER")
    assert year is not None and year["payer_total"] == Decimal("84606.00")


def test_rebuild_in_two_processes_equals_the_one_process_rebuild(invoke, worked_store: str) -> None:
    """`--workers 2` splits the projections over two processes on PostgreSQL (one on SQLite); same views."""
    from tests.projections.builders import dump

    from projections import catalog

    def every_view(views) -> dict:
        return {name: dump(views, name) for name in catalog.PROJECTIONS}

    assert invoke("rebuild", "all").exit_code == 0
    views = open_store(store_config(worked_store))
    try:
        one_process = every_view(views)
    finally:
        views.close()
    result = invoke("rebuild", "all", "--workers", "2")
    assert result.exit_code == 0, result.stderr
    match = SUMMARY.match(result.stdout.strip())
    assert match and int(match["start"]) == 0 and int(match["events"]) > 0, result.stdout
    views = open_store(store_config(worked_store))
    try:
        assert every_view(views) == one_process
    finally:
        views.close()
    assert invoke("rebuild", "all", "--workers", "0").exit_code == 2
