"""JSON Lines files of ledger commands: one `{"command", "command_id", "args"}` object a line.

    {"command": "register_patient", "command_id": "p-1:reg", "args": {"patient_ref": "P-1", "county_code": "341821"}}
    {"command": "post_charge_line", "command_id": "a-1:1", "args": {"admission_ref": "A-1", "amount": "12.50", ...}}

Each line is parsed as its command's model (service.commands.parse_entry): the same fields, rules and
refusals as the command's route and `POST /batches`. Blank lines are skipped; a line that is not such a
command is refused with its line number, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from domain.errors import LedgerError, ValidationError

if TYPE_CHECKING:
    from service.commands import Command

LINE_LENGTH_MAX = 1_000_000


class MalformedLineError(ValidationError):
    """A line of the file is not a command; `line_no` names it (1-based)."""

    def __init__(self, path: Path, line_no: int, message: str) -> None:
        super().__init__(f"{path} line {line_no}: {message}")
        self.line_no = line_no


@dataclass(frozen=True)
class CommandLine:
    line_no: int
    command: Command


def parse_line(path: Path, line_no: int, raw: bytes) -> Command | None:
    """The command on one line, or None for a blank line."""
    from service.commands import parse_entry

    if not raw.strip():
        return None
    if len(raw) > LINE_LENGTH_MAX:
        raise MalformedLineError(path, line_no, f"longer than {LINE_LENGTH_MAX:,} bytes")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedLineError(path, line_no, f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise MalformedLineError(path, line_no, 'expected an object {"command", "command_id", "args"}')
    try:
        return parse_entry(value)
    except LedgerError as exc:
        name, command_id = value.get("command"), value.get("command_id")
        what = f"{name} {command_id!r} " if isinstance(name, str) and name and isinstance(command_id, str) else ""
        raise MalformedLineError(path, line_no, f"{what}refused: {exc}") from None


def read_commands(path: Path) -> Iterator[CommandLine]:
    """Every command of the file with its line number, in order."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            command = parse_line(path, line_no, raw)
            if command is not None:
                yield CommandLine(line_no, command)


def count_commands(path: Path) -> int:
    """Check every line and count the commands, so a malformed file is refused before anything is written."""
    return sum(1 for _ in read_commands(path))


def batches(path: Path, size: int) -> Iterator[list[CommandLine]]:
    batch: list[CommandLine] = []
    for line in read_commands(path):
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
