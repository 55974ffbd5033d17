"""Tamper evidence: every stream's hash chain, and a verifier that names edited, deleted and inserted rows.

Each test runs on SQLite and PostgreSQL (`store_url`). Tampering is raw SQL on the events and chain
tables, as someone with database access would do it.
"""

from __future__ import annotations

import threading
from datetime import date
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from tests.application.scenario import publish_default, worked_example
from tests.tamper.raw_rows import RawRows

from domain import ids
from service.chained_persistence.chain import KEY_ENV, ChainBrokenError, ChainHasher, ChainKeyError, stream_key
from service.commands import RecordFollowUp, SignFamilyDoctorContract
from service.ledger import BenefitLedger
from service.settings import Settings, ensure_schema, store_config
from service.tamper_evidence import ChainProblem, verify_chains

YEAR = ids.benefit_year_id("P-2.3", 2018)  # Opened, settlement A, settlement B: versions 1..3
PATIENT = ids.patient_id("P-2.3")  # registered, enrolled, poverty status: versions 1..3
ADMISSION = ids.admission_id("P-2.3-A")  # registered, two charge lines, discharged, settled: versions 1..5


def _settled(url: str) -> BenefitLedger:
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    publish_default(ledger)
    worked_example(ledger)
    return ledger


def _only(problems: list[ChainProblem]) -> ChainProblem:
    assert len(problems) == 1, problems
    return problems[0]


def _appended(stream: UUID, version: int, writer: int = 0) -> StoredEvent:
    return StoredEvent(
        originator_id=stream,
        originator_version=version,
        topic="test:Appended",
        state=f'{{"writer":{writer},"version":{version}}}'.encode(),
    )


def test_a_settled_scenario_verifies_clean_with_one_chain_row_per_event(store_url: str) -> None:
    ledger = _settled(store_url)
    raw = RawRows(store_url, ledger)
    report = verify_chains(ledger)
    assert report.ok and report.problems == []
    assert report.events_checked == raw.count("events") == raw.count("chain") > 0
    streams = raw.run("SELECT count(DISTINCT originator_id) FROM {events}")[0][0]
    assert report.streams_checked == streams
    assert report.keyed is False
    only_year = verify_chains(ledger, originator_ids=[str(YEAR)])
    assert (only_year.ok, only_year.streams_checked, only_year.events_checked) == (True, 1, 3)
    ledger.close()


def test_an_edited_state_or_topic_is_reported_as_edited_naming_table_stream_and_version(store_url: str) -> None:
    ledger = _settled(store_url)
    raw = RawRows(store_url, ledger)
    topic, state = raw.event(YEAR, 2)
    edited = state.replace(b"0", b"9", 1)
    assert edited != state
    raw.run(
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (edited, raw.stream(YEAR), 2),
    )

    problem = _only(verify_chains(ledger).problems)
    assert (problem.originator_id, problem.version, problem.kind) == (YEAR.hex, 2, "edited")
    assert raw.events in problem.detail and YEAR.hex in problem.detail and "version 2" in problem.detail
    assert "\n" not in problem.detail

    # a topic edit, and a state that no longer decodes at all, are reported the same way
    raw.run(
        "UPDATE {events} SET topic = ? WHERE originator_id = ? AND originator_version = ?",
        (topic.replace("Settlement", "Refund"), raw.stream(YEAR), 3),
    )
    raw.run(
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (b"\x00not json", raw.stream(PATIENT), 2),
    )
    report = verify_chains(ledger)
    assert not report.ok
    assert {(p.originator_id, p.version, p.kind) for p in report.problems} == {
        (YEAR.hex, 2, "edited"),
        (YEAR.hex, 3, "edited"),
        (PATIENT.hex, 2, "edited"),
    }
    only_patient = verify_chains(ledger, originator_ids=[PATIENT])
    assert only_patient.streams_checked == 1
    assert [(p.version, p.kind) for p in only_patient.problems] == [(2, "edited")]
    ledger.close()


def test_a_deleted_event_row_is_reported_deleted_with_its_version(store_url: str) -> None:
    ledger = _settled(store_url)
    raw = RawRows(store_url, ledger)
    raw.run("DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?", (raw.stream(YEAR), 2))
    problem = _only(verify_chains(ledger).problems)
    assert (problem.originator_id, problem.version, problem.kind) == (YEAR.hex, 2, "deleted")
    assert raw.events in problem.detail and "version 2" in problem.detail and "chain row" in problem.detail

    # deleting the chain row too leaves a hole in the versions: still reported, with its version
    for table in ("events", "chain"):
        raw.run(
            f"DELETE FROM {{{table}}} WHERE originator_id = ? AND originator_version = ?", (raw.stream(ADMISSION), 3)
        )
    report = verify_chains(ledger)
    assert {(p.originator_id, p.version, p.kind) for p in report.problems} == {
        (YEAR.hex, 2, "deleted"),
        (ADMISSION.hex, 3, "deleted"),
    }
    ledger.close()


