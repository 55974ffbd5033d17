"""Tamper evidence: check every stream's hash chain against the raw rows of the events table.

    verify_chains(ledger, *, originator_ids=None) -> ChainReport

The chain is written by the recorders in service.chained_persistence (see chain.py for the hash).
Rows are read with SQL, not through the mapper, so an edit that no longer decodes is still reported.
Per stream, versions must run 1, 2, ... with an event row and a chain row each; each chain hash must
equal H(previous hash, the event row). What each problem kind means:

  edited             the event row's topic/state (or its chain row) no longer matches the chain
  deleted            an event row is gone: its chain row survives, or the version sequence has a hole
  inserted           an event row has no chain row and no later link vouches for it
  chain-row-missing  an event row lost its chain row but still links into the chain, or the stream
                     has no chain rows at all (written before chaining was enabled)

What it cannot see (docs/tamper-evidence.md): a stream's last events deleted together with their chain
rows, a whole stream deleted, and, without LEDGER_CHAIN_KEY, edits by someone who recomputes the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any
from uuid import UUID

from domain.errors import LedgerError
from service.chained_persistence.chain import ChainHasher, check_key_id

EDITED, DELETED, INSERTED, CHAIN_ROW_MISSING = "edited", "deleted", "inserted", "chain-row-missing"


class NotChainedError(LedgerError):
    status = 500
    title = "The event store keeps no hash chain"


@dataclass(frozen=True)
class ChainProblem:
    originator_id: str
    version: int
    kind: str  # "edited" | "deleted" | "inserted" | "chain-row-missing"
    detail: str  # one line naming the table, stream and version


@dataclass
class ChainReport:
    streams_checked: int = 0
    events_checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    keyed: bool = False  # chained under LEDGER_CHAIN_KEY (HMAC) rather than plain SHA-256

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chains(ledger: Any, *, originator_ids: Iterable[UUID | str] | None = None) -> ChainReport:
    """Check the chains of every stream, or of the given originator ids only. Changes nothing."""
    recorder = ledger.recorder
    if not hasattr(recorder, "iter_chain_rows"):
        raise NotChainedError(
            f"the event store ({type(recorder).__name__}) keeps no hash chain: "
            "use PERSISTENCE_MODULE=service.chained_persistence.sqlite or ...postgres"
        )
    hasher: ChainHasher = recorder.hasher
    check_key_id(recorder.stored_key_id(), hasher)
    ids = None if originator_ids is None else [_as_id(i) for i in originator_ids]
    report = ChainReport(keyed=hasher.keyed)
    for stream, group in groupby(recorder.iter_chain_rows(ids), key=itemgetter(0)):
        rows = list(group)
        report.streams_checked += 1
        report.events_checked += sum(1 for row in rows if row[2])
        report.problems += _StreamCheck(hasher, recorder.events_table_name, recorder.chain_table_name, stream).run(rows)
    return report


def _as_id(value: UUID | str) -> UUID | str:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return str(value)


class _StreamCheck:
    """Walks one stream's rows in version order, keeping two candidates for the previous link: the
    stored hash and the hash computed from the event row. Whichever the next row accepts tells
    whether an earlier mismatch was the event row or its chain row."""

    def __init__(self, hasher: ChainHasher, events_table: str, chain_table: str, stream: str) -> None:
        self.hasher, self.events, self.chain, self.stream = hasher, events_table, chain_table, stream
        self.problems: list[ChainProblem] = []
        self.pending: tuple[int, str, str] | None = None  # (problem index, kind, what) if the next row vouches

    def add(self, version: int, kind: str, what: str) -> int:
        self.problems.append(
            ChainProblem(self.stream, version, kind, f"{self.events}: stream {self.stream} version {version}: {what}")
        )
        return len(self.problems) - 1

    def run(self, rows: list[tuple[str, int, bool, str | None, bytes | None, bytes | None]]) -> list[ChainProblem]:
        if all(row[5] is None for row in rows):
            first, last = rows[0][1], rows[-1][1]
            self.add(
                first,
                CHAIN_ROW_MISSING,
                f"no chain rows in {self.chain} for versions {first}..{last} "
                "(written before chaining was enabled, or inserted bypassing the recorder)",
            )
            return self.problems
        stored_prev: bytes | None = self.hasher.genesis(self.stream)
        computed_prev: bytes | None = stored_prev
        expected = 1
        for _, version, has_event, topic, state, stored in rows:
            gap = version > expected
            for missing in range(expected, version):
                self.add(missing, DELETED, f"event row and its chain row in {self.chain} are both missing")
            expected = version + 1
            if not has_event:
                self.add(version, DELETED, f"event row deleted (its chain row in {self.chain} survives)")
                stored_prev, computed_prev, self.pending = stored, None, None
                continue
            via_stored = None if stored_prev is None else self._link(stored_prev, version, topic, state)
            via_computed = (
                None
                if computed_prev is None or computed_prev == stored_prev
                else self._link(computed_prev, version, topic, state)
            )
            if stored is None:
                index = self.add(
                    version,
                    INSERTED,
                    f"event row has no chain row in {self.chain} and no later "
                    "row links to it (appended bypassing the recorder, or its chain row deleted)",
                )
                self.pending = (
                    index,
                    CHAIN_ROW_MISSING,
                    (f"its chain row in {self.chain} is missing; the event row itself still links into the chain"),
                )
                stored_prev, computed_prev = None, via_stored or via_computed
                continue
            computed_prev = stored
            if gap or stored == via_stored:  # a link into a hole cannot be checked; the hole is reported above
                self.pending = None
            elif via_computed is not None and stored == via_computed:
                self._vouch()
            else:
                index = self.add(
                    version,
                    EDITED,
                    f"topic/state does not match its hash in {self.chain} (event row edited, or its chain row)",
                )
                self.pending = (
                    index,
                    EDITED,
                    (f"its chain row in {self.chain} was edited; the event row matches the chain"),
                )
                computed_prev = via_stored or via_computed
            stored_prev = stored
        return self.problems

    def _link(self, previous: bytes, version: int, topic: str | None, state: bytes | None) -> bytes:
        return self.hasher.link(previous, self.stream, version, topic, state)

    def _vouch(self) -> None:
        """The row before was reported, but this row links from that row's content: say what it was."""
        if self.pending is not None:
            index, kind, what = self.pending
            old = self.problems[index]
            self.problems[index] = ChainProblem(
                old.originator_id,
                old.version,
                kind,
                f"{self.events}: stream {self.stream} version {old.version}: {what}",
            )
        self.pending = None
