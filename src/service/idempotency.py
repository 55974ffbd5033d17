"""Idempotent, concurrency-checked command execution: `BenefitLedger.handle` runs every command through `execute`.

Every command carries a client command id. Its first result is saved as a CommandRecord in the
same atomic `save()` as the command's events, so a retry returns that result and appends nothing.
The record holds a fingerprint of what the command does (`payload_digest`: SHA-256 of the command's
canonical serialisation without its envelope), so the same id with another payload is refused.
A write that collides with a concurrent writer is re-run on fresh state; if the client gave an
expected version that is now stale, the re-run refuses it with a 409 naming the current version.

A batchable command (one whose build only reads and stages: `Command.batchable`) outside a unit of work
does not look its record up first: a new command id is the common case, and a replayed one is found
anyway, because the build fails (the record is looked up then, and its first result answers instead of
the error) or the save collides on the record's id (looked up then too). Either way a retry returns the
first result and appends nothing, with one query fewer per new command. Other commands (those running
their own transactions) and commands in a unit of work (whose batch read the records ahead) look first.

Inside a unit of work (service.unit_of_work) the command is staged, not saved; with group commit
on (service.group_commit) its events are saved by the committer, in a transaction shared with
other commands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from eventsourcing.persistence import IntegrityError

from domain import ids
from domain.aggregates.command_record import CommandRecord
from domain.errors import CommandIdReusedError, ConcurrencyConflictError
from service.repository import fast_project
from service.retry_lock import retrying, unlocked
from service.unit_of_work import current_unit, is_direct

if TYPE_CHECKING:
    from service.commands.base import Command
    from service.ledger import BenefitLedger

RETRY_COUNT_MAX = 8


class Outcome(NamedTuple):
    """What a handler did: the aggregates to save (with their pending events) and the command's result."""

    saved: list[Any]
    result: dict[str, Any]


Build = Callable[[], Outcome]


def payload_digest(command: str, payload: dict[str, Any]) -> str:
    body = orjson.dumps({"command": command, "payload": payload}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(body).hexdigest()


def check_expected_version(aggregate: Any, expected_version: int | None) -> None:
    if expected_version is not None and aggregate.version != expected_version:
        raise ConcurrencyConflictError(
            f"expected version {expected_version} of {type(aggregate).__name__} but it is at {aggregate.version}",
            current_version=aggregate.version,
        )


def execute(app: BenefitLedger, command: Command, build: Build) -> dict[str, Any]:
    """Run `build` (which loads aggregates, applies the command, returns its Outcome) once per command id."""
    name, command_id = command.command, command.command_id
    digest = payload_digest(name, command.fingerprint_payload(lambda sealed: app.personal_data.fingerprint(sealed)))
    record_id = ids.command_record_id(command_id)
    unit = current_unit()
    optimistic = unit is None and type(command).batchable
    if not optimistic:
        previous = _previous_result(app, record_id, command_id, name, digest)
        if previous is not None:
            return previous
    if unit is not None:  # staged; the unit's owner saves it with the unit's other commands
        aggregates, result = build()
        unit.stage(
            *aggregates, CommandRecord(command_id=command_id, command=name, payload_digest=digest, result=result)
        )
        return {**result, "replayed": False}
    committer = app.group_committer
    save = committer.save if committer is not None and not is_direct() else app.save
    for attempt in range(RETRY_COUNT_MAX):
        # a re-run after a collision holds the retry lock: colliding writers take turns, none gives up
        with retrying(app) if attempt else unlocked():
            try:
                aggregates, result = build()  # a stale expected_version raises its 409 here, with the current version
            except Exception:
                if not optimistic:
                    raise
                # the record was not looked up first: a replayed id answers with its first result, not this error
                previous = _previous_result(app, record_id, command_id, name, digest)
                if previous is not None:
                    return previous
                raise
            record = CommandRecord(command_id=command_id, command=name, payload_digest=digest, result=result)
            try:
                save(*aggregates, record)
            except IntegrityError:  # a concurrent writer: replayed command id, else re-run on fresh state
                previous = _previous_result(app, record_id, command_id, name, digest)
                if previous is not None:
                    return previous
                continue
            return {**result, "replayed": False}
    raise ConcurrencyConflictError(f"{name}: gave up after {RETRY_COUNT_MAX} conflicting attempts")


def _previous_result(
    app: BenefitLedger, record_id: Any, command_id: str, command: str, digest: str
) -> dict[str, Any] | None:
    record = _command_record(app, record_id)
    if record is None:
        return None
    if record.command != command or record.payload_digest != digest:
        raise CommandIdReusedError(f"command id {command_id!r} was already used for a different {record.command}")
    return {**record.result, "replayed": True}


def _command_record(app: BenefitLedger, record_id: Any) -> CommandRecord | None:
    """The command's record: staged in the open unit of work, else read from its one event.

    A CommandRecord is never snapshotted, so this is one query (the repository would ask the
    snapshot store first): it runs for every command, and is usually empty.
    """
    unit = current_unit()
    staged = unit.get(record_id) if unit is not None else None
    if isinstance(staged, CommandRecord):
        return staged
    if unit is not None and unit.known_absent(record_id):  # prefetched in bulk (service.stream_reads)
        return None
    events = list(app.events.get(record_id))
    if not events:
        return None
    record: CommandRecord = fast_project(None, events)
    return record
