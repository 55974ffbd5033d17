"""The bulk path of a batch (issue #11): its read-ahead, the one-flight insert and the links it remembers.

A batch reads ahead in one query (service.batch_read_ahead), remembers each stream's hash-chain link from
that read, and on PostgreSQL inserts its events and chain rows in one pipeline flight. None of that may
change what is stored: the rows and chains equal those of the same commands run one by one, and of the
library's own insert; a refused batch or a tampered stream leaves nothing. Each test runs on both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, SETTLED_AT, poor_patient, publish_default, visit_commands
from tests.tamper.raw_rows import RawRows

from domain import ids
from domain.rules.claim import LATER_FACTS, ClaimFacts
from domain.vocabulary import PovertyStatus, Tier, Treatment, VisitKind
from service.batch import BatchCommandError, run_batch
from service.chained_persistence.chain import ChainBrokenError
from service.clock import ManualClock
from service.commands import Command, Discharge
from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings
from service.tamper_evidence import verify_chains

NOW = SETTLED_AT + timedelta(hours=1)


def _batches() -> list[list[Command]]:
    """Two uploads: the second settles into the patient-years the first opened (existing streams extended)."""
    first = visit_commands("A-1", "P-1", date(2018, 3, 1)) + visit_commands("A-2", "P-2", date(2018, 3, 2))
    second = visit_commands("A-3", "P-1", date(2018, 4, 1), lines=3) + visit_commands("A-4", "P-2", date(2018, 4, 2))
    return [first, second]


def _ledger(url: str) -> BenefitLedger:
    ledger = BenefitLedger.from_settings(Settings(database_url=url), clock=ManualClock(NOW))
    publish_default(ledger)
    for patient in ("P-1", "P-2"):
        poor_patient(ledger, patient)
    ensure_hospital(ledger, COUNTY_HOSPITAL)
    return ledger


def _stored(url: str, ledger: BenefitLedger) -> tuple[dict[tuple[str, int], tuple[str, bytes]], dict[Any, bytes]]:
    raw = RawRows(url, ledger)
    events = {
        (str(r[0]), int(r[1])): (r[2], bytes(r[3]))
        for r in raw.run("SELECT originator_id, originator_version, topic, state FROM {events}")
    }
    chain = {
        (str(r[0]), int(r[1])): bytes(r[2])
        for r in raw.run("SELECT originator_id, originator_version, hash FROM {chain}")
    }
    return events, chain


@pytest.fixture
def twin_url(store_url: str) -> Iterator[str]:
    """A second fresh store of the same kind as `store_url`."""
    if store_url.startswith("sqlite"):
        yield store_url.replace("ledger.db", "twin.db")
        return
    base, schema = store_url.split("?schema=")
    yield f"{base}?schema={schema}_twin"
    import psycopg
    from psycopg import sql

    from service.settings import store_config

    with psycopg.connect(store_config(store_url).conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(f"{schema}_twin")))


def test_batches_store_the_same_rows_and_chains_as_the_same_commands_one_by_one(store_url: str, twin_url: str) -> None:
    batched, single = _ledger(store_url), _ledger(twin_url)
    for batch in _batches():
        results = run_batch(batched, batch)
        assert not any(r["replayed"] for r in results)
        for command in batch:
            single.handle(command)
    events, chain = _stored(store_url, batched)
    assert (events, chain) == _stored(twin_url, single)
    assert len(chain) == len(events) > 0
    for ledger in (batched, single):
        assert verify_chains(ledger).ok
        assert ledger.verify_benefit_year("P-1", 2018)["verified"] is True
        ledger.close()


@pytest.fixture
def postgres_twins() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL stores."""
    import uuid

    from tests.conftest import _drop_schema, postgres_server_or_skip

    base = postgres_server_or_skip().split("?")[0]
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    yield f"{base}?schema={schemas[0]}", f"{base}?schema={schemas[1]}"
    for schema in schemas:
        _drop_schema(base, schema)


