"""Exactly-once: a replayed batch rolls back, a failing handler rolls back its whole batch, racing runners
never double count."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from tests.projections.builders import REGION, busy_county, catch_up, dump, publish, worked_example

from projections import annual_totals, catalog, county_dashboard
from projections.runner import PositionConflict, ProjectionError, Runner
from projections.store import ViewStore, open_store
from service.ledger import BenefitLedger
from service.settings import store_config

D = Decimal


def test_the_same_batch_fed_twice_is_counted_once(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)
    runner = Runner(ledger, views, catalog.select("all"))
    runner.prepare()
    before = runner.positions()
    head = runner.head()
    batch = ledger.recorder.select_notifications(start=1, limit=1000, stop=head, topics=runner.topics)
    runner.apply_batch(before, batch, head)
    with pytest.raises(PositionConflict):
        runner.apply_batch(before, batch, head)  # the same batch again: its tracking CAS fails
    with pytest.raises(PositionConflict):
        runner.apply_batch(before, batch[:3], batch[2].id)  # an overlapping stale batch too
    assert set(runner.positions().values()) == {head}
    assert runner.run_once() == 0
    year = annual_totals(views, "P-WE", 2018)
    assert year is not None and (year["paid_ncms"], year["person_times"]) == (D("66530.00"), 2)
    assert county_dashboard(views, REGION, 2018)["total_cost"] == D("100000.00")


def test_a_failing_handler_rolls_back_its_batch_and_the_position(
    ledger: BenefitLedger, views: ViewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(ledger)
    worked_example(ledger)
    projection = catalog.PROJECTIONS["annual_totals"]
    topic = "ledger:BenefitYear.SettlementRecorded"
    calls: list[int] = []

    def second_fails(view, event):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")

    monkeypatch.setitem(projection.handlers, topic, projection.handlers[topic] + (second_fails,))  # type: ignore[index]
    runner = Runner(ledger, views, [projection], batch_size=1000)
    with pytest.raises(ProjectionError, match="annual_totals failed on notification"):
        runner.run_once()
    assert runner.positions() == {"annual_totals": 0}
    assert dump(views, "annual_totals") == {"annual_totals": [], "annual_settlements": [], "annual_policy_caps": []}
    monkeypatch.undo()
    runner.run_once()
    year = annual_totals(views, "P-WE", 2018)
    assert year is not None and year["patient_share"] == D("15394.00")


def test_racing_runners_never_double_count(ledger: BenefitLedger, views: ViewStore, store_url: str) -> None:
    busy_county(ledger, patients=4)
    stores = [open_store(store_config(store_url)) for _ in range(3)]
    Runner(ledger, views, catalog.select("all")).prepare()
    errors: list[BaseException] = []

    def run(store: ViewStore) -> None:
        try:
            Runner(ledger, store, catalog.select("all"), batch_size=3).run_once()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    raced = {name: dump(views, name) for name in catalog.PROJECTIONS}
    from projections.rebuild import rebuild

    rebuild(ledger, views, "all", swap=False, progress=False)
    for name in catalog.PROJECTIONS:
        assert dump(views, name, shadow=True) == raced[name], name
    catch_up(ledger, views)  # nothing left to do
