"""A rebuild's view: the shadow tables' rows kept in memory, each table written once per batch.

During a rebuild (projections.rebuild) the shadow tables are private to the rebuilding runner until
the swap, so what it wrote is what they hold. `TableCache` keeps the rows it read or wrote (by key,
`None` for a key known to be absent), across batches; `BufferedView` answers the handlers' reads from
it and applies their writes to it; `flush` (at the end of each batch, inside its transaction) writes
every changed row of a table with one `executemany` upsert and one `executemany` delete.

A table is *complete* when the cache holds every row it has: a rebuild that starts from position 0
(empty shadow tables). Then a key that is not cached is absent (no query), and a lookup by other
columns (`update`/`select`/`delete` by non-key columns) uses an in-memory index. A resumed rebuild
(after a kill) starts incomplete: misses read the table, and a lookup by other columns flushes the
table and runs in SQL. Raw SQL (`rows`, `count`) flushes every table first. A batch that fails, or a
position moved by another runner, drops the cache (runner.Runner).

Values are kept as the store would give them back (`read_value` of what it would store), so a handler
reads the same from the cache as from the table: money at two places on PostgreSQL (NUMERIC(18,2)),
exact text on SQLite, no negative zero, timestamps in UTC on PostgreSQL; json columns are kept as the
text the table holds and parsed for the handler.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from projections.store import Tx
from projections.tables import FEN, Table, money, read_value, sqlite_param, to_json
from projections.view import View

Key = tuple[Any, ...]

ROWS_KEPT_MAX = 200_000  # rows per table kept between batches; beyond, the table's clean rows are dropped


def _row_key(columns: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Key]:
    """A row's values of these columns, as a tuple."""
    if len(columns) == 1:
        column = columns[0]
        return lambda row: (row[column],)
    return itemgetter(*columns)


class TableCache:
    def __init__(self, table: Table, complete: bool) -> None:
        self.table = table
        self.complete = complete
        self.rows: dict[Key, dict[str, Any] | None] = {}
        self.dirty: set[Key] = set()
        self.stored: set[Key] = set()  # keys known to have a row in the table (read from it, or flushed)
        self.indexes: dict[tuple[str, ...], dict[Key, set[Key]]] = {}
        self.indexed: list[tuple[Callable[[Mapping[str, Any]], Key], dict[Key, set[Key]]]] = []  # (its key, index)
        self.plan: _Plan | None = None  # the table's plan for the view's dialect, set by the first insert

    def key_of(self, row: Mapping[str, Any]) -> Key:
        return tuple(row[c] for c in self.table.key)

    def set(self, key: Key, row: dict[str, Any] | None, dirty: bool = True) -> None:
        """Cache a row (None: absent); `dirty=False` is a row read from the table (so stored there)."""
        if self.indexed:
            old = self.rows.get(key)
            for index_key, index in self.indexed:
                new = None if row is None else index_key(row)
                if old is not None:
                    before = index_key(old)
                    if before == new:
                        continue
                    bucket = index.get(before)
                    if bucket is not None:
                        bucket.discard(key)
                if new is not None:
                    found = index.get(new)
                    if found is None:
                        index[new] = {key}
                    else:
                        found.add(key)
        self.rows[key] = row
        if dirty:
            self.dirty.add(key)
        elif row is not None:
            self.stored.add(key)

    def matching(self, where: Mapping[str, Any], ordered: bool = True) -> list[Key]:
        """Keys of the rows whose columns equal `where` (complete tables only), in key order if `ordered`."""
        cols = tuple(sorted(where))
        index = self.indexes.get(cols)
        if index is None:
            index = self.indexes[cols] = {}
            index_key = _row_key(cols)
            for key, row in self.rows.items():
                if row is not None:
                    index.setdefault(index_key(row), set()).add(key)
            self.indexed.append((index_key, index))
        found = index.get(tuple(where[c] for c in cols), ())
        return list(found) if len(found) < 2 or not ordered else sorted(found, key=_sortable)

    def forget_clean(self) -> None:
        """Keep only the unwritten rows; the table is no longer completely known."""
        self.rows = {k: self.rows[k] for k in self.dirty}
        self.stored &= set(self.rows)
        self.indexes = {}
        self.indexed = []
        self.complete = False


class BufferState:
    """The caches of one rebuilding runner, valid while the positions are the ones it last committed."""

    def __init__(self, positions: dict[str, int], tables_by_projection: Mapping[str, Iterable[Table]]) -> None:
        self.positions = dict(positions)
        self.caches: dict[str, TableCache] = {}
        for name, tables in tables_by_projection.items():
            for table in tables:
                known = self.caches.get(table.name)
                complete = positions.get(name, 0) == 0 and (known is None or known.complete)
                self.caches[table.name] = TableCache(table, complete)


