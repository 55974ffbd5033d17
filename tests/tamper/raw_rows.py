"""Raw SQL on a ledger's events and chain tables, as an attacker with database access would use it."""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import psycopg

from service.ledger import BenefitLedger
from service.settings import store_config


class RawRows:
    """Runs SQL with `{events}` / `{chain}` table placeholders and `?` parameters on either store."""

    def __init__(self, url: str, ledger: BenefitLedger) -> None:
        self.config = store_config(url)
        self.events = ledger.recorder.events_table_name
        self.chain = ledger.recorder.chain_table_name

    @property
    def postgres(self) -> bool:
        return self.config.kind == "postgres"

    def stream(self, originator_id: UUID) -> Any:
        """The originator id as stored: uuid on PostgreSQL, hex text on SQLite."""
        return originator_id if self.postgres else originator_id.hex

    def stream_key(self, originator_id: UUID) -> str:
        """The stream as the verifier names it (service.chained_persistence.chain.stream_key)."""
        from service.chained_persistence.chain import stream_key

        return stream_key(self.stream(originator_id))

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.postgres:
            schema = self.config.schema
            text = statement.format(events=f'"{schema}"."{self.events}"', chain=f'"{schema}"."{self.chain}"')
            with psycopg.connect(self.config.conninfo(), autocommit=True) as conn:
                cursor = conn.execute(text.replace("?", "%s"), params)  # type: ignore[arg-type]
                return cursor.fetchall() if cursor.description else []
        connection = sqlite3.connect(self.config.env["SQLITE_DBNAME"])
        try:
            with connection:
                cursor = connection.execute(statement.format(events=self.events, chain=self.chain), params)
                return cursor.fetchall()
        finally:
            connection.close()

    def count(self, table: str) -> int:
        return int(self.run(f"SELECT count(*) FROM {{{table}}}")[0][0])

    def event(self, originator_id: UUID, version: int) -> tuple[str, bytes]:
        rows = self.run(
            "SELECT topic, state FROM {events} WHERE originator_id = ? AND originator_version = ?",
            (self.stream(originator_id), version),
        )
        return rows[0][0], bytes(rows[0][1])
