"""The ledger's HTTP application: `create_app()` wires the routers, error handlers and lifespan.

`app = create_app()` opens nothing at import; the lifespan builds the ledger from
LEDGER_DATABASE_URL (service.settings) when none is given, publishes the shipped default policy
if the region does not list it yet, and closes the ledger it built at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import (
    admissions,
    audit_findings,
    health,
    hospitals,
    patients,
    policies,
    recalculations,
    settlements,
)
from domain.errors import AlreadyExistsError, NotFoundError
from domain.policy.loader import load_default_policy
from service.ledger import BenefitLedger


def publish_default_policy(ledger: BenefitLedger) -> None:
    """Publish the shipped default policy version once (idempotent by its command id)."""
    document = load_default_policy()
    try:
        listed = {entry["version"] for entry in ledger.policy_register(document.region)}
    except NotFoundError:  # the region has no version yet
        listed = set()
    if document.version in listed:
        return
    try:
        ledger.publish_policy_version(command_id=f"default-policy:{document.region}:{document.version}",
                                      document=document)
    except AlreadyExistsError:  # another process listed it under another command id meanwhile
        pass


def create_app(ledger: BenefitLedger | None = None) -> FastAPI:
    """Build the API around `ledger`, or around one built from the environment at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = ledger is None
        app.state.ledger = BenefitLedger.from_config() if owned else ledger
        try:
            publish_default_policy(app.state.ledger)
            yield
        finally:
            if owned:
                app.state.ledger.close()

    app = FastAPI(title="Patient-benefit ledger", version="0.1.0", lifespan=lifespan,
                  description="Append-only ledger of health-poverty medical benefits: payment services append "
                              "events, auditors and dashboards read every layer's arithmetic.")
    install_error_handlers(app)
    for module in (patients, admissions, settlements, audit_findings, hospitals, recalculations, policies, health):
        app.include_router(module.router)
    return app


app = create_app()
