"""CommandRecord: the first result of a client command id, saved atomically with the command's events.

A retried command finds its record and returns the stored result without appending anything.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class CommandRecord(Aggregate):
    TOPIC = "ledger:CommandRecord"

    class Created(Aggregate.Created):
        TOPIC = "ledger:CommandRecord.Created"

    @staticmethod
    def create_id(command_id: str) -> UUID:
        return ids.command_record_id(command_id)

    @event("Handled", topic="ledger:CommandRecord.Handled")
    def __init__(self, command_id: str, command: str, payload_digest: str, result: dict[str, Any]) -> None:
        self.command_id = command_id
        self.command = command
        self.payload_digest = payload_digest
        self.result = result
