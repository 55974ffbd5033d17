"""What a projection handler or query sees: its tables (live or shadow) inside one transaction.

Handlers only call these methods, so the same handler code writes the live tables during a run
and the shadow tables during a rebuild, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from projections.store import Tx, ViewStore
from projections.tables import Table, read_value, to_json


class View:
    def __init__(self, tx: Tx, shadow: bool = False) -> None:
        self.tx = tx
        self.shadow = shadow
        self.pg = tx.dialect == "postgres"
        self.position = 0  # notification id of the event being handled
        self.memo: dict[Any, Any] = {}  # per-transaction cache of immutable lookups (subject index)
        self.ledger: Any = None  # the ledger being projected (set by the runner)

    def t(self, table: Table) -> str:
        return table.physical(self.shadow)

    # ---- writes --------------------------------------------------------------------------------
    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        cols = list(row)
        self.tx.execute(
            f"INSERT INTO {self.t(table)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            self._params(table, row, cols),
        )

    def upsert(self, table: Table, row: Mapping[str, Any]) -> None:
        """Insert, or overwrite the given non-key columns of the existing row."""
        self._upsert(table, row, {c: f"excluded.{c}" for c in row if c not in table.key})

    def add(
        self, table: Table, key: Mapping[str, Any], deltas: Mapping[str, Any], values: Mapping[str, Any] | None = None
    ) -> None:
        """Add `deltas` to money/int columns (creating the row at zero), and set `values`."""
        name = self.t(table)
        sets = {}
        for c in deltas:
            kind = table.type_of(c)
            if not self.pg and kind in ("money", "decimal"):
                sets[c] = f"dec_add({c}, excluded.{c})"
            else:
                sets[c] = f"{name}.{c} + excluded.{c}" if self.pg else f"{c} + excluded.{c}"
        sets.update({c: f"excluded.{c}" for c in (values or {})})
        self._upsert(table, {**key, **deltas, **(values or {})}, sets)

    def update(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        cols = list(values)
        where, params = self._where(key)
        self.tx.execute(
            f"UPDATE {self.t(table)} SET {', '.join(f'{c} = ?' for c in cols)} WHERE {where}",
            self._params(table, values, cols) + params,
        )

    def delete(self, table: Table, where: Mapping[str, Any]) -> None:
        clause, params = self._where(where)
        self.tx.execute(f"DELETE FROM {self.t(table)} WHERE {clause}", params)

    # ---- reads ---------------------------------------------------------------------------------
    def get(self, table: Table, key: Mapping[str, Any]) -> dict[str, Any] | None:
        rows = self.select(table, key)
        return rows[0] if rows else None

    def select(
        self,
        table: Table,
        where: Mapping[str, Any] | None = None,
        order_by: Sequence[str] = (),
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows in `order_by` (default: the key) order; `limit`/`offset` page them in SQL."""
        cols = table.column_names
        sql = f"SELECT {', '.join(cols)} FROM {self.t(table)}"
        params: list[Any] = []
        if where:
            clause, params = self._where(where)
            sql += f" WHERE {clause}"
        order = list(order_by) or list(table.key)
        sql += f" ORDER BY {', '.join(order)}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return [self.row(table, cols, r) for r in self.tx.rows(sql, params)]

    def count(self, table: Table, where: Mapping[str, Any] | None = None) -> int:
        sql = f"SELECT COUNT(*) FROM {self.t(table)}"
        params: list[Any] = []
        if where:
            clause, params = self._where(where)
            sql += f" WHERE {clause}"
        return int(self.tx.rows(sql, params)[0][0])

    def rows(self, sql: str, params: Sequence[Any] = (), **tables: Table) -> list[tuple[Any, ...]]:
        """Raw SQL; `{name}` placeholders are replaced by the physical names of `tables`."""
        return self.tx.rows(sql.format(**{k: self.t(v) for k, v in tables.items()}), params)

    def row(self, table: Table, cols: Iterable[str], values: Sequence[Any]) -> dict[str, Any]:
        return {c: read_value(table.type_of(c), v) for c, v in zip(cols, values)}

    # ---- helpers -------------------------------------------------------------------------------
    def _upsert(self, table: Table, row: Mapping[str, Any], sets: Mapping[str, str]) -> None:
        cols = list(row)
        sql = (
            f"INSERT INTO {self.t(table)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT ({', '.join(table.key)}) "
        )
        sql += f"DO UPDATE SET {', '.join(f'{c} = {e}' for c, e in sets.items())}" if sets else "DO NOTHING"
        self.tx.execute(sql, self._params(table, row, cols))

    @staticmethod
    def _params(table: Table, row: Mapping[str, Any], cols: Sequence[str]) -> list[Any]:
        out = []
        for c in cols:
            value = row[c]
            if table.type_of(c) == "json" and value is not None and not isinstance(value, str):
                value = to_json(value)
            out.append(value)
        return out

    @staticmethod
    def _where(where: Mapping[str, Any]) -> tuple[str, list[Any]]:
        parts, params = [], []
        for c, v in where.items():
            if v is None:
                parts.append(f"{c} IS NULL")
            else:
                parts.append(f"{c} = ?")
                params.append(v)
        return " AND ".join(parts), params


class ViewNotBuiltError(LookupError):
    """A query touched a read model that has not been built yet."""


@contextmanager
def reading(store: ViewStore) -> Iterator[View]:
    """The live tables, for query functions (one consistent read transaction)."""
    try:
        with store.transaction(readonly=True) as tx:
            yield View(tx)
    except Exception as exc:
        text = str(exc)
        if "no such table" in text or type(exc).__name__ == "UndefinedTable":
            raise ViewNotBuiltError(
                f"read model not built yet ({text.splitlines()[0]}); run: python -m projections run"
            ) from exc
        raise
