"""`ledger rebuild PROJECTION|all`: rebuild read models into shadow tables and swap them in.

The same steps as `python -m projections rebuild` (projections.rebuild): a shadow runner that
resumes from its own position after a crash, then one atomic swap; here with a rich progress bar.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from cli.errors import EXIT_PROBLEMS_FOUND, fail
from cli.progress import progress_bar
from cli.store import open_ledger, open_views
from domain.errors import ValidationError


def rebuild_projection(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="PROJECTION", help="a projection name, or all")],
    batch_size: Annotated[int, typer.Option("--batch-size", help="notifications per transaction")] = 1000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="processes (PostgreSQL; SQLite uses one): the projections are split between them, then swapped in together",
        ),
    ] = 1,
) -> int:
    """Rebuild a projection (or all) from the whole event log, then swap it in atomically."""
    from projections import catalog
    from projections.rebuild import swap_in
    from projections.runner import ProjectionError, Runner, StaleProjectionError

    if batch_size < 1:
        raise ValidationError("--batch-size must be at least 1")
    if workers < 1:
        raise ValidationError("--workers must be at least 1")
    selected = catalog.select(name)
    if workers > 1:
        return _rebuild_in_processes(ctx, name, batch_size, workers)
    with open_ledger(ctx.obj.settings) as ledger:
        store = open_views(ctx.obj.settings.store)
        try:
            runner = Runner(ledger, store, selected, batch_size=batch_size, shadow=True)
            runner.prepare()
            start, head = min(runner.positions().values()), runner.head()
            events, began = 0, time.monotonic()
            with progress_bar("events") as bar:
                task = bar.add_task(
                    f"rebuild {'+'.join(p.name for p in runner.projections)}", total=max(head - start, 0)
                )

                def advance(position: int, _head: int, count: int) -> None:
                    nonlocal events
                    events += count
                    bar.update(task, completed=position - start)

                runner.on_batch = advance
                runner.run_once(until_head=True)
            position = min(runner.positions().values())
            swap_in(store, runner.projections)
        except (StaleProjectionError, ProjectionError) as exc:
            return fail(str(exc), EXIT_PROBLEMS_FOUND)
        finally:
            store.close()
    seconds = time.monotonic() - began
    typer.echo(
        f"rebuilt {', '.join(p.name for p in runner.projections)}: {events:,} events in {seconds:.2f} s "
        f"({events / max(seconds, 1e-9):,.0f} events/s), position {position}, resumed from {start}"
    )
    return 0


def _rebuild_in_processes(ctx: typer.Context, name: str, batch_size: int, workers: int) -> int:
    """`--workers N`: projections.rebuild splits the projections over N processes (one on SQLite)."""
    import sys

    from projections.rebuild import rebuild
    from projections.runner import ProjectionError, StaleProjectionError

    with open_ledger(ctx.obj.settings) as ledger:
        store = open_views(ctx.obj.settings.store)
        try:
            done = rebuild(ledger, store, name, batch_size=batch_size, workers=workers, stream=sys.stderr)
        except (StaleProjectionError, ProjectionError) as exc:
            return fail(str(exc), EXIT_PROBLEMS_FOUND)
        finally:
            store.close()
    seconds = float(done["seconds"])
    typer.echo(
        f"rebuilt {', '.join(done['projections'])}: {done['events']:,} events in {seconds:.2f} s "
        f"({done['events'] / max(seconds, 1e-9):,.0f} events/s), position {done['position']}, "
        f"resumed from {done['resumed_from']}"
    )
    return 0
