"""Prometheus metrics: requests counted and timed by method, route template and status (never the raw path,
so no patient ref reaches /metrics), and the projection lag = ledger head - tracked position at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ledger_api import COUNTY_HOSPITAL, REGION, LedgerApi
from prometheus_client.parser import text_string_to_metric_families
from role_client import ACCESS, RoleClient, bearer

from api.main import create_app
from api.metrics import UNMATCHED, install_metrics
from projections.catalog import PROJECTIONS
from projections.runner import tracking_rows
from service.ledger import BenefitLedger
from service.settings import Settings

SECRET_REF = "P-SECRET-7"
COUNTY_REPORT = "/reports/counties/{county_code}/{year}"


def metered_app(ledger: BenefitLedger, settings: Settings | None = None) -> FastAPI:
    app = create_app(settings, ledger=ledger, access=ACCESS)
    install_metrics(app)
    return app


@pytest.fixture
def metered(api_ledger: BenefitLedger) -> Iterator[LedgerApi]:
    with TestClient(metered_app(api_ledger), raise_server_exceptions=False) as client:
        yield LedgerApi(RoleClient(client), api_ledger)  # type: ignore[arg-type]


def scrape(api: LedgerApi, token: str = "tok-dashboard") -> tuple[str, dict[tuple[str, frozenset[Any]], float]]:
    """The /metrics text and its samples keyed by (name, labels)."""
    response = api.client.get("/metrics", headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain"), response.text
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    return response.text, samples


def requests(
    samples: dict[tuple[str, frozenset[Any]], float],
    method: str,
    route: str,
    status: int,
    suffix: str = "ledger_http_requests_total",
    **extra: str,
) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status), **extra}.items())
    return samples.get((suffix, labels), 0.0)


def lags(
    samples: dict[tuple[str, frozenset[Any]], float], name: str = "ledger_projection_lag_events"
) -> dict[str, float]:
    return {dict(labels)["projection"]: value for (sample, labels), value in samples.items() if sample == name}


def tracked(api: LedgerApi) -> dict[str, int]:
    """Each projection's position, read straight from the view store's tracking table (0 when never run)."""
    views = api.client.inner.app.state.views  # type: ignore[attr-defined]
    with views.transaction(readonly=True) as tx:
        rows = tracking_rows(tx)
    return {name: rows.get(name, (0, ""))[0] for name in PROJECTIONS}


def test_requests_are_counted_and_timed_by_route_template_and_status(metered: LedgerApi) -> None:
    metered.poor_patient(SECRET_REF)
    for _ in range(2):
        metered.get(f"/patients/{SECRET_REF}")
    metered.get("/patients/NOBODY-9", 404)
    assert metered.client.inner.get(f"/reports/counties/{REGION}/2018").status_code == 401  # no token
    assert metered.client.get(f"/nowhere/{SECRET_REF}").status_code == 404

    text, samples = scrape(metered)
    assert requests(samples, "POST", "/patients", 201) == 1
    assert requests(samples, "POST", "/patients/{patient_ref}/enrolments", 201) == 1
    assert requests(samples, "GET", "/patients/{patient_ref}", 200) == 2
    assert requests(samples, "GET", "/patients/{patient_ref}", 404) == 1
    assert requests(samples, "GET", COUNTY_REPORT, 401) == 1
    assert requests(samples, "GET", UNMATCHED, 404) == 1

    count = requests(samples, "GET", "/patients/{patient_ref}", 200, "ledger_http_request_duration_seconds_count")
    total = requests(samples, "GET", "/patients/{patient_ref}", 200, "ledger_http_request_duration_seconds_sum")
    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in samples.items()
        if name == "ledger_http_request_duration_seconds_bucket"
        and dict(labels)["route"] == "/patients/{patient_ref}"
        and dict(labels)["status"] == "200"
    )
    assert count == 2 and total > 0 and buckets[-1] == (float("inf"), 2)
    assert [value for _, value in buckets] == sorted(value for _, value in buckets)  # cumulative

    for personal in (SECRET_REF, "NOBODY-9", "毕桥镇", "tok-"):
        assert personal not in text, f"{personal!r} reached /metrics"


def test_metrics_need_a_token_like_every_report(metered: LedgerApi) -> None:
    refused = metered.client.inner.get("/metrics")
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem+json")
    for token in ("tok-dashboard", "tok-auditor", "tok-hospital-LX-001"):
        assert scrape(metered, token)[1]
    _, samples = scrape(metered)
    assert requests(samples, "GET", "/metrics", 401) == 1


def test_an_unhandled_error_is_counted_as_a_500_on_its_route(
    metered: LedgerApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(patient_ref: str, year: int) -> dict[str, Any]:
        raise RuntimeError("store exploded")

    monkeypatch.setattr(metered.ledger, "verify_benefit_year", broken)
    assert metered.client.get("/patients/P/years/2018/verification").status_code == 500
    _, samples = scrape(metered)
    assert requests(samples, "GET", "/patients/{patient_ref}/years/{year}/verification", 500) == 1


def test_the_lag_gauge_is_absent_and_read_side_down_when_the_store_fails(
    metered: LedgerApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert scrape(metered)[1][("ledger_read_side_up", frozenset())] == 1

    def unreachable() -> int:
        raise ConnectionError("event store down")

    monkeypatch.setattr(metered.ledger.recorder, "max_notification_id", unreachable)
    _, samples = scrape(metered)
    assert samples[("ledger_read_side_up", frozenset())] == 0 and lags(samples) == {}


def test_projection_lag_is_the_head_minus_each_tracked_position(ledger: BenefitLedger, store_url: str) -> None:
    """On both stores: behind after appends, unchanged by a `fresh=false` read, 0 after a read that catches up."""
    with TestClient(metered_app(ledger, Settings(database_url=store_url))) as client:
        api = LedgerApi(RoleClient(client), ledger)  # type: ignore[arg-type]

        def check() -> dict[str, float]:
            _, samples = scrape(api)
            head = ledger.recorder.max_notification_id() or 0
            positions = tracked(api)
            assert samples[("ledger_head_notification_id", frozenset())] == head
            assert lags(samples, "ledger_projection_position") == positions
            assert lags(samples) == {name: head - position for name, position in positions.items()}
            return lags(samples)

        started = check()  # the default policy is published, no projection has run
        assert set(started) == set(PROJECTIONS) and min(started.values()) > 0
        api.get(f"/reports/counties/{REGION}/2018")
        assert set(check().values()) == {0}

        api.poor_patient("P")
        api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
        api.settle("A")
        behind = check()
        assert min(behind.values()) > 0
        api.get(f"/reports/counties/{REGION}/2018", params={"fresh": "false"})
        assert check() == behind  # read as it stands: nothing caught up
        api.get("/reports/hospitals")
        assert set(check().values()) == {0}
