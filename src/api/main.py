"""The ledger's HTTP application: `create_app(settings)` wires the routers, error handlers, body limit and lifespan.

`app = create_app()` (for `uvicorn api.main:app`) reads `Settings()` once, from the environment, and opens
nothing at import; the lifespan builds the ledger from the settings when none is given, publishes the
shipped default policy if the region does not list it yet, opens the read models' view store beside the
event store (with the catch-up runner report routes use), and closes the view store and the ledger it
built at shutdown.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api import api_docs, dashboard_page
from api.access import AccessPolicy
from api.access_keys import StoreAccessPolicy, policy_from_keys_file
from api.benefit_year_body import BenefitYearBodies
from api.body_limit import BodyLimit
from api.errors import install_error_handlers
from api.metrics import install_metrics
from api.openapi_doc import install_openapi
from api.query_check import refuse_unknown_query_parameters
from api.responses import OrjsonResponse
from api.routes import (
    admissions,
    api_keys,
    audit_findings,
    batches,
    bulletins,
    catalogue,
    county_reports,
    fhir,
    health,
    hospitals,
    patients,
    payments,
    policies,
    recalculations,
    recalculations_pending,
    reports,
    reversals,
    rosters,
    search,
    settlements,
    slips,
    uploads,
    year_close,
)
from projections.catalog import select
from projections.runner import Runner
from projections.store import open_store
from service.ledger import BenefitLedger
from service.settings import Settings, StoreConfig


def store_config_of(ledger: BenefitLedger) -> StoreConfig:
    """The store a given ledger runs on (its view store lives beside it)."""
    env = {key: str(value) for key, value in ledger.env.items()}
    if "postgres" in env.get("PERSISTENCE_MODULE", ""):
        return StoreConfig("", "postgres", env, env.get("POSTGRES_SCHEMA") or "public")
    return StoreConfig("", "sqlite", {**env, "SQLITE_DBNAME": env.get("SQLITE_DBNAME") or ":memory:"})


def settle_start_up_objects() -> None:
    """The served process (the app built its own ledger): once started, move every live object into the
    collector's permanent generation (`gc.freeze`), so a full collection scans only what requests made
    since, not the whole of FastAPI, pydantic and the policy register (a tail of tens of ms per full
    collection otherwise; docs/benchmarks.md, auditor replay)."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None, *, ledger: BenefitLedger | None = None, access: AccessPolicy | None = None
) -> FastAPI:
    """The API on `settings` (else `Settings()`, read when the app starts), around `ledger` if one is given.

    A given ledger is the caller's to close; the view store is opened beside it. Clients are `access`,
    else the keys file (`settings.api_keys_file`, api.access_keys), created with one admin client if missing.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = app.state.settings
        if access is None:
            app.state.access, bootstrap_token = policy_from_keys_file(config.api_keys_file)
            if bootstrap_token:
                print(
                    f"ledger: created {config.api_keys_file} with one admin client; "
                    f"its token (shown once): {bootstrap_token}",
                    file=sys.stderr,
                    flush=True,
                )
        else:
            app.state.access = access
        app.state.ledger = (
            BenefitLedger.from_settings(config, group_commit_default=True) if ledger is None else ledger
        )  # the server groups concurrent commits unless LEDGER_GROUP_COMMIT=false
        # clients kept in the store (ApiClient events) first, the keys file (or the given policy) as bootstrap
        app.state.access = StoreAccessPolicy(app.state.ledger, app.state.access)
        try:
            app.state.views = open_store(config.store if ledger is None else store_config_of(ledger))
            try:
                app.state.catch_up = Runner(app.state.ledger, app.state.views, select(None), batch_size=500)
                app.state.ledger.publish_default_policies()
                if ledger is None:
                    settle_start_up_objects()
                app.state.ready = True
                yield
            finally:
                app.state.views.close()
        finally:
            if ledger is None:
                app.state.ledger.close()

    app = FastAPI(
        title="Patient-benefit ledger",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        docs_url=None,  # served by api.api_docs with local assets
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query_parameters)],
        description="Append-only ledger of health-poverty medical benefits: payment services append "
        "events, auditors and dashboards read every layer's arithmetic.",
    )
    app.state.ready = False
    app.state.settings = settings or Settings()
    app.state.benefit_year_bodies = BenefitYearBodies(app.state.settings.year_body_cache_mb * 2**20)
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
    app.include_router(api_keys.router)
    app.include_router(payments.router)
    app.include_router(rosters.router)
    app.include_router(catalogue.router)
    app.include_router(reversals.router)
    app.include_router(bulletins.router)
    app.include_router(search.router)
    app.include_router(uploads.router)
    app.include_router(api_docs.router)
    app.include_router(recalculations_pending.router)
    app.include_router(year_close.router)
    install_openapi(app)
    install_metrics(app)
    app.add_middleware(BodyLimit, limit=app.state.settings.body_limit_bytes)
    return app


app = create_app()