def test_edited_and_deleted_chain_rows_and_an_appended_event_row_are_told_apart(store_url: str) -> None:
    ledger = _settled(store_url)
    raw = RawRows(store_url, ledger)
    raw.run(
        "UPDATE {chain} SET hash = ? WHERE originator_id = ? AND originator_version = ?",
        (b"\x01" * 32, raw.stream(YEAR), 2),
    )
    raw.run("DELETE FROM {chain} WHERE originator_id = ? AND originator_version = ?", (raw.stream(ADMISSION), 2))
    topic, state = raw.event(PATIENT, 3)
    raw.run(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (raw.stream(PATIENT), 4, topic, state),
    )

    problems = {(p.originator_id, p.version, p.kind): p.detail for p in verify_chains(ledger).problems}
    assert set(problems) == {
        (YEAR.hex, 2, "edited"),
        (ADMISSION.hex, 2, "chain-row-missing"),
        (PATIENT.hex, 4, "inserted"),
    }
    assert f"chain row in {raw.chain} was edited" in problems[(YEAR.hex, 2, "edited")]
    ledger.close()


def test_a_clean_store_after_many_saves_and_colliding_writers_verifies(store_url: str) -> None:
    ledger = _settled(store_url)
    stream, rounds, writers = uuid4(), 25, 3
    apps = [BenefitLedger.from_settings(Settings(database_url=store_url)) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    won: list[int] = []
    collided: list[int] = []
    errors: list[BaseException] = []

    def append(app: BenefitLedger, writer: int) -> None:
        for version in range(1, rounds + 1):
            barrier.wait(timeout=30)
            try:
                app.recorder.insert_events([_appended(stream, version, writer)])
                won.append(version)
            except IntegrityError:
                collided.append(version)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=append, args=(app, n)) for n, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(won) == list(range(1, rounds + 1))  # exactly one writer wins each version
    assert len(collided) == rounds * (writers - 1)  # the others collide on the events' key, as without a chain

    for n in range(40):  # and many ordinary saves, several aggregates per save
        ledger.handle(
            RecordFollowUp(
                command_id=f"follow-up:{n}", patient_ref="P-2.3", followed_up_on=date(2018, 8, 1), heart_rate=60 + n
            )
        )
    report = verify_chains(ledger)
    assert report.ok, report.problems[:3]
    raw = RawRows(store_url, ledger)
    assert report.events_checked == raw.count("events") == raw.count("chain")
    assert verify_chains(ledger, originator_ids=[stream]).events_checked == rounds
    for app in apps:
        app.close()
    ledger.close()


def test_bulk_saves_over_many_streams_chain_every_event(store_url: str) -> None:
    """Saves touching more streams than the listed statements take (50 streams, 2 events each) use arrays."""
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    streams = [uuid4() for _ in range(50)]
    ledger.recorder.insert_events([_appended(s, v) for s in streams for v in (1, 2)])
    ledger.recorder.insert_events([_appended(s, 3) for s in streams])
    report = verify_chains(ledger)
    assert (report.ok, report.streams_checked, report.events_checked) == (True, 50, 150)
    raw = RawRows(store_url, ledger)
    raw.run("DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?", (raw.stream(streams[7]), 2))
    assert [(p.originator_id, p.version, p.kind) for p in verify_chains(ledger).problems] == [
        (streams[7].hex, 2, "deleted")
    ]
    ledger.close()


def test_a_collision_or_a_tampered_chain_appends_nothing(store_url: str) -> None:
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    raw = RawRows(store_url, ledger)
    stream = uuid4()
    ledger.recorder.insert_events([_appended(stream, v) for v in (1, 2, 3)])
    chain_before = raw.run("SELECT originator_version, hash FROM {chain} ORDER BY 1")

    with pytest.raises(IntegrityError):  # the same version again, other content: fails whole
        ledger.recorder.insert_events([_appended(stream, 4), _appended(stream, 3, writer=1)])
    assert raw.run("SELECT originator_version, hash FROM {chain} ORDER BY 1") == chain_before
    assert raw.count("events") == 3

    # the last event row deleted (its chain row survives): the stream cannot be extended over it
    raw.run("DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?", (raw.stream(stream), 3))
    with pytest.raises(ChainBrokenError, match="version 3"):
        ledger.recorder.insert_events([_appended(stream, 3, writer=2)])
    assert (raw.count("events"), raw.count("chain")) == (2, 3)
    assert [(p.version, p.kind) for p in verify_chains(ledger).problems] == [(3, "deleted")]
    ledger.close()


