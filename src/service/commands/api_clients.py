"""API clients kept in the store: add, revoke, rotate (the admin role). Commands carry the token's SHA-256
digest only: whoever mints the token (`ledger keys add|rotate`, or an admin's own tool) keeps it, and
neither the events nor the command records ever hold it."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from service.commands.base import Command, VersionedCommand
from service.commands.fields import Reason, Ref, RoleName, TokenDigest
from service.roles import Role

ADMIN_ONLY = frozenset({Role.ADMIN})


class AddApiClient(Command):
    """Give a new client access: its name, role, the fund (payment_service) or hospital (hospital) it acts for,
    and its token's SHA-256 digest. Effective on the client's next request; no restart."""

    roles: ClassVar[frozenset[Role]] = ADMIN_ONLY

    command: Literal["add_api_client"] = "add_api_client"
    name: Ref
    role: RoleName
    fund: Ref | None = None
    """a payment_service client's fund"""
    hospital: Ref | None = None
    """a hospital client's hospital code"""
    token_sha256: TokenDigest

    @model_validator(mode="after")
    def _scope(self) -> AddApiClient:
        if self.role is Role.PAYMENT_SERVICE and not self.fund:
            raise ValueError("fund: a payment_service client needs its fund")
        if self.role is Role.HOSPITAL and not self.hospital:
            raise ValueError("hospital: a hospital client needs its hospital code")
        if self.role is not Role.PAYMENT_SERVICE and self.fund:
            raise ValueError("fund: only a payment_service client has a fund")
        if self.role is not Role.HOSPITAL and self.hospital:
            raise ValueError("hospital: only a hospital client has a hospital code")
        return self


class RevokeApiClient(VersionedCommand):
    """Revoke a client's key: 401 from the next request to the server that revoked it, from every other
    server (replica, worker) within 1 s."""

    roles: ClassVar[frozenset[Role]] = ADMIN_ONLY

    command: Literal["revoke_api_client"] = "revoke_api_client"
    name: Ref
    reason: Reason


class RotateApiClient(VersionedCommand):
    """Replace a client's key with a new one (its digest): the old token is 401 from the next request to the
    server that rotated it, from every other server within 1 s."""

    roles: ClassVar[frozenset[Role]] = ADMIN_ONLY

    command: Literal["rotate_api_client"] = "rotate_api_client"
    name: Ref
    token_sha256: TokenDigest
