"""Each bench runs at a tiny size on PostgreSQL and prints the fields the README and docs quote.

No timing is asserted (targets live in bench/, never in tests); outcomes are: no request failed,
every patient-year was recalculated, a renamed county copy re-derives to the fen, schemas are dropped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from tests.conftest import postgres_server_or_skip

from bench import appends, dashboard, eventlog, group_commit, province, rebuild, replay
from bench.pgschema import fresh_schema
from bench.recalculation import load_log
from bench.workload import county_plan
from service.ledger import BenefitLedger
from service.settings import Settings, store_config
from service.tamper_evidence import verify_chains

pytestmark = pytest.mark.postgres
NUMBER = r"[\d,]+(?:\.\d+)?"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    base = postgres_server_or_skip()
    monkeypatch.setattr(eventlog, "CACHE_DIR", tmp_path / "cache")
    yield base.split("?")[0]


def _schemas(base: str) -> set[str]:
    with psycopg.connect(store_config(base).conninfo()) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'")}


def test_appends_prints_rates_ratios_and_no_errors(server: str) -> None:
    before = _schemas(server)
    lines = appends.run(
        server, scale=0.01, visits=6, clients=3, batch_size=20, bulk_clients=2, workers=[1], baseline_seconds=0.3
    )
    text = "\n".join(lines)
    for field in (
        "bare Application, 1 event/tx, 1 thread",
        "raw INSERT, 1 row/tx",
        "raw COPY of the same",
        "HTTP single commands, 3 clients, 1 worker(s), group commit off",
        "bare Application, 3 threads, just before and after",
        "HTTP POST /batch",
        "run_batch in-process",
    ):
        assert field in text, field
    singles = [line for line in lines if "HTTP single commands" in line or "batch" in line]
    assert singles and all(re.search(rf"{NUMBER} (commands|events)/s +{NUMBER}x baseline", s) for s in singles)
    assert all("errors 0" in line for line in singles), text
    assert _schemas(server) == before  # every fresh schema was dropped


def test_group_commit_prints_both_modes_against_the_bare_library(server: str) -> None:
    before = _schemas(server)
    lines = list(group_commit.run(server, threads=3, per_thread=4))
    assert "bare Application, 1 event/tx, 3 threads" in lines[0]
    assert "group commit off" in lines[1] and "one transaction per command" in lines[1]
    assert "group commit on" in lines[2] and re.search(rf"\({NUMBER} commands per transaction\)", lines[2])
    assert all(re.search(rf"{NUMBER} commands/s +{NUMBER}x baseline", line) for line in lines[1:])
    assert _schemas(server) == before


def test_replay_prints_p50_p99_of_each_reader(server: str) -> None:
    lines = replay.run(server, admissions=3, repeats=5)
    assert len(lines) == 9
    assert all(re.search(rf"p50 +{NUMBER} ms +p99 +{NUMBER} ms", line) for line in lines)
    assert "get_benefit_year (3 admissions)" in lines[1] and "target p99 < 20 ms" in lines[1]


def test_rebuild_and_dashboard_print_rates_and_latencies(server: str) -> None:
    lines = rebuild.run(server, scale=0.004, batch_size=500)
    assert re.search(rf"rebuild all .* {NUMBER} events/s +{NUMBER}x baseline", lines[-1]), lines
    lines = dashboard.run(server, scale=0.004, repeats=3)
    assert len(lines) == 2 + len(dashboard.READS)
    assert all(re.search(rf"p50 +{NUMBER} ms +p99 +{NUMBER} ms", line) for line in lines[1:])


def test_recalculation_reaches_every_patient_year_of_each_county(server: str) -> None:
    plan = county_plan(0.004)
    lines = list(province.run(server, scale=0.004, copies=[1, 2]))
    years = len({v.patient_ref for v in plan.visits})
    floor, one, two = lines[1], lines[2], lines[3]
    assert f"the county's {years:,} patient-years decoded, folded and re-settled in memory" in floor
    assert f"{years:,} patient-years ({years:,} changed)" in one and "x baseline   target < 5 s" in one
    assert f"{2 * years:,} patient-years ({2 * years:,} changed)" in two
    assert re.search(rf"peak RSS +{NUMBER} MiB", two)


def test_a_renamed_county_copy_re_derives_to_the_fen(server: str) -> None:
    plan = county_plan(0.004)
    log = eventlog.county_log(plan)
    with fresh_schema(server, "smoke") as url:
        load_log(url, log, 2)
        config = store_config(url)
        with psycopg.connect(config.conninfo()) as conn:
            rows = conn.execute(
                f'SELECT topic, count(*) FROM "{config.schema}".ledger_events GROUP BY topic'
            ).fetchall()
        stored = dict(rows)
        for topic in ("ledger:BenefitYear.SettlementRecorded", "ledger:Admission.ChargeLineClassified"):
            assert stored[topic] == 2 * sum(1 for row in log.events if row[2] == topic)
        assert stored["ledger:PolicyVersion.Published"] == 1  # the region's register is shared by the copies
        ledger = BenefitLedger.from_settings(Settings(database_url=url))
        chains = verify_chains(ledger)  # the loader wrote every event's hash-chain row, as the real store has them
        assert chains.ok and chains.events_checked == sum(stored.values())
        patient = plan.visits[0].patient_ref
        for ref in (patient, patient.replace(plan.prefix, plan.prefix + "c1")):
            verified = ledger.verify_benefit_year(ref, plan.year)
            assert verified["verified"], verified["differences"][:3]
            assert verified["settlements"] == sum(1 for v in plan.visits if v.patient_ref == patient)
        ledger.close()


def test_cli_refuses_bad_input_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "replay", "--repeats", "0"],
        check=False,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["python -m bench: error: --repeats must be at least 1"]


def _walked(renamer: eventlog.Renamer, transcoder: Any, value: Any) -> Any:
    """The rename as the loader did it before renaming bytes: decode, rename every str and UUID, encode."""
    if isinstance(value, str):
        texts = {str(old): str(new) for old, new in renamer.ids.items()}
        return texts.get(value) or value.replace(renamer.old, renamer.new)
    if isinstance(value, UUID):
        return renamer.ids.get(value, value)
    if isinstance(value, dict):
        return {_walked(renamer, transcoder, k): _walked(renamer, transcoder, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_walked(renamer, transcoder, v) for v in value]
    return value


def test_renaming_bytes_gives_what_decoding_and_renaming_gave() -> None:
    plan = county_plan(0.004)
    log = eventlog.county_log(plan, cache=False)
    ledger = eventlog.memory_ledger()
    renamer = eventlog.Renamer(ledger, log, 1)
    decode = ledger.mapper.transcoder.decode
    for rows in (log.events, log.snapshots):
        kept = [row for row in rows if row[0] not in renamer.shared]
        renamed = list(renamer.rows(rows))
        assert len(renamed) == len(kept) > 0
        for (oid, version, topic, state), new in zip(kept, renamed, strict=True):
            assert new[:3] == (renamer.ids[oid], version, topic)
            assert decode(new[3]) == _walked(renamer, ledger.mapper.transcoder, decode(state))
