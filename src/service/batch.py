"""Batches: many commands from one payment file, one transaction, all or nothing.

An entry is `{"command": <name>, "command_id": ..., "args": {...}}` (service.commands.parse_entry): the
same model, the same rules and the same refusals as the command's single route, with `expected_version`
among the args. Each command keeps its own idempotency: a command id already recorded (earlier, or
earlier in the same batch) returns its first result and appends nothing. A later command sees what
earlier commands of the batch did (service.unit_of_work). A refused command refuses the whole batch and
its error names the command's index; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError

from domain.errors import ConcurrencyConflictError, LedgerError, ValidationError
from domain.policy.parsing import PolicyError
from service.batch_read_ahead import read_ahead
from service.commands import Command, parse_entry
from service.retry_lock import retrying, unlocked
from service.unit_of_work import commit, unit_of_work

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

BATCH_SIZE_MAX = 1000
RETRY_COUNT_MAX = 8


class BatchCommandError(LedgerError):
    """A command of a batch was refused: `cause` is its own error, `index` and `command_id` name it.

    Its status, title and (for invalid input) `errors` are the cause's, so a batch refuses a command with the
    same problem as the command's single route, plus `index` and `command_id`."""

    def __init__(self, index: int, command_id: str | None, cause: Exception) -> None:
        super().__init__(f"command #{index} ({command_id or 'no command id'}): {cause}")
        self.index = index
        self.command_id = command_id
        self.cause = cause
        self.status = getattr(cause, "status", 422)
        self.title = getattr(cause, "title", "Invalid command")
        self.current_version = getattr(cause, "current_version", None)


def parse_batch(entries: Sequence[Any]) -> list[Command]:
    """Every entry as its command, or a BatchCommandError naming the first refused one; nothing runs."""
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes) or not entries:
        raise ValidationError("commands: give a non-empty list of commands")
    if len(entries) > BATCH_SIZE_MAX:
        raise ValidationError(f"commands: at most {BATCH_SIZE_MAX} per batch, got {len(entries)}")
    commands = []
    for index, entry in enumerate(entries):
        try:
            commands.append(parse_entry(entry))
        except LedgerError as exc:
            command_id = entry.get("command_id") if isinstance(entry, dict) else None
            raise BatchCommandError(index, command_id if isinstance(command_id, str) else None, exc) from None
    return commands


def run_batch(
    ledger: BenefitLedger,
    commands: Sequence[Command],
    authorize: Callable[[Command], None] | None = None,
) -> list[dict[str, Any]]:
    """Run `commands` in one transaction; one result per command, each with `replayed`.

    `authorize(command)` (the API's access check) runs before each command and may raise.

    The batch's command records, the aggregates its commands name (patients, admissions, patient-years)
    and what those lead to (hospitals, policy and catalogue registers, county-year closes) are read first,
    in one or two queries (service.batch_read_ahead); an id with no events is known absent,
    so neither its command-record lookup nor a creation's existence probe costs a query. A batch that
    collides with a concurrent writer is run again on fresh state while holding the retry lock
    (service.retry_lock), so batches that keep colliding with each other take turns instead of
    giving up.
    """
    for attempt in range(RETRY_COUNT_MAX):
        with retrying(ledger) if attempt else unlocked(), unit_of_work() as unit:
            read_ahead(ledger, unit, commands)
            results = []
            for index, command in enumerate(commands):
                try:
                    if authorize is not None:
                        authorize(command)
                    result = ledger.handle(command)
                except (LedgerError, PolicyError) as exc:
                    raise BatchCommandError(index, command.command_id, exc) from None
                results.append(
                    {
                        "index": index,
                        "command": command.command,
                        "command_id": command.command_id,
                        "replayed": bool(result.pop("replayed", False)),
                        "result": result,
                    }
                )
            try:
                commit(ledger, unit)
            except IntegrityError:  # a concurrent writer: run the batch again on fresh state
                continue
            return results
    raise ConcurrencyConflictError(f"batch: gave up after {RETRY_COUNT_MAX} conflicting attempts")