class _Plan:
    """What a table's rows need, computed once per table and dialect: defaults, normalisers, key columns."""

    __slots__ = (
        "columns",
        "defaults",
        "key",
        "key_normal",
        "money",
        "normal",
        "normal_items",
        "others",
        "sums",
        "width",
    )

    def __init__(self, table: Table, pg: bool) -> None:
        self.columns = table.column_set
        self.width = len(table.columns)
        self.key = table.key
        self.normal = _normalisers(table, pg)
        self.normal_items = tuple(self.normal.items())
        # PostgreSQL money columns: checked inline (`_fen`), the other normalised columns through their function
        self.money = tuple(c for c, kind in table.columns if pg and kind == "money")
        self.others = tuple((c, f) for c, f in self.normal_items if c not in self.money)
        self.key_normal = [(n, self.normal[c]) for n, c in enumerate(table.key) if c in self.normal]
        self.defaults = {
            column: Decimal("0.00") if kind == "money" else 0 if kind == "count" else None
            for column, kind in table.columns
        }
        # a NULL + x: NULL (PostgreSQL, and SQLite for non-decimal columns); SQLite's dec_add counts NULL as 0
        self.sums = {c: pg or kind not in ("money", "decimal") for c, kind in table.columns}


_PLANS: dict[tuple[str, bool], _Plan] = {}


def _plan(table: Table, pg: bool) -> _Plan:
    found = _PLANS.get((table.name, pg))
    if found is None:
        found = _PLANS[(table.name, pg)] = _Plan(table, pg)
    return found


