"""Dashboard read latency: the county report over real HTTP, read models built from a county log.

Baseline: `GET /health` on the same server (an authenticated-free round trip with one trivial query).
`?fresh=false` reads the tables as they stand; the default first catches the read models up to the
head of the log (nothing to do here, so it measures the check).
"""

from __future__ import annotations

import io
from typing import Any

import httpx

from bench.eventlog import county_log
from bench.pgschema import fresh_schema
from bench.recalculation import load_log
from bench.server import api_server
from bench.timing import percentile, samples_seconds
from bench.workload import county_plan
from projections.rebuild import rebuild
from projections.store import open_store
from service.ledger import BenefitLedger
from service.settings import Settings, store_config

READS = [
    ("county year, read models as they stand", "/reports/counties/341821/2018?fresh=false"),
    ("county year, caught up first (default)", "/reports/counties/341821/2018"),
    ("county to July (month=7, cumulative)", "/reports/counties/341821/2018?month=7&cumulative=true&fresh=false"),
    ("hospital totals", "/reports/hospitals?fresh=false"),
]


def run(base_url: str, *, scale: float, repeats: int) -> list[str]:
    plan = county_plan(scale)
    with fresh_schema(base_url, "dashboard") as url:
        loaded = load_log(url, county_log(plan), 1)
        config = store_config(url)
        ledger = BenefitLedger.from_settings(Settings(database_url=config.url))
        store = open_store(config)
        rebuild(ledger, store, "all", progress=False, stream=io.StringIO())
        store.close()
        ledger.close()
        lines = [f"[dashboard] read models of {loaded['events']:,} events ({plan.prefix})"]
        with api_server(url, []) as server, httpx.Client(base_url=server.base, timeout=60) as http:
            headers = {"Authorization": f"Bearer {server.tokens.dashboard}"}

            def getter(path: str, auth: bool = True) -> Any:
                def get() -> None:
                    response = http.get(path, headers=headers if auth else None)
                    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"

                return get

            health = getter("/health", auth=False)
            health()
            floor = samples_seconds(health, repeats=repeats)
            lines.append(_line("baseline: GET /health", floor))
            for name, path in READS:
                getter(path)()
                lines.append(_line(name, samples_seconds(getter(path), repeats=repeats), percentile(floor, 0.5)))
    return lines


def _line(name: str, samples: list[float], baseline: float | None = None) -> str:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    text = f"[dashboard] {name:<44} p50 {p50 * 1e3:7.2f} ms   p99 {p99 * 1e3:7.2f} ms"
    return text + (f"   p50 {p50 / baseline:5.1f}x baseline" if baseline else "")
