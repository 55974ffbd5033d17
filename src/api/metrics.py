"""Prometheus metrics: request counts and latencies per route template, projection lag at scrape time.

`install_metrics(app)` adds an ASGI middleware and `GET /metrics` (the Prometheus text format).

* `ledger_http_requests_total{method, route, status}` and `ledger_http_request_duration_seconds{...}`
  (a histogram). `route` is the route's *template* (`/patients/{patient_ref}`), never the raw path, so
  no patient ref or other personal data reaches /metrics; a request no route matched is `<unmatched>`.
* `ledger_projection_lag_events{projection}` = the ledger's head notification id minus the position the
  projection has tracked, computed when /metrics is scraped (a projection never run counts from 0);
  `ledger_head_notification_id` and `ledger_projection_position{projection}` are the two terms.
  `ledger_read_side_up` is 0 when the stores did not answer the scrape (the lag is then absent).

Each app has its own registry (tests build many apps in one process). /metrics needs a token like
every report (any role that reads aggregates, see api/access.py); it holds no personal data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access import Read, require_read
from projections.catalog import PROJECTIONS
from projections.runner import tracking_rows

logger = logging.getLogger("api")

UNMATCHED = "<unmatched>"
LABELS = ("method", "route", "status")


def route_template(scope: Scope) -> str:
    """The matched route's path template (set in the scope by the router), else `<unmatched>`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


class RequestMetrics:
    """ASGI middleware: count and time every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self.app, self.requests, self.latency = app, requests, latency
        # (method, route, status) -> its two labelled series: `labels()` checks and locks on every call
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def _series_of(self, labels: tuple[str, str, str]) -> tuple[Counter, Histogram]:
        series = self._series.get(labels)
        if series is None:
            series = self._series.setdefault(labels, (self.requests.labels(*labels), self.latency.labels(*labels)))
        return series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception that escapes before a response starts becomes a 500 further out

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            count, latency = self._series_of((scope["method"], route_template(scope), str(status)))
            count.inc()
            latency.observe(time.perf_counter() - started)


class ProjectionLag(Collector):
    """Head notification id, each projection's tracked position and their difference, read at scrape time."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        ledger = getattr(self.app.state, "ledger", None)
        views = getattr(self.app.state, "views", None)
        up = GaugeMetricFamily("ledger_read_side_up", "1 when the event store and view store answered this scrape")
        if ledger is None or views is None:  # not started (or already shut down)
            up.add_metric([], 0)
            yield up
            return
        try:
            head = int(ledger.recorder.max_notification_id() or 0)
            with views.transaction(readonly=True) as tx:
                rows = tracking_rows(tx)
        except Exception:
            logger.exception("metrics: the stores did not answer the scrape")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("ledger_head_notification_id", "the ledger's last notification id", value=head)
        position = GaugeMetricFamily(
            "ledger_projection_position", "notification id a projection has tracked to", labels=["projection"]
        )
        lag = GaugeMetricFamily(
            "ledger_projection_lag_events",
            "ledger head notification id minus the projection's tracked position",
            labels=["projection"],
        )
        for name in sorted(PROJECTIONS):
            tracked = rows.get(name, (0, ""))[0]
            position.add_metric([name], tracked)
            lag.add_metric([name], head - tracked)
        yield position
        yield lag


def install_metrics(app: FastAPI) -> CollectorRegistry:
    """Add the request middleware and `GET /metrics` to `app`; returns the app's registry."""
    registry = CollectorRegistry()
    requests = Counter(
        "ledger_http_requests", "HTTP requests by method, route template and status", LABELS, registry=registry
    )
    latency = Histogram(
        "ledger_http_request_duration_seconds",
        "HTTP request latency by method, route template and status",
        LABELS,
        registry=registry,
    )
    registry.register(ProjectionLag(app))
    app.add_middleware(RequestMetrics, requests=requests, latency=latency)
    app.state.metrics_registry = registry

    def read_metrics() -> Response:
        """Prometheus text exposition of this process's request metrics and the projection lag."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(
        "/metrics",
        read_metrics,
        methods=["GET"],
        tags=["metrics"],
        include_in_schema=False,
        dependencies=[require_read(Read.AGGREGATE)],
    )
    return registry
