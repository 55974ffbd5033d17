"""Liveness and store check for load balancers and dashboards."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from api.deps import LedgerDep
from api.public import HealthPublic

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
