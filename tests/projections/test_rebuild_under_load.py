"""A rebuild swapped in while a live runner follows the log and commands keep appending events."""

from __future__ import annotations

import threading
from datetime import date

from tests.projections.builders import COUNTY_HOSPITAL, admit_and_settle, busy_county, catch_up, dump, patient

from projections import catalog
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.store import ViewStore, open_store
from service.ledger import BenefitLedger
from service.settings import Settings, store_config

NAMES = list(catalog.PROJECTIONS)


def test_swap_while_the_live_runner_and_writers_are_busy(
    ledger: BenefitLedger, views: ViewStore, store_url: str
) -> None:
    busy_county(ledger, patients=3)
    stop = threading.Event()
    errors: list[BaseException] = []
    live_store = open_store(store_config(store_url))
    writer_ledger = BenefitLedger.from_settings(Settings(database_url=store_url))

    def follow() -> None:
        try:
            Runner(ledger, live_store, catalog.select("all"), batch_size=3).run_forever(0.01, stop.is_set)
        except BaseException as exc:
            errors.append(exc)

    def write() -> None:
        try:
            for n in range(8):
                ref = f"W{n}"
                patient(writer_ledger, ref)
                admit_and_settle(
                    writer_ledger,
                    ref,
                    f"{ref}-1",
                    COUNTY_HOSPITAL,
                    total="2500",
                    compliant="2400",
                    day=date(2018, 6, 1 + n),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=follow), threading.Thread(target=write)]
    for t in threads:
        t.start()
    for name in ("annual_totals", "all", "county_dashboard"):
        rebuild(ledger, views, name, batch_size=7, progress=False)
    threads[1].join()
    stop.set()
    threads[0].join()
    live_store.close()
    writer_ledger.close()
    assert errors == []
    catch_up(ledger, views)
    live = {name: dump(views, name) for name in NAMES}
    assert len(live["annual_totals"]["annual_totals"]) == 1 + 3 + 8
    rebuild(ledger, views, "all", swap=False, progress=False)
    for name in NAMES:
        assert dump(views, name, shadow=True) == live[name], name
