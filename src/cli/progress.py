"""Rich progress bars on stderr: position, total, rate per second and elapsed time.

Bars are transient: on a terminal they are replaced by the command's summary line; on a pipe or
a file they are off, so an error stays one line.
"""

from __future__ import annotations

from typing import Any


def progress_bar(unit: str) -> Any:
    """A `rich.progress.Progress` for counting `unit`s (e.g. "lines", "events")."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
