"""Liveness and store check for load balancers and dashboards."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from api.deps import LedgerDep
from api.schemas.health import HealthPublic

router = APIRouter(tags=["health"])
logger = logging.getLogger("api")


@router.get("/health", response_model=HealthPublic)
def read_health(ledger: LedgerDep, response: Response) -> HealthPublic:
    """Which store the ledger uses and whether it answers (503 when it does not)."""
    module = str(ledger.env.get("PERSISTENCE_MODULE") or "")
    store = "postgres" if "postgres" in module else "sqlite" if "sqlite" in module else "memory"
    try:
        ledger.recorder.max_notification_id()
        ok = True
    except Exception:
        logger.exception("health check: the event store did not answer")
        ok = False
    if not ok:
        response.status_code = 503
    return HealthPublic(store=store, ok=ok)


@router.get("/ready", response_model=HealthPublic)
def read_readiness(request: Request, ledger: LedgerDep, response: Response) -> HealthPublic:
    """Ready to take traffic: started up (default policy published, read models open) and the store answers."""
    health = read_health(ledger, response)
    if not getattr(request.app.state, "ready", False):
        response.status_code = 503
        return HealthPublic(store=health.store, ok=False)
    return health
