"""Stored-event logs for the large benches: made by the real command path, then bulk-copied into PostgreSQL.

`county_log` loads a seeded county plan through BenefitLedger's commands on the in-memory (POPO)
store and keeps the stored events and snapshots exactly as the ledger's mapper wrote them; it is
cached under var/bench-cache/<plan prefix>.pickle with a digest of src/domain/ (where event shapes
live): when that code has changed since, a warning says so; delete the directory to rebuild the log.
`Renamer` makes copy k of a county: every ref gets the suffix `c<k>` after the plan prefix and
every aggregate id is re-derived from the renamed natural key (domain.ids), so copies are distinct
counties of one province; it renames rows as bytes, no event decoded. `copy_rows` COPYs rows into a
ledger's tables in one transaction; `chained` computes the hash-chain rows the real store has, for `copy_chain`.
Limits: a renamed CommandRecord keeps the original payload digest (no bench retries those ids).
"""

from __future__ import annotations

import hashlib
import pickle
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg import sql

from bench.pgschema import connect
from domain import ids
from generator.load import load_plan
from service.chained_persistence.chain import ChainHasher, stream_key
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


# a whole JSON string that is a UUID, as text or hex (what the transcoder writes for a UUID)
_ID_TEXT = re.compile(rb'"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})"')


def natural_keys(ledger: BenefitLedger, log: CountyLog) -> dict[UUID, tuple[str, Any, ...]]:
    """Each renamable aggregate of `log` and its natural key (kind, ref[, year]); decoded once per log."""
    cached: dict[UUID, tuple[Any, ...]] | None = getattr(log, "_natural_keys", None)
    if cached is not None:
        return cached
    decode, keys = ledger.mapper.transcoder.decode, {}
    for originator_id, version, topic, state in log.events:
        if version != 1 or topic.startswith(SHARED_PREFIXES):
            continue
        data = decode(state)
        if topic == "ledger:Patient.Registered":
            keys[originator_id] = ("patient", data["patient_ref"])
        elif topic == "ledger:Admission.Registered":
            keys[originator_id] = ("admission", data["admission_ref"])
        elif topic == "ledger:BenefitYear.Opened":
            keys[originator_id] = ("benefit_year", data["patient_ref"], data["year"])
        elif topic == "ledger:CommandRecord.Handled":
            keys[originator_id] = ("command_record", data["command_id"])
        else:
            raise ValueError(f"cannot rename an aggregate created by {topic}")
    log.__dict__["_natural_keys"] = keys
    return keys


class Renamer:
    """Copy k of a county log under renamed refs and re-derived ids.

    Rows are renamed as bytes (no decode, no Python objects per event): every id text in a state
    (a JSON string that is a UUID, as text or hex) that names one of the county's aggregates becomes the renamed aggregate's
    id, then every occurrence of the plan prefix gets the copy suffix.
    """

    def __init__(self, ledger: BenefitLedger, log: CountyLog, copy: int) -> None:
        self.log = log
        self.old, self.new = log.prefix, f"{log.prefix}c{copy}"
        self.old_bytes, self.new_bytes = self.old.encode(), self.new.encode()
        self.ids: dict[UUID, UUID] = {}
        derive = {
            "patient": ids.patient_id,
            "admission": ids.admission_id,
            "benefit_year": ids.benefit_year_id,
            "command_record": ids.command_record_id,
        }
        for originator_id, (kind, ref, *rest) in natural_keys(ledger, log).items():
            renamed = derive[kind](self._text(ref), *rest)
            if renamed != originator_id:
                self.ids[originator_id] = renamed
        # the region's policy register, versions, hospitals, and anything not renamed: shared by the copies
        self.shared = {row[0] for row in log.events if row[1] == 1} - set(self.ids)
        self.id_bytes: dict[bytes, bytes] = {}
        for old, new in self.ids.items():
            self.id_bytes[str(old).encode()] = str(new).encode()
            self.id_bytes[old.hex.encode()] = new.hex.encode()

    def _text(self, text: str) -> str:
        return text.replace(self.old, self.new) if self.old in text else text

    def _id(self, match: re.Match[bytes]) -> bytes:
        found = match.group(1)
        renamed = self.id_bytes.get(found)
        return match.group(0) if renamed is None else b'"' + renamed + b'"'

    def state(self, state: bytes) -> bytes:
        return _ID_TEXT.sub(self._id, state).replace(self.old_bytes, self.new_bytes)

    def rows(self, rows: Sequence[Row]) -> Iterator[Row]:
        shared, renamed, old, new = self.shared, self.ids, self.old_bytes, self.new_bytes
        with_ids = self.rows_with_ids(rows)
        for index, (originator_id, version, topic, data) in enumerate(rows):
            if originator_id in shared:
                continue
            data = self.state(data) if index in with_ids else data.replace(old, new)
            yield (renamed[originator_id], version, topic, data)

    def rows_with_ids(self, rows: Sequence[Row]) -> set[int]:
        """The positions of the rows whose state holds an id text (found once per list; the same in every copy)."""
        found: dict[int, set[int]] = self.log.__dict__.setdefault("_rows_with_ids", {})
        if id(rows) not in found:
            found[id(rows)] = {index for index, row in enumerate(rows) if _ID_TEXT.search(row[3])}
        return found[id(rows)]


def chained(rows: Iterable[Row], hasher: ChainHasher, chain: list[tuple[UUID, int, bytes]]) -> Iterator[Row]:
    """Pass `rows` (events in stream order) through, appending each one's hash-chain row to `chain`,
    as the ledger's chained recorders write them (service.chained_persistence), so the bench's
    first save of a stream extends its chain instead of chaining its whole history."""
    last: dict[UUID, bytes] = {}
    for row in rows:
        originator_id, version, topic, state = row
        stream = stream_key(originator_id)
        previous = last.get(originator_id)
        if previous is None:
            assert version == 1, f"{stream}: events out of order"
            previous = hasher.genesis(stream)
        last[originator_id] = link = hasher.link(previous, stream, version, topic, state)
        chain.append((originator_id, version, link))
        yield row


def copy_chain(config: StoreConfig, chain: Iterable[tuple[UUID, int, bytes]]) -> int:
    """COPY hash-chain rows into the schema's ledger_events_chain."""
    statement = sql.SQL("COPY {}.{} (originator_id, originator_version, hash) FROM STDIN (FORMAT BINARY)")
    count = 0
    with connect(config) as conn, conn.cursor() as cursor:
        with cursor.copy(
            statement.format(sql.Identifier(config.schema), sql.Identifier("ledger_events_chain"))
        ) as copy:
            copy.set_types(["uuid", "int8", "bytea"])
            for row in chain:
                copy.write_row(row)
                count += 1
        conn.commit()
    return count


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


def analyze(config: StoreConfig) -> None:
    """ANALYZE the ledger's tables after a bulk COPY (the planner's statistics, as autovacuum would keep them)."""
    with connect(config, autocommit=True) as conn:
        for table in ("ledger_events", "ledger_events_chain", "ledger_snapshots"):
            conn.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier(config.schema), sql.Identifier(table)))