@pytest.mark.postgres
def test_the_one_flight_insert_stores_what_the_library_insert_stores(
    postgres_twins: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same batches on two PostgreSQL stores, one through the library's composite insert and a plan query."""
    store_url, twin_url = postgres_twins
    from service.chained_persistence import postgres
    from service.chained_persistence.links import first_versions

    fast = _ledger(store_url)
    for batch in _batches():
        run_batch(fast, batch)
    fast_rows = _ordered(store_url, fast)

    def library_insert(self: Any, conn: Any, stored_events: Any, rows: Any, **kwargs: Any) -> Any:
        return self._insert_then_plan(conn, stored_events, first_versions(stored_events), **kwargs)

    monkeypatch.setattr(postgres.ChainedPostgresApplicationRecorder, "_insert_in_one_flight", library_insert)
    monkeypatch.setattr(postgres.ChainedPostgresApplicationRecorder, "_known_links", lambda self, firsts: None)
    slow = _ledger(twin_url)
    for batch in _batches():
        run_batch(slow, batch)
    assert _ordered(twin_url, slow) == fast_rows  # byte for byte, in the same notification order
    assert _stored(twin_url, slow) == _stored(store_url, fast)
    fast.close()
    slow.close()


def _ordered(url: str, ledger: BenefitLedger) -> list[tuple[Any, ...]]:
    raw = RawRows(url, ledger)
    return [
        (str(r[0]), int(r[1]), r[2], bytes(r[3]), int(r[4]))
        for r in raw.run(
            "SELECT originator_id, originator_version, topic, state, notification_id FROM {events} ORDER BY 5"
        )
    ]


def test_a_refused_batch_writes_nothing_and_the_next_one_chains_cleanly(store_url: str) -> None:
    ledger = _ledger(store_url)
    raw = RawRows(store_url, ledger)
    first, second = _batches()
    run_batch(ledger, first)
    before = (raw.count("events"), raw.count("chain"))
    refused = [
        *second,
        Discharge(command_id="nowhere:discharge", admission_ref="NO-SUCH", discharged_on=date(2018, 4, 2)),
    ]
    with pytest.raises(BatchCommandError) as caught:
        run_batch(ledger, refused)
    assert caught.value.index == len(second)
    assert (raw.count("events"), raw.count("chain")) == before
    run_batch(ledger, second)
    assert verify_chains(ledger).ok
    assert raw.count("events") == raw.count("chain") > before[0]
    ledger.close()


@pytest.mark.parametrize("tamper", ["delete the last link", "add a link past the last event"])
def test_a_batch_onto_a_tampered_stream_is_refused_and_writes_nothing(store_url: str, tamper: str) -> None:
    ledger = _ledger(store_url)
    raw = RawRows(store_url, ledger)
    first, second = _batches()
    run_batch(ledger, first)
    year = ids.benefit_year_id("P-1", 2018)
    last = ledger.benefit_year_account("P-1", 2018).version
    if tamper == "delete the last link":
        raw.run("DELETE FROM {chain} WHERE originator_id = ? AND originator_version = ?", (raw.stream(year), last))
    else:
        raw.run(
            "INSERT INTO {chain} (originator_id, originator_version, hash) VALUES (?, ?, ?)",
            (raw.stream(year), last + 1, b"\x00" * 32),
        )
    before = (raw.count("events"), raw.count("chain"))
    with pytest.raises(ChainBrokenError):
        run_batch(ledger, second)  # settles A-3 into P-1's patient-year
    assert (raw.count("events"), raw.count("chain")) == before
    ledger.close()


def test_a_batch_of_whole_visits_reads_nothing_beyond_its_read_ahead(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a first batch (which learns the region's registers), a batch of whole visits asks the store for no
    single stream: its command records, admissions, patients, patient-years, hospital, policy and catalogue
    registers and county-year close all come from the read-ahead."""
    ledger = _ledger(store_url)
    first, second = _batches()
    run_batch(ledger, first)
    asked: list[Any] = []
    recorder_type = type(ledger.recorder)
    select_events = recorder_type.select_events

    def counted(self: Any, originator_id: Any, **kwargs: Any) -> Any:
        asked.append(originator_id)
        return select_events(self, originator_id, **kwargs)

    monkeypatch.setattr(recorder_type, "select_events", counted)
    run_batch(ledger, second)
    assert asked == []
    assert ledger.get_benefit_year("P-1", 2018).version == 3  # opened, two settlements
    ledger.close()


def test_claim_facts_to_dict_is_what_asdict_gave() -> None:
    """`ClaimFacts.to_dict` copies its fields without dataclasses.asdict; the recorded claim is unchanged."""
    base = ClaimFacts(
        claim_id="A-1#1",
        kind=VisitKind("inpatient"),
        tier=Tier("county"),
        in_county=True,
        in_province=True,
        designated=True,
        referred=False,
        service_date=date(2018, 3, 1),
        total=Decimal("20000.00"),
        compliant=Decimal("19000.00"),
        poverty_status=PovertyStatus("jiandanglika"),
        chronic_certified=False,
        major_diseases=("leukaemia", "uraemia"),
    )
    later = ClaimFacts(
        **{
            **asdict(base),
            "disease_treated": "uraemia",
            "treatment": Treatment.DIALYSIS,
            "charity_granted": Decimal("5"),
        }
    )
    for claim in (base, later):
        expected = asdict(claim)
        expected.update(
            kind=claim.kind.value,
            tier=claim.tier.value,
            poverty_status=claim.poverty_status.value,
            service_date=claim.service_date.isoformat(),
            major_diseases=list(claim.major_diseases),
            treatment=None if claim.treatment is None else claim.treatment.value,
        )
        expected = {k: v for k, v in expected.items() if not (k in LATER_FACTS and v == LATER_FACTS[k])}
        assert claim.to_dict() == expected
        assert list(claim.to_dict()) == list(expected)
        assert ClaimFacts.from_dict(claim.to_dict()) == claim
