"""The ledger's HTTP application: `create_app()` wires the routers, error handlers and lifespan.

`app = create_app()` opens nothing at import; the lifespan builds the ledger from
LEDGER_DATABASE_URL (service.settings) when none is given, publishes the shipped default policy
if the region does not list it yet, opens the read models' view store of the same store configuration
(with the catch-up runner report routes use), and closes the view store and the ledger it built at shutdown.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal

from fastapi import FastAPI

from api import dashboard_page
from api.access import AccessPolicy
from api.access_keys import keys_path, policy_from_environment
from api.errors import install_error_handlers
from api.metrics import install_metrics
from api.responses import OrjsonResponse
from api.routes import (
    admissions,
    audit_findings,
    batches,
    county_reports,
    fhir,
    health,
    hospitals,
    patients,
    policies,
    recalculations,
    reports,
    settlements,
    slips,
)
from domain.errors import AlreadyExistsError, NotFoundError
from domain.policy.loader import load_default_policy
from projections.catalog import select
from projections.hospital_advances import hospital_ledger
from projections.runner import Runner
from projections.store import ViewStore, open_store
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.settings import StoreConfig, store_config

_POSTGRES_KEYS = (
    "PERSISTENCE_MODULE",
    "POSTGRES_DBNAME",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_SCHEMA",
    "POSTGRES_LOCK_TIMEOUT",
    "POSTGRES_CONNECT_TIMEOUT",
    "POSTGRES_POOL_SIZE",
    "POSTGRES_MAX_OVERFLOW",
)


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
        ledger.publish_policy_version(
            command_id=f"default-policy:{document.region}:{document.version}", document=document
        )
    except AlreadyExistsError:  # another process listed it under another command id meanwhile
        pass


def store_config_of(ledger: BenefitLedger) -> StoreConfig:
    """The store configuration a given ledger was built from (its view store lives beside it)."""
    env = ledger.env
    module = str(env.get("PERSISTENCE_MODULE") or "")
    if "postgres" in module:
        schema = str(env.get("POSTGRES_SCHEMA") or "public")
        return StoreConfig(
            "", "postgres", {key: str(env.get(key)) for key in _POSTGRES_KEYS if env.get(key) is not None}, schema
        )
    return StoreConfig(
        "", "sqlite", {"PERSISTENCE_MODULE": module, "SQLITE_DBNAME": str(env.get("SQLITE_DBNAME") or ":memory:")}
    )


def advance_reader(runner: Runner, views: ViewStore) -> Callable[[str, str], Decimal]:
    """What a hospital has advanced for a fund, from the hospital-advances read model caught up first."""

    def advanced(hospital_code: str, fund: str) -> Decimal:
        runner.run_once(until_head=True)
        for hospital in hospital_ledger(views, hospital_code):
            for row in hospital.get("funds", []):
                if row["fund"] == fund:
                    return Decimal(row["advanced"])
        return Decimal("0.00")

    return advanced


def create_app(
    ledger: BenefitLedger | None = None, config: StoreConfig | None = None, access: AccessPolicy | None = None
) -> FastAPI:
    """Build the API around `ledger`, or around one built from `config` (else the environment) at startup.

    The view store is opened from `config`, else from the given ledger's own configuration. Clients
    are `access`, else the keys file (api.access_keys), created with one admin client if missing.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = ledger is None
        if access is None:
            app.state.access, bootstrap_token = policy_from_environment()
            if bootstrap_token:
                print(
                    f"ledger: created {keys_path()} with one admin client; its token (shown once): {bootstrap_token}",
                    file=sys.stderr,
                    flush=True,
                )
        else:
            app.state.access = access
        settings = config or (store_config() if ledger is None else store_config_of(ledger))
        app.state.ledger = BenefitLedger.from_config(settings) if ledger is None else ledger
        if owned and app.state.ledger.group_committer is None and os.environ.get("LEDGER_GROUP_COMMIT") != "0":
            app.state.ledger.group_committer = GroupCommitter(app.state.ledger)  # the server groups commits
        try:
            app.state.views = open_store(settings)
            try:
                app.state.catch_up = Runner(app.state.ledger, app.state.views, select(None), batch_size=500)
                publish_default_policy(app.state.ledger)
                app.state.ledger.advance_source = advance_reader(app.state.catch_up, app.state.views)
                app.state.ready = True
                yield
            finally:
                app.state.views.close()
        finally:
            if owned:
                app.state.ledger.close()

    app = FastAPI(
        title="Patient-benefit ledger",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        description="Append-only ledger of health-poverty medical benefits: payment services append "
        "events, auditors and dashboards read every layer's arithmetic.",
    )
    app.state.ready = False
    install_error_handlers(app)
    for module in (
        patients,
        admissions,
        settlements,
        audit_findings,
        hospitals,
        recalculations,
        policies,
        reports,
        batches,
        health,
    ):
        app.include_router(module.router)
    app.include_router(dashboard_page.router)
    app.include_router(slips.router)
    app.include_router(fhir.router)
    app.include_router(county_reports.router)
    install_metrics(app)
    return app


app = create_app()
