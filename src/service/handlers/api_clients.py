"""Handlers of the API-client commands (service.commands.api_clients)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import ids
from domain.aggregates.api_client import ApiClient
from domain.errors import AlreadyExistsError, NotFoundError
from service.commands.api_clients import AddApiClient, RevokeApiClient, RotateApiClient
from service.handlers import handles
from service.idempotency import Outcome, check_expected_version

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def client_result(client: ApiClient) -> dict[str, Any]:
    """What a key command answers (and records for a replay): never a token, a digest's first 12 digits."""
    return {
        "id": str(client.id),
        "version": client.version,
        "name": client.name,
        "role": client.role,
        "fund": client.fund,
        "hospital": client.hospital,
        "revoked": client.revoked,
        "token_sha256_prefix": client.token_sha256[:12],
    }


def _client(ledger: BenefitLedger, name: str) -> ApiClient:
    client_id = ids.api_client_id(name)
    if client_id not in ledger.repository:
        raise NotFoundError(f"no API client {name} in the store")
    client: ApiClient = ledger.repository.get(client_id)
    return client


@handles(AddApiClient)
def add_api_client(ledger: BenefitLedger, cmd: AddApiClient) -> Outcome:
    if ids.api_client_id(cmd.name) in ledger.repository:
        raise AlreadyExistsError(f"an API client named {cmd.name!r} already exists")
    client = ApiClient(
        name=cmd.name,
        role=cmd.role.value,
        fund=cmd.fund,
        hospital=cmd.hospital,
        token_sha256=cmd.token_sha256,
        command_id=cmd.command_id,
    )
    return Outcome([client], client_result(client))


@handles(RevokeApiClient)
def revoke_api_client(ledger: BenefitLedger, cmd: RevokeApiClient) -> Outcome:
    client = _client(ledger, cmd.name)
    check_expected_version(client, cmd.expected_version)
    client.revoke(cmd.reason, cmd.command_id)
    return Outcome([client], client_result(client))


@handles(RotateApiClient)
def rotate_api_client(ledger: BenefitLedger, cmd: RotateApiClient) -> Outcome:
    client = _client(ledger, cmd.name)
    check_expected_version(client, cmd.expected_version)
    client.rotate(cmd.token_sha256, cmd.command_id)
    return Outcome([client], client_result(client))
