"""kill -9 in the middle of a region recalculation, then the same command id again.

A child process runs `RecalculateForPolicy` (on PostgreSQL over a process pool of 2, on SQLite in one
process), each patient-year slowed down so the run is caught midway: once some patient-years are
recorded and not all, the child's whole process group gets SIGKILL. The same command id, re-run, must
finish the rest without redoing anything: every patient-year recalculated exactly once, and the figures
equal those of an uninterrupted run of the same county in another store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from tests.application.test_region_recalculation import settled_county

from domain import ids
from service import region_recalculation
from service.commands import RecalculateForPolicy
from service.ledger import BenefitLedger
from service.settings import Settings

PATIENTS = [f"P-K{n}" for n in range(8)]
RECALC = RecalculateForPolicy(command_id="recalc-kill", region="341821", version="langxi-2018.2-5090")
SECONDS_PER_YEAR = 0.5
PAGE_SIZE = 2

CHILD = textwrap.dedent(
    f"""
    import sys, time
    from service import region_recalculation
    from service.handlers import recalculations
    from service.commands import RecalculateForPolicy
    from service.ledger import BenefitLedger

    real_step = recalculations._recalculated

    def slow_step(*args):  # top level: the pool's processes unpickle it from this file
        time.sleep({SECONDS_PER_YEAR})
        return real_step(*args)

    if __name__ == "__main__":
        region_recalculation.PAGE_SIZE = {PAGE_SIZE}
        recalculations._recalculated = slow_step
        env = dict(arg.split("=", 1) for arg in sys.argv[1:])
        ledger = BenefitLedger(env=env)
        ledger.handle(RecalculateForPolicy(command_id="{RECALC.command_id}", region="{RECALC.region}",
                                           version="{RECALC.version}"))
        print("finished", flush=True)
    """
)


def _county(store_url: str) -> None:
    settled_county(store_url, PATIENTS)


def _env(store_url: str) -> dict[str, str]:
    return {**Settings(database_url=store_url).store.env, region_recalculation.WORKERS_ENV: "2"}


def _recorded(ledger: BenefitLedger) -> dict[str, int]:
    return {ref: ledger.get_benefit_year(ref, 2018).recalculations for ref in PATIENTS}


def _years(ledger: BenefitLedger) -> dict[str, bytes]:
    """Each patient-year's recalculation as recorded (items and state, encoded), without its timestamps."""
    encode = ledger.mapper.transcoder.encode
    out = {}
    for ref in PATIENTS:
        events = [
            e for e in ledger.events.get(ids.benefit_year_id(ref, 2018)) if type(e).__name__ == "RecalculationRecorded"
        ]
        out[ref] = b"|".join(encode(e.items) + encode(e.state_after) for e in events)
    return out


def test_a_killed_region_run_resumed_under_its_command_id_recalculates_each_year_once(
    store_url: str, tmp_path: Path
) -> None:
    _county(store_url)
    script = tmp_path / "recalc_child.py"
    script.write_text(CHILD)
    env = _env(store_url)
    child_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), os.getcwd()])}
    child = subprocess.Popen(
        [sys.executable, str(script), *(f"{k}={v}" for k, v in env.items())],
        env=child_env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watcher = BenefitLedger(env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            done = sum(_recorded(watcher).values())
            if done >= 2 or child.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGKILL)  # the run and its pool's processes, mid-run
        child.wait()
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        partial = _recorded(watcher)
        assert 0 < sum(partial.values()) < len(PATIENTS), partial  # caught midway
        assert set(partial.values()) <= {0, 1}
    finally:
        watcher.close()

    ledger = BenefitLedger(env=env)
    try:
        result = ledger.handle(RECALC)  # the same command id: finishes the rest
        assert result["replayed"] is False
        assert result["examined"] == len(PATIENTS) and result["changed_count"] == len(PATIENTS)
        assert result["compensation_owed"] == Decimal("4500.00") * len(PATIENTS)
        assert _recorded(ledger) == dict.fromkeys(PATIENTS, 1)  # each patient-year exactly once
        for ref in PATIENTS:
            assert ledger.verify_benefit_year(ref, 2018)["verified"] is True
        resumed = _years(ledger)
        assert ledger.handle(RECALC)["replayed"] is True
    finally:
        ledger.close()

    uninterrupted_url = _other_store(store_url, tmp_path)
    _county(uninterrupted_url)
    other = BenefitLedger(env=_env(uninterrupted_url))
    try:
        clean = other.handle(RECALC)
        assert {k: clean[k] for k in ("examined", "changed_count", "compensation_owed")} == {
            k: result[k] for k in ("examined", "changed_count", "compensation_owed")
        }
        assert _years(other) == resumed
    finally:
        other.close()
        _drop(uninterrupted_url)


def _other_store(store_url: str, tmp_path: Path) -> str:
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/uninterrupted.db"
    return store_url.replace("?schema=", "?schema=u")


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        from tests.conftest import _drop_schema

        base, schema = url.split("?schema=")
        _drop_schema(base, schema)
