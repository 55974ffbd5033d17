"""Admin endpoints for the API's clients: add, revoke, rotate (writes, admin role) and the list and each key's
events (admins and auditors). Keys live in the store as events holding only the token's SHA-256 digest; the
caller mints the token and sends its digest (`ledger keys add` and `ledger keys rotate` do this for you)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from api.access import Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep
from api.schemas.api_clients import ApiClientEvent, ApiClientHistory, ApiClientList, ApiClientPublic
from domain import ids
from domain.errors import NotFoundError
from service.commands import AddApiClient, RevokeApiClient, RotateApiClient
from service.commands.fields import Ref

router = APIRouter(prefix="/admin/api-keys", tags=["api clients"])

command_route(router, "", AddApiClient, ApiClientPublic)
command_route(router, "/{name}/revocations", RevokeApiClient, ApiClientPublic)
command_route(router, "/{name}/rotations", RotateApiClient, ApiClientPublic)


@router.get("", response_model=ApiClientList, dependencies=[require_read(Read.API_CLIENTS)])
def list_api_clients(request: Request, ledger: LedgerDep) -> ApiClientList:
    """The store's clients (revoked ones too), never tokens."""
    from service.api_clients import ApiClientDirectory

    directory = getattr(request.app.state.access, "directory", None) or ApiClientDirectory(ledger)
    return ApiClientList(
        clients=[
            ApiClientPublic(
                id=str(ids.api_client_id(c.name)),
                version=c.version,
                name=c.name,
                role=c.role,
                fund=c.fund,
                hospital=c.hospital,
                revoked=c.revoked,
                token_sha256_prefix=c.token_sha256[:12],
            )
            for c in directory.clients()
        ]
    )


@router.get("/{name}/events", response_model=ApiClientHistory, dependencies=[require_read(Read.API_CLIENTS)])
def api_client_events(name: Annotated[Ref, Path()], ledger: LedgerDep) -> ApiClientHistory:
    """Every event of one client's key, for auditors: added, rotated, revoked (digests only)."""
    events: list[Any] = list(ledger.events.get(ids.api_client_id(name)))
    if not events:
        raise NotFoundError(f"no API client {name} in the store")
    out = []
    for e in events:
        kind = type(e).TOPIC.rsplit(".", 1)[-1]
        details = {
            key: getattr(e, key) for key in ("role", "fund", "hospital", "token_sha256", "reason") if hasattr(e, key)
        }
        out.append(
            ApiClientEvent(
                version=e.originator_version,
                kind=kind,
                recorded_at=e.timestamp.isoformat(),
                command_id=e.command_id,
                details=details,
            )
        )
    return ApiClientHistory(name=name, events=out)
