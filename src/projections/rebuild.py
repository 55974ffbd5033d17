"""Rebuild projections from the whole log into shadow tables, then swap them in atomically.

1. prepare: shadow tables `proj_<table>__shadow` and a tracking row `<name>#rebuild` at 0 (kept
   if they exist already: a rebuild killed midway resumes from its shadow position);
2. catch up in large batches (one transaction per ~1000 notifications, position included);
3. swap, in ONE transaction: drop the live tables, rename the shadow ones, and give the live
   tracking row the shadow's position. A live runner then continues from there.
The API keeps serving the old tables until the swap commits.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TextIO

from projections import catalog
from projections.projection import Projection
from projections.runner import SHADOW_SUFFIX, Runner, tracking_rows
from projections.store import TRACKING, ViewStore


class ProgressBar:
    """`label [#####-----]  52.3%  5230/10000  1,234 ev/s` on one line of stderr."""

    def __init__(
        self, label: str, start: int, head: int, stream: TextIO | None = None, width: int = 30, visible: bool = True
    ) -> None:
        self.label, self.start, self.head, self.width, self.visible = label, start, head, width, visible
        self.stream = stream or sys.stderr
        self.events, self.began, self.shown, self.drawn = 0, time.monotonic(), 0.0, -1

    def update(self, position: int, head: int, count: int) -> None:
        self.events += count
        now = time.monotonic()
        if self.visible and (now - self.shown >= 0.2 or position >= self.head):
            self.shown = now
            self._draw(position)

    def _draw(self, position: int) -> None:
        span = self.head - self.start
        fraction = 1.0 if span <= 0 else min(1.0, max(0.0, (position - self.start) / span))
        filled = int(fraction * self.width)
        self.drawn = position
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {fraction * 100:5.1f}%  "
            f"{position}/{self.head}  {self.rate():,.0f} ev/s"
        )
        self.stream.flush()

    def rate(self) -> float:
        return self.events / max(1e-9, time.monotonic() - self.began)

    def close(self, position: int) -> None:
        if not self.visible:
            return
        if self.drawn != position:
            self._draw(position)
        self.stream.write("\n")
        self.stream.flush()


def rebuild(
    ledger: Any,
    store: ViewStore,
    names: str | Sequence[str] = "all",
    *,
    batch_size: int = 1000,
    progress: bool = True,
    swap: bool = True,
    stream: TextIO | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """`workers` > 1 (PostgreSQL only): the projections are split into that many parts, each rebuilt by its own
    process from the same log (the parts share no table and no tracking row), then swapped in together."""
    projections = catalog.select(names if isinstance(names, str) else list(names))
    runner = Runner(ledger, store, projections, batch_size=batch_size, shadow=True)
    runner.prepare()
    start, head = min(runner.positions().values()), runner.head()
    bar = ProgressBar(f"rebuild {'+'.join(p.name for p in projections)}", start, head, stream, visible=progress)
    parts = _parts(projections, workers if store.kind == "postgres" else 1)
    began = time.monotonic()
    if len(parts) == 1:
        runner.on_batch = bar.update
        runner.run_once(until_head=True)
        events = bar.events
    else:
        events = _run_in_parallel(ledger, store, parts, batch_size, bar)
    seconds = time.monotonic() - began
    position = min(runner.positions().values())
    bar.events = events
    bar.close(position)
    if swap:
        swap_in(store, projections)
    return {
        "projections": [p.name for p in projections],
        "resumed_from": start,
        "position": position,
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds) if seconds else None,
        "swapped": swap,
    }


#: Measured cost of a parallel rebuild's part, in CPU seconds of `bench rebuild --scale 0.1` (27,448 notifications)
#: on this kind of machine. Each projection rebuilt alone in one process cost its own work (handlers, writes, and
#: the notifications only it reads) plus a part shared by all: reading and decoding the settlement events every
#: projection reads, which a part pays once however many projections it holds (the eight projections other than
#: the audit trail cost 1.83 s together, 4.19 s one by one). Every part but the first (run by this process) also
#: pays a spawned process's start-up (imports, connections).
_OWN_COST = {
    "audit_trail": 1.50,
    "search_index": 0.52,
    "county_detail": 0.35,
    "recalculations_pending": 0.23,
    "annual_totals": 0.22,
    "hospital_advances": 0.19,
    "county_dashboard": 0.18,
    "bulletin_hospitals": 0.12,
    "retro_compensation": 0.01,
}
_SHARED_COST = 0.34
_START_COST = 0.9


def _cost(part: Sequence[Projection], spawned: bool) -> float:
    """The cost model above: a part's own costs, plus the shared reading once, plus a start-up if spawned."""
    if not part:
        return 0.0
    return sum(_OWN_COST.get(p.name, 0.3) for p in part) + _SHARED_COST + (_START_COST if spawned else 0.0)


