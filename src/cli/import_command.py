"""`ledger import FILE.jsonl`: load a JSON Lines file of commands in all-or-nothing batches.

The whole file is checked first, so a malformed line changes nothing at all. Then each batch of
`--batch-size` commands runs in one transaction (service.batch.run_batch). A command the ledger
refuses stops the import at its line: that batch writes nothing, earlier batches stay. Command
ids are idempotent, so re-running the file (after a fix, or after a crash) appends only what is new.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.jsonl import CommandLine, batches, count_commands
from cli.progress import progress_bar
from cli.store import open_ledger
from domain.errors import ValidationError

BATCH_SIZE_DEFAULT = 500


def import_commands(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.jsonl")],
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="commands per transaction (1 to 1000)")
    ] = BATCH_SIZE_DEFAULT,
) -> int:
    """Import a JSON Lines file of commands, one transaction per batch, with a progress bar."""
    from service.batch import BATCH_SIZE_MAX

    if not 1 <= batch_size <= BATCH_SIZE_MAX:
        raise ValidationError(f"--batch-size: give 1 to {BATCH_SIZE_MAX}, not {batch_size}")
    total = count_commands(file)
    if total == 0:
        raise ValidationError(f"{file}: no commands (one JSON object a line)")
    started = time.perf_counter()
    with open_ledger(ctx.obj.settings, must_exist=False) as ledger, progress_bar("lines") as bar:
        task = bar.add_task(f"import {file.name}", total=total)
        appended = replayed = 0
        for batch in batches(file, batch_size):
            results = _submit(ledger, file, batch)
            replayed += sum(1 for result in results if result["replayed"])
            appended += sum(1 for result in results if not result["replayed"])
            bar.advance(task, len(batch))
    seconds = time.perf_counter() - started
    typer.echo(
        f"imported {file}: {total:,} commands ({appended:,} appended, {replayed:,} already recorded) "
        f"in {seconds:.1f} s, {total / max(seconds, 1e-9):,.0f} lines/s"
    )
    return 0


def _submit(ledger: Any, file: Path, batch: list[CommandLine]) -> list[dict[str, Any]]:
    from service.batch import BatchCommandError, run_batch

    try:
        return run_batch(ledger, [line.command for line in batch])
    except BatchCommandError as exc:
        line = batch[exc.index]
        raise ValidationError(
            f"{file} line {line.line_no}: {line.command.command} {line.command.command_id!r} "
            f"refused: {exc.cause} (nothing from lines {batch[0].line_no}-{batch[-1].line_no} "
            f"was written)"
        ) from None
