"""ApiClient: one client of the HTTP API (a bearer token's owner), its role and scope, and its key's life.

Events carry only the token's SHA-256 digest, never the token: an auditor can replay who was given
access, when a key was rotated and when it was revoked, and no event lets anyone call the API.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError


class ApiClient(Aggregate):
    TOPIC = "ledger:ApiClient"

    class Created(Aggregate.Created):
        TOPIC = "ledger:ApiClient.Created"

    @staticmethod
    def create_id(name: str) -> UUID:
        return ids.api_client_id(name)

    @event("Added", topic="ledger:ApiClient.Added")
    def __init__(
        self, name: str, role: str, fund: str | None, hospital: str | None, token_sha256: str, command_id: str
    ) -> None:
        self.name = name
        self.role = role
        self.fund = fund
        self.hospital = hospital
        self.token_sha256 = token_sha256
        self.revoked = False

    def revoke(self, reason: str, command_id: str) -> None:
        if self.revoked:
            raise StateConflictError(f"API client {self.name} is already revoked")
        self._revoked(reason=reason, command_id=command_id)

    def rotate(self, token_sha256: str, command_id: str) -> None:
        if self.revoked:
            raise StateConflictError(f"API client {self.name} is revoked; add a new client instead")
        if token_sha256 == self.token_sha256:
            raise StateConflictError(f"API client {self.name} already has this key")
        self._rotated(token_sha256=token_sha256, command_id=command_id)

    @event("Revoked", topic="ledger:ApiClient.Revoked")
    def _revoked(self, reason: str, command_id: str) -> None:
        self.revoked = True

    @event("Rotated", topic="ledger:ApiClient.Rotated")
    def _rotated(self, token_sha256: str, command_id: str) -> None:
        self.token_sha256 = token_sha256
