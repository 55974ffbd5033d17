"""A rebuild keeps the shadow tables' rows in memory and writes each table once per batch
(projections.buffered_view); whatever the batch size, cache bound or interleaving, it equals the live run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from tests.projections.builders import busy_county, catch_up, dump

from projections import buffered_view, catalog
from projections.buffered_view import BufferedView, BufferState
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.store import ViewStore
from projections.tables import Table
from projections.view import View
from service.ledger import BenefitLedger


@pytest.fixture
def live(ledger: BenefitLedger, views: ViewStore) -> dict[str, dict]:
    busy_county(ledger)
    catch_up(ledger, views)
    return {name: dump(views, name) for name in catalog.PROJECTIONS}


@pytest.mark.parametrize("batch_size", [1, 13, 1000])
def test_a_rebuild_equals_the_live_tables_at_any_batch_size(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict], batch_size: int
) -> None:
    rebuild(ledger, views, "all", batch_size=batch_size, swap=False, progress=False)
    for name in catalog.PROJECTIONS:
        assert dump(views, name, shadow=True) == live[name], name


def test_a_cache_that_drops_its_rows_between_batches_reads_them_back(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buffered_view, "ROWS_KEPT_MAX", 2)  # every table becomes incomplete after a batch or two
    rebuild(ledger, views, "all", batch_size=9, swap=False, progress=False)
    for name in catalog.PROJECTIONS:
        assert dump(views, name, shadow=True) == live[name], name


def test_two_rebuilding_runners_taking_turns_never_trust_a_stale_cache(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict]
) -> None:
    first, second = (Runner(ledger, views, catalog.select("all"), batch_size=11, shadow=True) for _ in range(2))
    turns = 0
    while first.run_once(until_head=False) + second.run_once(until_head=False):
        turns += 1
    assert turns > 2  # each ran batches after the other had moved the positions
    for name in catalog.PROJECTIONS:
        assert dump(views, name, shadow=True) == live[name], name


def test_a_copy_path_rebuild_equals_the_live_tables(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: new shadow rows are COPYed and changed ones deleted then COPYed again, across batches;
    SQLite: the executemany path. Either way the rebuilt tables equal the live ones."""
    from projections.store import Tx

    copied: list[str] = []
    real_copy = Tx.copy_rows

    def spy(self: Tx, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        copied.append(table)
        real_copy(self, table, columns, rows)

    monkeypatch.setattr(Tx, "copy_rows", spy)
    rebuild(ledger, views, "all", batch_size=7, swap=False, progress=False)
    for name in catalog.PROJECTIONS:
        assert dump(views, name, shadow=True) == live[name], name
    if views.kind == "postgres":
        assert "proj_audit_events__shadow" in copied and "proj_annual_totals__shadow" in copied
        assert copied.count("proj_annual_totals__shadow") > 1  # rows rewritten in later batches
    else:
        assert copied == []
    rebuild(ledger, views, "all", batch_size=7, progress=False)  # and the swapped-in tables answer as before
    for name in catalog.PROJECTIONS:
        assert dump(views, name) == live[name], name


def test_a_rebuild_split_over_two_processes_equals_the_live_tables(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict]
) -> None:
    """PostgreSQL: two parts (no shared table or tracking row), one in a spawned process, then the swap;
    SQLite has one writer: the same call rebuilds in this process."""
    result = rebuild(ledger, views, "all", batch_size=50, progress=False, workers=2)
    assert result["position"] == ledger.recorder.max_notification_id()
    for name in catalog.PROJECTIONS:
        assert dump(views, name) == live[name], name


def test_a_batch_whose_tracking_rows_moved_underneath_changes_no_position(
    ledger: BenefitLedger, views: ViewStore, live: dict[str, dict]
) -> None:
    """The batch's compare-and-set of every tracking row (one statement on PostgreSQL): if any one moved since it
    was read, PositionConflict, and none of them moves."""
    from projections.runner import SHADOW_SUFFIX, PositionConflict, tracking_rows
    from projections.store import TRACKING

    runner = Runner(ledger, views, catalog.select("all"), batch_size=5, shadow=True)
    runner.prepare()
    positions = runner.positions()
    page = ledger.recorder.select_notifications(start=1, limit=5, topics=runner.topics)
    with views.transaction() as tx:  # another runner moved one of them
        tx.execute(f"UPDATE {TRACKING} SET position = 3 WHERE projection = ?", ["search_index" + SHADOW_SUFFIX])
    with pytest.raises(PositionConflict):
        runner.apply_batch(positions, page, page[-1].id)
    with views.transaction(readonly=True) as tx:
        rows = tracking_rows(tx)
    assert {p.name: rows[p.name + SHADOW_SUFFIX][0] for p in runner.projections} == {
        **positions,
        "search_index": 3,
    }
    runner.run_once(until_head=True)  # and the runner carries on from the positions as they are
    assert dump(views, "annual_totals", shadow=True) == live["annual_totals"]


def test_an_amount_is_cached_as_the_table_gives_it_back_after_a_live_insert(views: ViewStore) -> None:
    """An amount already in fen is kept as it is (not rounded a second time); one with more places is rounded
    once, half up, as PostgreSQL's NUMERIC(18,2) rounds it; no negative zero. On SQLite amounts are exact text."""
    table = Table("money_probe", (("k", "int"), ("amount", "money")), key=("k",))
    amounts = [Decimal("12.34"), Decimal("1.005"), Decimal("-1.005"), Decimal("2.675"), Decimal("-0.00"), Decimal(7)]
    with views.transaction() as tx:
        for shadow in (False, True):
            tx.execute(f"DROP TABLE IF EXISTS {table.physical(shadow)}")
            for statement in table.ddl(tx.dialect, table.physical(shadow), ""):
                tx.execute(statement)
        for k, amount in enumerate(amounts):
            View(tx).insert(table, {"k": k, "amount": amount})
        stored = [str(row["amount"]) for row in View(tx).select(table)]
    with views.transaction(bulk=True) as tx:
        view = BufferedView(tx, BufferState({"probe": 0}, {"probe": [table]}))
        for k, amount in enumerate(amounts):
            view.insert(table, {"k": k, "amount": amount})
        cached = [str(view.select(table, {"k": k})[0]["amount"]) for k in range(len(amounts))]
        view.flush()
        written = [str(row["amount"]) for row in View(tx, shadow=True).select(table)]
    assert cached == stored == written
    if views.kind == "postgres":
        assert stored == ["12.34", "1.01", "-1.01", "2.68", "0.00", "7.00"]