def test_a_store_written_before_chaining_is_reported_then_each_stream_adopted_on_its_next_save(store_url: str) -> None:
    config = store_config(store_url)
    ensure_schema(config)
    plain_module = "eventsourcing.postgres" if config.kind == "postgres" else "eventsourcing.sqlite"
    plain = BenefitLedger(env={**config.env, "PERSISTENCE_MODULE": plain_module})
    publish_default(plain)
    worked_example(plain)
    plain.close()

    ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
    report = verify_chains(ledger)
    assert report.problems and {p.kind for p in report.problems} == {"chain-row-missing"}
    assert len(report.problems) == report.streams_checked  # one line per unchained stream
    assert PATIENT.hex in {p.originator_id for p in report.problems}

    ledger.handle(
        SignFamilyDoctorContract(command_id="contract", patient_ref="P-2.3", doctor="D-1", signed_on=date(2018, 9, 1))
    )
    adopted = verify_chains(ledger, originator_ids=[PATIENT])
    assert (adopted.ok, adopted.events_checked) == (True, 4)
    assert len(verify_chains(ledger).problems) == len(report.problems) - 1
    ledger.close()


def _recompute_chain(raw: RawRows, stream: UUID, hasher: ChainHasher) -> None:
    """What an attacker without the key does after an edit: recompute the stream's chain, unkeyed."""
    link = hasher.genesis(stream_key(stream))
    for version, topic, state in raw.run(
        "SELECT originator_version, topic, state FROM {events} WHERE originator_id = ? ORDER BY originator_version",
        (raw.stream(stream),),
    ):
        link = hasher.link(link, stream_key(stream), version, topic, bytes(state))
        raw.run(
            "UPDATE {chain} SET hash = ? WHERE originator_id = ? AND originator_version = ?",
            (link, raw.stream(stream), version),
        )


def _edit_and_recompute(url: str, ledger: BenefitLedger) -> None:
    raw = RawRows(url, ledger)
    _, state = raw.event(YEAR, 2)
    raw.run(
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (state.replace(b"0", b"9", 1), raw.stream(YEAR), 2),
    )
    _recompute_chain(raw, YEAR, ChainHasher(None))


def test_with_a_key_an_edit_whose_chain_was_recomputed_is_still_detected(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "k3y-kept-in-the-payment-hsm-0001")
    ledger = _settled(store_url)
    assert verify_chains(ledger).ok and verify_chains(ledger).keyed
    _edit_and_recompute(store_url, ledger)
    problems = verify_chains(ledger).problems
    assert (YEAR.hex, 2, "edited") in {(p.originator_id, p.version, p.kind) for p in problems}
    assert {p.originator_id for p in problems} == {YEAR.hex}
    ledger.close()


def test_without_a_key_an_edit_whose_chain_was_recomputed_passes_the_documented_limit(store_url: str) -> None:
    ledger = _settled(store_url)
    _edit_and_recompute(store_url, ledger)
    assert verify_chains(ledger).ok  # why LEDGER_CHAIN_KEY (or an external anchor) matters
    ledger.close()


def test_a_store_chained_under_a_key_refuses_another_key_or_none(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "k3y-kept-in-the-payment-hsm-0001")
    _settled(store_url).close()
    raw_count = None
    for other in ("another-key-of-32-characters-0002", None):
        if other is None:
            monkeypatch.delenv(KEY_ENV)
        else:
            monkeypatch.setenv(KEY_ENV, other)
        ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
        raw = RawRows(store_url, ledger)
        raw_count = raw_count or raw.count("events")
        with pytest.raises(ChainKeyError, match=KEY_ENV):
            verify_chains(ledger)
        with pytest.raises(ChainKeyError, match=KEY_ENV):
            ledger.handle(
                RecordFollowUp(command_id=f"follow-up:{other}", patient_ref="P-2.3", followed_up_on=date(2018, 8, 1))
            )
        assert raw.count("events") == raw_count  # nothing appended
        ledger.close()
    with pytest.raises(ChainKeyError, match="at least"):
        ChainHasher(b"short")
