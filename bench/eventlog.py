"""Stored-event logs for the large benches: made by the real command path, then bulk-copied into PostgreSQL.

`county_log` loads a seeded county plan through BenefitLedger's commands on the in-memory (POPO)
store and keeps the stored events and snapshots exactly as the ledger's mapper wrote them; it is
cached under var/bench-cache/<plan prefix>.pickle with a digest of src/domain/ (where event shapes
live): when that code has changed since, a warning says so; delete the directory to rebuild the log.
`Renamer` makes copy k of a county: every ref gets the suffix `c<k>` after the plan prefix and
every aggregate id is re-derived from the renamed natural key (domain.ids), so copies are distinct
counties of one province. `copy_rows` COPYs rows into a ledger's tables in one transaction.
Limits: a renamed CommandRecord keeps the original payload digest (no bench retries those ids).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg import sql

from bench.pgschema import connect
from domain import ids
from generator.load import load_plan
from service.ledger import BenefitLedger
from service.settings import StoreConfig

Row = tuple[UUID, int, str, bytes]  # originator_id, originator_version, topic, state
CACHE_DIR = Path("var/bench-cache")
DOMAIN = Path(__file__).resolve().parent.parent / "src" / "domain"
SHARED_PREFIXES = (  # one region register, and one hospital registry, for every copy
    "ledger:PolicyRegister.",
    "ledger:PolicyVersion.",
    "ledger:RegisteredHospital.",
)


@dataclass
class CountyLog:
    prefix: str
    events: list[Row]
    snapshots: list[Row]
    code_digest: str = ""


def memory_ledger() -> BenefitLedger:
    return BenefitLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(DOMAIN.rglob("*.py")) + sorted(DOMAIN.rglob("*.toml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def county_log(plan: Any, *, cache: bool = True) -> CountyLog:
    """The events and snapshots of `plan` loaded through the real commands (in memory)."""
    path = CACHE_DIR / f"{plan.prefix}.pickle"
    if cache and path.exists():
        with path.open("rb") as f:
            log: CountyLog = pickle.load(f)
        if log.code_digest != _code_digest():
            print(
                f"bench: warning: {path} was made by other src/domain code; delete it to rebuild the log",
                file=sys.stderr,
            )
        return log
    ledger = memory_ledger()
    load_plan(ledger, plan)
    notifications = ledger.recorder.select_notifications(start=1, limit=1 << 40)
    events = [(n.originator_id, n.originator_version, n.topic, n.state) for n in notifications]
    snapshots = (
        [
            (s.originator_id, s.originator_version, s.topic, s.state)
            for originator in dict.fromkeys(row[0] for row in events)
            for s in ledger.snapshots.recorder.select_events(originator)
        ]
        if ledger.snapshots
        else []
    )
    log = CountyLog(plan.prefix, events, snapshots, _code_digest())
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            pickle.dump(log, f, protocol=pickle.HIGHEST_PROTOCOL)
    return log


class Renamer:
    """Copy k of a county log under renamed refs and re-derived ids."""

    def __init__(self, ledger: BenefitLedger, log: CountyLog, copy: int) -> None:
        self.transcoder = ledger.mapper.transcoder
        self.old, self.new = log.prefix, f"{log.prefix}c{copy}"
        self.ids: dict[UUID, UUID] = {}
        self.shared: set[UUID] = set()  # the region's policy register, versions, and their command records
        for originator_id, version, topic, state in log.events:
            if version != 1:
                continue
            renamed = (
                None if topic.startswith(SHARED_PREFIXES) else self._renamed_id(topic, self.transcoder.decode(state))
            )
            if renamed is None or renamed == originator_id:
                self.shared.add(originator_id)
            else:
                self.ids[originator_id] = renamed
        self.id_texts = {str(old): str(new) for old, new in self.ids.items()}

    def _renamed_id(self, topic: str, state: dict[str, Any]) -> UUID:
        rename = self._text
        if topic == "ledger:Patient.Registered":
            return ids.patient_id(rename(state["patient_ref"]))
        if topic == "ledger:Admission.Registered":
            return ids.admission_id(rename(state["admission_ref"]))
        if topic == "ledger:BenefitYear.Opened":
            return ids.benefit_year_id(rename(state["patient_ref"]), state["year"])
        if topic == "ledger:CommandRecord.Handled":
            return ids.command_record_id(rename(state["command_id"]))
        raise ValueError(f"cannot rename an aggregate created by {topic}")

    def _text(self, text: str) -> str:
        return text.replace(self.old, self.new) if self.old in text else text

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.id_texts.get(value) or self._text(value)
        if isinstance(value, UUID):
            return self.ids.get(value, value)
        if isinstance(value, dict):
            return {self._walk(k): self._walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        return value

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        for originator_id, version, topic, state in rows:
            if originator_id in self.shared:
                continue
            yield (
                self.ids[originator_id],
                version,
                topic,
                self.transcoder.encode(self._walk(self.transcoder.decode(state))),
            )


def copy_rows(config: StoreConfig, table: str, rows: Iterable[Row]) -> int:
    """COPY rows into the schema's `table` (ledger_events or ledger_snapshots) in one transaction."""
    statement = sql.SQL("COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)")
    count = 0
    with connect(config) as conn, conn.cursor() as cursor:
        with cursor.copy(statement.format(sql.Identifier(config.schema), sql.Identifier(table))) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
                count += 1
        conn.commit()
    return count
