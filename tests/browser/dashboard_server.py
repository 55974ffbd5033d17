"""The API as `ledger serve` will build it with the dashboard and metrics wired in, served by uvicorn in a
thread on a free localhost port, and the dashboard-role token the page and the tests read the reports with."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from api.access import AccessPolicy, Principal, Role
from api.dashboard_page import router as dashboard_router
from api.main import create_app
from api.metrics import install_metrics
from service.ledger import BenefitLedger

DASHBOARD_TOKEN = "tok-dash"
ACCESS = AccessPolicy.from_tokens({DASHBOARD_TOKEN: Principal(name="dash", role=Role.DASHBOARD)})


def dashboard_app(ledger: BenefitLedger) -> FastAPI:
    app = create_app(ledger=ledger, access=ACCESS)
    app.include_router(dashboard_router)
    install_metrics(app)
    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on a socket bound to a free port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@dataclass
class Served:
    url: str
    app: FastAPI

    def get(self, path: str, token: str = DASHBOARD_TOKEN, **params: Any) -> Any:
        """A report as the dashboard role reads it (what the page must show)."""
        response = httpx.get(self.url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    @property
    def metrics(self) -> CollectorRegistry:
        registry: CollectorRegistry = self.app.state.metrics_registry
        return registry
