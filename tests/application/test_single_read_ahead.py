"""A single command on PostgreSQL reads what it needs in one query (service.single_read_ahead).

The read-ahead must change how many queries a command costs, nothing else: the rows stored and the results
answered equal those of the same commands without it; a retried command id replays its first result; a stale
expected_version is a 409; a writer that gets in between the read-ahead and the save still collides, and
the command runs again on fresh state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, SETTLED_AT, poor_patient, publish_default, visit_commands
from tests.tamper.raw_rows import RawRows

from domain.errors import ConcurrencyConflictError
from service import ledger as ledger_module
from service.clock import ManualClock
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings
from service.tamper_evidence import verify_chains

pytestmark = pytest.mark.postgres

NOW = SETTLED_AT + timedelta(hours=1)
READS = ("select_events", "select_newer", "select_streams", "select_streams_with_links", "select_notifications")


@pytest.fixture
def postgres_urls() -> Iterator[list[str]]:
    """Three fresh PostgreSQL stores (schemas), dropped afterwards."""
    from tests.conftest import _drop_schema, postgres_server_or_skip

    base = postgres_server_or_skip().split("?")[0]
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(3)]
    yield [f"{base}?schema={schema}" for schema in schemas]
    for schema in schemas:
        _drop_schema(base, schema)


class Reads:
    """Counts the queries a ledger's event and snapshot recorders run, by method."""

    def __init__(self, ledger: BenefitLedger, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        recorders = {id(r): r for r in (ledger.recorder, ledger.snapshots.recorder if ledger.snapshots else None) if r}
        for recorder in recorders.values():
            for name in READS:
                if hasattr(recorder, name):
                    monkeypatch.setattr(recorder, name, self._counting(name, getattr(recorder, name)))

    def _counting(self, name: str, method: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted

    def during(self, run: Any) -> tuple[Any, list[str]]:
        self.calls.clear()
        result = run()
        return result, list(self.calls)


def _ledger(url: str, *, group_commit: bool = False) -> BenefitLedger:
    ledger = BenefitLedger.from_settings(Settings(database_url=url, group_commit=group_commit), clock=ManualClock(NOW))
    publish_default(ledger)
    poor_patient(ledger, "P-1")
    ensure_hospital(ledger, COUNTY_HOSPITAL)
    return ledger


def _elsewhere(run: Any) -> Any:
    """`run()` in another thread (as another process would: outside this thread's unit of work), its result."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _rows(url: str, ledger: BenefitLedger) -> list[tuple[Any, ...]]:
    raw = RawRows(url, ledger)
    return [
        (str(r[0]), int(r[1]), r[2], bytes(r[3]))
        for r in raw.run(
            "SELECT originator_id, originator_version, topic, state FROM {events} ORDER BY notification_id"
        )
    ]


def _chain(url: str, ledger: BenefitLedger) -> list[tuple[Any, ...]]:
    raw = RawRows(url, ledger)
    return [
        (str(r[0]), int(r[1]), bytes(r[2]))
        for r in raw.run("SELECT originator_id, originator_version, hash FROM {chain} ORDER BY 1, 2")
    ]


def test_a_warm_settlement_reads_with_one_query(postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = _ledger(postgres_urls[0])
    first, second = visit_commands("A-1", "P-1", date(2018, 3, 1)), visit_commands("A-2", "P-1", date(2018, 3, 5))
    for command in first + second[:-1]:
        ledger.handle(command)
    reads = Reads(ledger, monkeypatch)
    result, calls = reads.during(lambda: ledger.handle(second[-1]))
    assert result["replayed"] is False
    assert calls == ["select_newer"]
    assert ledger.verify_benefit_year("P-1", 2018)["verified"] is True
    ledger.close()


def test_a_warm_charge_line_and_discharge_read_with_one_query_each(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger(postgres_urls[0])
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    ledger.handle(visit[0])
    reads = Reads(ledger, monkeypatch)
    for command in visit[1:4]:
        _, calls = reads.during(lambda command=command: ledger.handle(command))
        assert calls == ["select_newer"], command.command
    ledger.close()


def test_a_warm_command_saved_from_its_thread_needs_no_query_to_plan_its_chain_rows(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without group commit the command's thread inserts: its read-ahead read the chain links in the same flight."""
    ledger = _ledger(postgres_urls[0])
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    ledger.handle(visit[0])
    recorder: Any = ledger.recorder
    plan, plans = recorder._plan, []
    monkeypatch.setattr(recorder, "_plan", lambda *args: plans.append(1) or plan(*args))
    for command in visit[1:]:
        assert ledger.handle(command)["replayed"] is False
    assert plans == []
    assert verify_chains(ledger).ok
    assert ledger.verify_benefit_year("P-1", 2018)["verified"] is True
    ledger.close()


@pytest.mark.parametrize("group_commit", [False, True], ids=["direct", "group commit"])
def test_rows_and_results_equal_those_without_read_ahead(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch, group_commit: bool
) -> None:
    commands = visit_commands("A-1", "P-1", date(2018, 3, 1)) + visit_commands("A-2", "P-1", date(2018, 3, 5))
    ahead = _ledger(postgres_urls[0], group_commit=group_commit)
    ahead_results = [ahead.handle(command) for command in commands]
    with monkeypatch.context() as patched:
        patched.setattr(ledger_module, "reads_ahead", lambda ledger, command: False)
        plain = _ledger(postgres_urls[1], group_commit=group_commit)
        plain_results = [plain.handle(command) for command in commands]
    assert ahead_results == plain_results
    assert _rows(postgres_urls[0], ahead) == _rows(postgres_urls[1], plain)  # byte for byte, in the same order
    assert _chain(postgres_urls[0], ahead) == _chain(postgres_urls[1], plain)
    assert verify_chains(ahead).ok
    for ledger in (ahead, plain):
        ledger.close()


def test_a_retried_command_id_replays_its_first_result_in_one_query(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_urls[0]
    ledger = _ledger(url)
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    for command in visit[:-1]:
        ledger.handle(command)
    first = ledger.handle(visit[-1])
    before = len(_rows(url, ledger))
    reads = Reads(ledger, monkeypatch)
    again, calls = reads.during(lambda: ledger.handle(visit[-1]))
    assert again == {**first, "replayed": True}
    assert calls == ["select_newer"]
    assert len(_rows(url, ledger)) == before
    ledger.close()


def test_a_stale_expected_version_is_refused_with_the_current_version(postgres_urls: list[str]) -> None:
    url = postgres_urls[0]
    ledger = _ledger(url)
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    for command in visit[:2]:
        ledger.handle(command)
    before = len(_rows(url, ledger))
    stale = visit[2].model_copy(update={"expected_version": 1})
    with pytest.raises(ConcurrencyConflictError) as refused:
        ledger.handle(stale)
    assert refused.value.current_version == 2
    assert len(_rows(url, ledger)) == before
    assert ledger.handle(visit[2].model_copy(update={"expected_version": 2}))["replayed"] is False
    ledger.close()


def test_a_writer_between_the_read_ahead_and_the_save_collides_and_the_command_runs_again(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process adds a line to the admission just after this one read it ahead: the save collides on the
    admission's next version, and the re-run (fresh state) records the line on top of the other's."""
    url = postgres_urls[0]
    ledger = _ledger(url)
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    ledger.handle(visit[0])
    other = BenefitLedger.from_settings(Settings(database_url=url), clock=ManualClock(NOW))
    recorder: Any = ledger.recorder
    read = recorder.select_newer
    reads: list[int] = []

    def read_then_other_writes(known: Any, **kwargs: Any) -> Any:
        found = read(known, **kwargs)
        if not reads:
            _elsewhere(lambda: other.handle(visit[2]))  # line 2, by the other process, after this read
        reads.append(len(known))
        return found

    monkeypatch.setattr(recorder, "select_newer", read_then_other_writes)
    result = ledger.handle(visit[1])
    assert result["replayed"] is False
    assert len(reads) == 2  # read ahead, collided, read ahead again
    admission = ledger.get_admission("A-1")
    assert sorted(admission.lines) == ["1", "2"]
    assert verify_chains(ledger).ok
    other.close()
    ledger.close()


def test_the_same_command_id_saved_meanwhile_by_another_process_replays_its_result(
    postgres_urls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_urls[0]
    ledger = _ledger(url)
    visit = visit_commands("A-1", "P-1", date(2018, 3, 1))
    ledger.handle(visit[0])
    other = BenefitLedger.from_settings(Settings(database_url=url), clock=ManualClock(NOW))
    recorder: Any = ledger.recorder
    read = recorder.select_newer
    theirs: list[dict[str, Any]] = []

    def read_then_other_writes(known: Any, **kwargs: Any) -> Any:
        found = read(known, **kwargs)
        if not theirs:
            theirs.append(_elsewhere(lambda: other.handle(visit[1])))  # the same command id, served elsewhere
        return found

    monkeypatch.setattr(recorder, "select_newer", read_then_other_writes)
    before = len(_rows(url, ledger))
    mine = ledger.handle(visit[1])
    assert mine == {**theirs[0], "replayed": True}
    assert len(_rows(url, ledger)) == before + 2  # the line and its command record, once
    other.close()
    ledger.close()


def test_select_events_returns_what_the_library_returns_for_every_shape(postgres_urls: list[str]) -> None:
    """The recorder's `select_events` (statements built once per shape, tuple rows) against the library's own."""
    from itertools import product

    from eventsourcing.postgres import PostgresApplicationRecorder

    from domain import ids

    ledger = _ledger(postgres_urls[0])
    recorder: Any = ledger.recorder
    patient = ids.patient_id("P-1")
    assert len(recorder.select_events(patient)) >= 3
    for gt, lte, desc, limit in product([None, 1], [None, 2], [False, True], [None, 1]):
        kwargs = {"gt": gt, "lte": lte, "desc": desc, "limit": limit}
        for oid in (patient, uuid.uuid4()):
            assert recorder.select_events(oid, **kwargs) == PostgresApplicationRecorder.select_events(
                recorder, oid, **kwargs
            ), kwargs
    ledger.close()
