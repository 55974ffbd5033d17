"""Operating errors of the ledger. Each maps to one HTTP status and one CLI message."""

from __future__ import annotations


class LedgerError(Exception):
    """An expected failure: bad input or a command that does not fit the current state."""

    status = 400
    title = "Bad request"


class ValidationError(LedgerError):
    status = 422
    title = "Invalid command"


class NotFoundError(LedgerError):
    status = 404
    title = "Not found"


class AlreadyExistsError(LedgerError):
    status = 409
    title = "Already exists"


class StateConflictError(LedgerError):
    """The command does not fit the aggregate's state (e.g. settling an admission not yet discharged)."""

    status = 409
    title = "Command does not fit the current state"


class ConcurrencyConflictError(LedgerError):
    """The expected version is stale (`current_version` says what it is now), or concurrent writers kept colliding."""

    status = 409
    title = "Concurrency conflict"

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class CommandIdReusedError(LedgerError):
    """A client command id was sent again with a different command or payload."""

    status = 422
    title = "Command id reused with a different payload"