def _parts(projections: Sequence[Projection], workers: int) -> list[list[Projection]]:
    """At most `workers` groups of projections of about equal measured cost (`_cost`): heaviest projection
    first, each to the group it costs least to add it to. The first group is rebuilt by this process."""
    groups: list[list[Projection]] = [[] for _ in range(max(1, min(workers, len(projections))))]
    for p in sorted(projections, key=lambda p: (-_OWN_COST.get(p.name, 0.3), p.name)):
        best = min(range(len(groups)), key=lambda i: (_cost([*groups[i], p], i > 0), i))
        groups[best].append(p)
    return [g for g in groups if g]


def _run_in_parallel(
    ledger: Any, store: ViewStore, parts: list[list[Projection]], batch_size: int, bar: ProgressBar
) -> int:
    """The first part in this process, the others each in a spawned process; the notifications processed."""
    env = {k: str(v) for k, v in ledger.env.items()}
    config = store.config  # type: ignore[attr-defined]  # PostgresViewStore
    with ProcessPoolExecutor(max_workers=len(parts) - 1, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_rebuild_part, env, config, [p.name for p in part], batch_size) for part in parts[1:]]
        runner = Runner(ledger, store, parts[0], batch_size=batch_size, shadow=True, on_batch=bar.update)
        runner.seen = set()
        runner.run_once(until_head=True)
        seen = runner.seen
        for future in futures:
            seen |= future.result()
    return len(seen)


def _rebuild_part(env: dict[str, str], config: Any, names: list[str], batch_size: int) -> set[int]:
    """In a worker process: rebuild these projections' shadow tables up to the head (no swap)."""
    from projections.store import PostgresViewStore
    from service.ledger import BenefitLedger

    ledger = BenefitLedger(env=env)
    store = PostgresViewStore(config)
    try:
        runner = Runner(ledger, store, catalog.select(names), batch_size=batch_size, shadow=True)
        runner.seen = set()
        runner.run_once(until_head=True)
        return runner.seen
    finally:
        store.close()
        ledger.close()


def swap_in(store: ViewStore, projections: Sequence[Projection]) -> None:
    """Replace the live tables by the shadow ones and carry the position over, in one transaction."""
    with store.transaction() as tx:
        if tx.dialect == "postgres":  # waits for a live runner's batch; its next batch then re-reads positions
            tx.execute(f"LOCK TABLE {TRACKING} IN EXCLUSIVE MODE")
        rows = tracking_rows(tx)
        for p in projections:
            shadow = rows.get(p.name + SHADOW_SUFFIX)
            if shadow is None:
                raise RuntimeError(f"projection {p.name} has no rebuilt shadow to swap in")
            for table in p.tables:
                tx.execute(f"DROP TABLE IF EXISTS {table.physical()}")
                tx.execute(f"ALTER TABLE {table.physical(True)} RENAME TO {table.physical()}")
            tx.execute(f"DELETE FROM {TRACKING} WHERE projection IN (?, ?)", [p.name, p.name + SHADOW_SUFFIX])
            tx.execute(
                f"INSERT INTO {TRACKING} (projection, position, fingerprint) VALUES (?, ?, ?)",
                [p.name, shadow[0], shadow[1]],
            )


def status(ledger: Any, store: ViewStore) -> list[dict[str, Any]]:
    head = int(ledger.recorder.max_notification_id() or 0)
    with store.transaction(readonly=True) as tx:
        rows = tracking_rows(tx)
    out = []
    for p in catalog.PROJECTIONS.values():
        live, shadow = rows.get(p.name), rows.get(p.name + SHADOW_SUFFIX)
        out.append(
            {
                "projection": p.name,
                "position": live[0] if live else None,
                "head": head,
                "lag": head - live[0] if live else None,
                "state": "not built" if live is None else "stale: rebuild" if live[1] != p.fingerprint else "current",
                "rebuild_position": shadow[0] if shadow else None,
            }
        )
    return out
