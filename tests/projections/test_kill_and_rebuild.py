"""kill -9 a projection run or a rebuild midway: after restart every table equals a from-scratch rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.projections.builders import busy_county, catch_up, dump, patient, publish, worked_example

from projections import catalog
from projections.rebuild import rebuild, status, swap_in
from projections.runner import SHADOW_SUFFIX, SLEEP_ENV, SLEEP_IN_BATCH_ENV, Runner, tracking_rows
from projections.store import ViewStore
from service.ledger import BenefitLedger

ROOT = Path(__file__).resolve().parents[2]
NAMES = list(catalog.PROJECTIONS)


def _env(store_url: str, sleep: float = 0.0) -> dict[str, str]:
    """Slowed down (`sleep` mostly inside each batch's open transaction, so a kill usually lands mid-batch)."""
    env = {k: v for k, v in os.environ.items() if k not in (SLEEP_ENV, SLEEP_IN_BATCH_ENV)}
    env.update({"LEDGER_DATABASE_URL": store_url, "PYTHONPATH": str(ROOT / "src")})
    if sleep:
        env[SLEEP_IN_BATCH_ENV] = str(sleep)
        env[SLEEP_ENV] = str(sleep / 10)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "projections", *args]


def _tracking(views: ViewStore) -> dict[str, int]:
    with views.transaction(readonly=True) as tx:
        return {name: pos for name, (pos, _) in tracking_rows(tx).items()}


def _kill_when(
    proc: subprocess.Popen[bytes], views: ViewStore, moved: Callable[[dict[str, int]], bool], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not moved(_tracking(views)):
        assert proc.poll() is None, f"finished before it could be killed: {proc.communicate()}"
        assert time.monotonic() < deadline, "the position never moved"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()  # reaps it and closes the pipes


def _all_live(views: ViewStore) -> dict[str, dict]:
    return {name: dump(views, name) for name in NAMES}


def test_a_run_killed_midway_restarts_to_a_from_scratch_rebuild(
    ledger: BenefitLedger, views: ViewStore, store_url: str
) -> None:
    busy_county(ledger)
    head = int(ledger.recorder.max_notification_id())
    proc = subprocess.Popen(
        _cli("run", "--until-head", "--batch-size", "5"),
        env=_env(store_url, 0.1),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _kill_when(proc, views, lambda rows: min(rows.get(n, 0) for n in NAMES) > 0)
    killed_at = _tracking(views)
    assert 0 < min(killed_at[n] for n in NAMES) < head, killed_at  # moved, but not at the head
    done = subprocess.run(
        _cli("run", "--until-head"), env=_env(store_url), cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert all(_tracking(views)[n] == head for n in NAMES)
    live = _all_live(views)
    assert live["annual_totals"]["annual_totals"] and live["audit_trail"]["audit_events"]

    result = rebuild(ledger, views, "all", swap=False, progress=False)
    assert result["resumed_from"] == 0 and result["position"] == head
    for name in NAMES:
        assert dump(views, name, shadow=True) == live[name], name
    swap_in(views, catalog.select("all"))
    assert _all_live(views) == live


def test_a_rebuild_killed_midway_resumes_and_equals_the_live_tables(
    ledger: BenefitLedger, views: ViewStore, store_url: str
) -> None:
    busy_county(ledger)
    catch_up(ledger, views)
    live = _all_live(views)
    head = int(ledger.recorder.max_notification_id())
    proc = subprocess.Popen(
        _cli("rebuild", "all", "--batch-size", "5"),
        env=_env(store_url, 0.1),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _kill_when(proc, views, lambda rows: min(rows.get(n + SHADOW_SUFFIX, 0) for n in NAMES) > 0)
    killed_at = _tracking(views)
    assert 0 < killed_at["annual_totals" + SHADOW_SUFFIX] < head
    assert _all_live(views) == live  # the live tables kept serving, untouched
    assert [row["rebuild_position"] for row in status(ledger, views)] == [killed_at[n + SHADOW_SUFFIX] for n in NAMES]

    result = rebuild(ledger, views, "all", progress=False)
    assert result["resumed_from"] == killed_at["annual_totals" + SHADOW_SUFFIX]
    assert _all_live(views) == live
    assert all(
        row["state"] == "current" and row["rebuild_position"] is None and row["lag"] == 0
        for row in status(ledger, views)
    )


def test_a_rebuild_swapped_under_a_live_runner_and_later_events(ledger: BenefitLedger, views: ViewStore) -> None:
    publish(ledger)
    worked_example(ledger)
    runner = Runner(ledger, views, catalog.select("all"), batch_size=4)
    runner.run_once(until_head=False)  # the live views are part-way
    rebuild(ledger, views, "annual_totals", progress=False)
    patient(ledger, "P-late")
    worked_example(ledger, "P-late2")
    runner.run_once()  # continues: annual_totals from the swapped position, the others from theirs
    live = _all_live(views)
    rebuild(ledger, views, "all", swap=False, progress=False)
    for name in NAMES:
        assert dump(views, name, shadow=True) == live[name], name


def test_the_progress_bar_goes_to_stderr(ledger: BenefitLedger, views: ViewStore, store_url: str) -> None:
    publish(ledger)
    worked_example(ledger)
    done = subprocess.run(
        _cli("rebuild", "county_dashboard", "--batch-size", "10"),
        env=_env(store_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "rebuild county_dashboard [" in done.stderr and "100.0%" in done.stderr
    assert done.stdout.startswith("rebuilt county_dashboard:")