class BufferedView(View):
    def __init__(self, tx: Tx, state: BufferState) -> None:
        super().__init__(tx, shadow=True)
        self.state = state

    def cache(self, table: Table) -> TableCache:
        found = self.state.caches.get(table.name)
        if found is None:
            found = self.state.caches[table.name] = TableCache(table, complete=False)
        return found

    # ---- value normalisation: what the store would give back --------------------------------
    def _stored(self, table: Table, column: str, value: Any) -> Any:
        if value is None:
            return None
        normal = _normalisers(table, self.pg).get(column)
        if normal is None:
            table.type_of(column)  # an unknown column fails here, as its SQL would
            return value
        return normal(value)

    def _defaults(self, table: Table) -> dict[str, Any]:
        return dict(_plan(table, self.pg).defaults)

    @staticmethod
    def _internal(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row read from the table, json columns back to their text."""
        return {
            c: to_json(v) if table.type_of(c) == "json" and v is not None and not isinstance(v, str) else v
            for c, v in row.items()
        }

    def _key(self, plan: _Plan, values: Mapping[str, Any]) -> Key:
        """The stored key of a row's (or a where's) key columns."""
        key = tuple([values[c] for c in plan.key])
        if plan.key_normal and None not in key:
            parts = list(key)
            for n, normal in plan.key_normal:
                parts[n] = normal(parts[n])
            return tuple(parts)
        return key

    def _full_key(self, table: Table, where: Mapping[str, Any]) -> Key | None:
        if len(where) != len(table.key) or where.keys() != table.key_set:
            return None
        key = self._key(_plan(table, self.pg), where)
        return None if None in key else key

    def _normal_where(self, table: Table, where: Mapping[str, Any]) -> dict[str, Any]:
        plan = _plan(table, self.pg)
        if not where.keys() <= plan.columns:
            raise KeyError(f"{table.name} has no column {min(set(where) - plan.columns)}")
        normal = plan.normal
        out = dict(where)
        for column, value in where.items():
            if value is not None:
                to_stored = normal.get(column)
                if to_stored is not None:
                    out[column] = to_stored(value)
        return out

    @staticmethod
    def _out(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
        """A copy a handler may change (json values included)."""
        out = dict(row)
        for c in table.json_columns:
            v = out.get(c)
            if isinstance(v, str):
                out[c] = json.loads(v)
        return out

    def _lookup(self, table: Table, key: Key) -> dict[str, Any] | None:
        cache = self.cache(table)
        rows = cache.rows
        if key in rows:
            return rows[key]
        if cache.complete:
            return None
        found = super().select(table, dict(zip(table.key, key, strict=True)))
        row = self._internal(table, found[0]) if found else None
        cache.set(key, row, dirty=False)
        return row

    # ---- writes --------------------------------------------------------------------------------
    def insert(self, table: Table, row: Mapping[str, Any]) -> None:
        """The rebuild's most frequent write (a new row per event, per layer...), so its path is short: one cache
        lookup, and an amount the handler already rounded to the fen (`tables.money`) is kept as it is."""
        cache = self.cache(table)
        plan = cache.plan
        if plan is None:
            plan = cache.plan = _plan(table, self.pg)
        if not row.keys() <= plan.columns:
            raise KeyError(f"{table.name} has no column {min(set(row) - plan.columns)}")
        new = dict(plan.defaults)
        new.update(row)
        for column in plan.money:
            value = new[column]
            if type(value) is Decimal and value.same_quantum(FEN):  # in fen: stored as it is, but no negative zero
                if not value:
                    new[column] = value.copy_abs()
            elif value is not None:
                new[column] = _pg_money(value)
        for column, to_stored in plan.others:
            value = new[column]
            if value is not None:
                new[column] = to_stored(value)
        key = tuple([new[c] for c in plan.key])
        rows = cache.rows
        if key in rows:
            if rows[key] is not None:
                raise ValueError(f"duplicate key {key} in {table.name}")
        elif not cache.complete and self._lookup(table, key) is not None:
            raise ValueError(f"duplicate key {key} in {table.name}")
        cache.set(key, new)

    def upsert(self, table: Table, row: Mapping[str, Any]) -> None:
        values = self._normal_where(table, row)
        key = tuple([values[c] for c in table.key])
        current = self._lookup(table, key)
        new = dict(current if current is not None else _plan(table, self.pg).defaults)
        new.update(values)
        self.cache(table).set(key, new)

    def add(
        self, table: Table, key: Mapping[str, Any], deltas: Mapping[str, Any], values: Mapping[str, Any] | None = None
    ) -> None:
        """As `insert`: one cache lookup, and a sum of amounts in fen (exact) is kept as it is."""
        cache = self.cache(table)
        plan = cache.plan
        if plan is None:
            plan = cache.plan = _plan(table, self.pg)
        if plan.key_normal:
            k = tuple([self._stored(table, c, key[c]) for c in table.key])
        else:
            k = tuple([key[c] for c in plan.key])
        current = self._lookup(table, k)
        if current is None:
            self.upsert(table, {**key, **deltas, **(values or {})})
            return
        row = current if not cache.indexes else dict(current)  # no index to update: change the row in place
        normal, sums = plan.normal, plan.sums
        for column, delta in deltas.items():
            before = row[column]
            if before is None and sums[column]:
                continue  # NULL + x is NULL (SQLite's dec_add counts a NULL amount as 0)
            total = (before or 0) + delta
            to_stored = normal.get(column)
            if to_stored is None:
                row[column] = total
            elif to_stored is _pg_money and type(total) is Decimal and total.same_quantum(FEN):
                row[column] = total or total.copy_abs()  # in fen: stored as it is, but no negative zero
            else:
                row[column] = to_stored(total)
        if values:
            row.update(self._normal_where(table, values))
        if row is current:
            cache.dirty.add(k)
        else:
            cache.set(k, row)

    def update(self, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        changes = self._normal_where(table, values)
        cache = self.cache(table)
        for k in self._keys_where(table, key):
            row = cache.rows[k]
            if row is not None:
                if cache.indexes:
                    cache.set(k, {**row, **changes})
                else:  # no index to update: change the row in place
                    row.update(changes)
                    cache.dirty.add(k)

    def delete(self, table: Table, where: Mapping[str, Any]) -> None:
        for k in self._keys_where(table, where):
            self.cache(table).set(k, None)

    def _keys_where(self, table: Table, where: Mapping[str, Any]) -> list[Key]:
        """Keys of the cached rows matching `where`, every matching row of the table brought into the cache."""
        key = self._full_key(table, where)
        if key is not None:
            return [key] if self._lookup(table, key) is not None else []
        cache = self.cache(table)
        if not cache.complete:  # flushed, every cached row is in the table: the table says which match
            self.flush([table.name])
            keys = []
            for found in View.select(self, table, where):
                row = self._internal(table, found)
                k = cache.key_of(row)
                if k not in cache.rows:
                    cache.set(k, row, dirty=False)
                keys.append(k)
            return keys
        return cache.matching(self._normal_where(table, where), ordered=False)

    # ---- reads ---------------------------------------------------------------------------------
    def select(
        self,
        table: Table,
        where: Mapping[str, Any] | None = None,
        order_by: Sequence[str] = (),
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        key = self._full_key(table, where or {})
        if key is not None and offset == 0 and limit != 0:
            row = self._lookup(table, key)
            return [] if row is None else [self._out(table, row)]
        cache = self.cache(table)
        if not cache.complete or not where:
            self.flush([table.name])
            return super().select(table, where, order_by, limit=limit, offset=offset)
        rows = [self._out(table, cache.rows[k] or {}) for k in cache.matching(self._normal_where(table, where))]
        if len(rows) > 1:
            order = list(order_by) or list(table.key)
            rows.sort(key=lambda r: tuple(_sortable((r[c],)) for c in order))
        return rows[offset:] if limit is None else rows[offset : offset + limit]

    def count(self, table: Table, where: Mapping[str, Any] | None = None) -> int:
        self.flush()
        return super().count(table, where)

    def rows(self, sql: str, params: Sequence[Any] = (), **tables: Table) -> list[tuple[Any, ...]]:
        self.flush()
        return super().rows(sql, params, **tables)

    # ---- writing the batch out -----------------------------------------------------------------
    def flush(self, names: Iterable[str] | None = None) -> None:
        """Write every changed row of the named tables (default: all) to the shadow tables."""
        for name in list(self.state.caches) if names is None else names:
            cache = self.state.caches.get(name)
            if cache is None or not cache.dirty:
                continue
            if self.tx.can_copy:
                self._copy_out(cache)
            else:
                self._upsert_out(cache)
            cache.dirty.clear()
            if len(cache.rows) > ROWS_KEPT_MAX:
                cache.forget_clean()

    def _copy_out(self, cache: TableCache) -> None:
        """PostgreSQL: delete the changed rows the table already holds (one statement), then COPY every changed
        row in."""
        table, rows = cache.table, cache.rows
        dirty = _in_order(cache.dirty)
        stale = [k for k in dirty if k in cache.stored]
        if stale:
            self.tx.delete_keys(self.t(table), [(c, table.type_of(c)) for c in table.key], stale)
            cache.stored.difference_update(stale)
        kept = [(k, row) for k in dirty if (row := rows.get(k)) is not None]
        if kept:
            cols = table.column_names
            values = itemgetter(*cols)
            self.tx.copy_rows(self.t(table), cols, [values(row) for _, row in kept])
            cache.stored.update(k for k, _ in kept)

    def _upsert_out(self, cache: TableCache) -> None:
        """SQLite (and PostgreSQL in pipeline mode): one executemany delete and one executemany upsert."""
        table = cache.table
        dirty = _in_order(cache.dirty)
        gone = [k for k in dirty if cache.rows.get(k) is None]
        kept = [row for k in dirty if (row := cache.rows.get(k)) is not None]
        if gone:
            where = " AND ".join(f"{c} = ?" for c in table.key)
            self.tx.executemany(f"DELETE FROM {self.t(table)} WHERE {where}", [list(k) for k in gone])
        if kept:
            cols = table.column_names
            rest = [c for c in cols if c not in table.key]
            sets = ", ".join(f"{c} = excluded.{c}" for c in rest)
            sql = (
                f"INSERT INTO {self.t(table)} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                f"ON CONFLICT ({', '.join(table.key)}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
            )
            self.tx.executemany(sql, [[row[c] for c in cols] for row in kept])
        cache.stored.difference_update(gone)
        cache.stored.update(cache.key_of(row) for row in kept)


def _in_order(keys: Iterable[Key]) -> list[Key]:
    try:
        return sorted(keys)
    except TypeError:  # a key column holding values of different types (or NULL): order as SQL would
        return sorted(keys, key=_sortable)


def _as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _pg_money(value: Any) -> Decimal:
    """What NUMERIC(18,2) gives back. An amount already in fen (the handlers round with `tables.money`) is not
    rounded again; anything else is rounded once, by `tables.money` (half up: as PostgreSQL rounds a numeric
    into NUMERIC(18,2), so the cache holds what a live run's INSERT would store). No negative zero."""
    amount = value if type(value) is Decimal and value.same_quantum(FEN) else money(value)
    return amount or amount.copy_abs()


def _pg_decimal(value: Any) -> Decimal:
    amount = value if type(value) is Decimal else Decimal(str(value))
    return amount or amount.copy_abs()


def _sqlite_decimal(value: Any) -> Decimal:
    return Decimal(sqlite_param(_as_decimal(value)))


def _json_text(value: Any) -> Any:
    return value if isinstance(value, str) else to_json(value)


def _pg_timestamp(value: Any) -> str:
    if type(value) is datetime and value.tzinfo is UTC:
        return value.isoformat()
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(UTC).isoformat()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else read_value("date", value)


_NORMALISERS: dict[tuple[str, bool], dict[str, Callable[[Any], Any]]] = {}


def _normalisers(table: Table, pg: bool) -> dict[str, Callable[[Any], Any]]:
    """Per column of `table` whose values the store changes: the function giving the stored value."""
    found = _NORMALISERS.get((table.name, pg))
    if found is None:
        kinds: dict[str, Callable[[Any], Any]] = {
            "money": _pg_money if pg else _sqlite_decimal,
            "decimal": _pg_decimal if pg else _sqlite_decimal,
            "json": _json_text,
            "timestamp": _pg_timestamp if pg else _iso,
            "date": _iso,
            "bool": bool,
        }
        found = _NORMALISERS[(table.name, pg)] = {c: kinds[k] for c, k in table.columns if k in kinds}
    return found


def _sortable(key: Key) -> Key:
    """Keys with None sort first (as NULLs do in an ascending ORDER BY on SQLite)."""
    return tuple((0, "") if v is None else (1, v) for v in key)
