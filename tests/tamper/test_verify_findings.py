"""`verify_ledger`: every check runs whatever the others find, on SQLite and PostgreSQL.

Tampering is raw SQL, as someone with database access would do it; the chain is recomputed unkeyed
where the point is that the chain alone cannot see the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from tests.application.scenario import publish_default, worked_example
from tests.tamper.raw_rows import RawRows
from tests.tamper.test_hash_chain import _recompute_chain

from domain import ids
from service.chained_persistence.chain import ChainHasher
from service.ledger import BenefitLedger
from service.settings import Settings
from service.tamper_evidence import verify_chains
from service.verification import ACCUMULATORS, ADMISSION, CHAIN, SETTLEMENT, UNREADABLE, verify_ledger


@contextmanager
def _fresh(url: str) -> Iterator[BenefitLedger]:
    """A new process's view of the store: nothing cached from the writes."""
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        yield ledger
    finally:
        ledger.close()


def _settled(url: str, *patients: str) -> RawRows:
    with _fresh(url) as ledger:
        publish_default(ledger)
        for patient in patients:
            worked_example(ledger, patient)
        return RawRows(url, ledger)


def _delete(raw: RawRows, stream: UUID, version: int) -> None:
    """The event row and its chain row, both."""
    for table in ("events", "chain"):
        raw.run(
            f"DELETE FROM {{{table}}} WHERE originator_id = ? AND originator_version = ?", (raw.stream(stream), version)
        )


def test_a_clean_store_has_no_findings_and_counts_what_it_checked(store_url: str) -> None:
    _settled(store_url, "P-1", "P-2")
    with _fresh(store_url) as ledger:
        report = verify_ledger(ledger)
        one = verify_ledger(ledger, only=("P-1", 2018))
    assert report.ok, report.findings
    assert (report.patient_years, report.settlements, report.admissions) == (2, 4, 4)
    assert one.ok and (one.patient_years, one.settlements, one.admissions, one.streams_checked) == (1, 2, 2, 4)


def test_an_edited_ncms_total_with_its_chain_recomputed_is_found_by_re_deriving_the_accumulators(
    store_url: str,
) -> None:
    raw = _settled(store_url, "P-2.3")
    year = ids.benefit_year_id("P-2.3", 2018)
    _, state = raw.event(year, 3)
    assert state.count(b'"66530.00"') == 1  # ncms.inpatient_paid after settlement B
    raw.run(
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = 3",
        (state.replace(b'"66530.00"', b'"299000.00"'), raw.stream(year)),
    )
    _recompute_chain(raw, year, ChainHasher(None))
    with _fresh(store_url) as ledger:
        assert verify_chains(ledger).ok  # the chain alone cannot see it without a key
        report = verify_ledger(ledger)
        one = verify_ledger(ledger, only=("P-2.3", 2018))
    details = [f.detail for f in report.of(ACCUMULATORS)]
    assert details == [
        "version 3 (SettlementRecorded P-2.3-B#1): ncms.inpatient_paid: recorded 299000.00 derived 66530.00",
        "the loaded account at version 3: ncms.inpatient_paid: recorded 299000.00 derived 66530.00",
    ]
    assert {f.subject for f in report.findings} == {"P-2.3/2018"}
    assert [f.detail for f in one.of(ACCUMULATORS)] == details


def test_a_stream_missing_a_middle_event_is_a_finding_and_later_problems_are_still_reported(store_url: str) -> None:
    raw = _settled(store_url, "P-A", "P-B")
    year_a, year_b = ids.benefit_year_id("P-A", 2018), ids.benefit_year_id("P-B", 2018)
    _delete(raw, year_a, 2)  # settlement P-A-A#1 gone from the middle of P-A's year
    _, state = raw.event(year_b, 3)
    raw.run(  # and P-B's second settlement's NCMS amount edited (chain not recomputed)
        "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = 3",
        (state.replace(b'"49700.00"', b'"49700.01"'), raw.stream(year_b)),
    )
    with _fresh(store_url) as ledger:
        report = verify_ledger(ledger)
    found = {(f.check, f.subject) for f in report.findings}
    assert (CHAIN, raw.stream_key(year_a)) in found and (CHAIN, raw.stream_key(year_b)) in found
    assert (UNREADABLE, "P-A/2018") in found  # versions missing, the account does not load
    assert (SETTLEMENT, "P-B/2018") in found  # the later patient-year is still checked
    assert (ADMISSION, "P-A-A") in found  # admission P-A-A says it was settled in P-A's year
    assert any("versions missing from its stream: [2]" in f.detail for f in report.of(UNREADABLE))
    assert any("49700.01" in f.detail for f in report.of(SETTLEMENT))
    assert report.patient_years == 2


def test_a_truncated_last_settlement_is_found_through_its_admission(store_url: str) -> None:
    raw = _settled(store_url, "P-2.3")
    year = ids.benefit_year_id("P-2.3", 2018)
    _delete(raw, year, 3)  # the year's last event and its chain row: the chain cannot see this
    with _fresh(store_url) as ledger:
        assert verify_chains(ledger).ok
        report = verify_ledger(ledger)
        one = verify_ledger(ledger, only=("P-2.3", 2018))
    for each in (report, one):
        (finding,) = each.findings
        assert finding.check == ADMISSION and finding.subject == "P-2.3-B"
        assert f"settled as P-2.3-B#1 in patient-year {year}, which does not list that settlement" in finding.detail
