"""Table specifications of the read side: columns with logical types, key, indexes.

A projection declares its tables once; the view store turns them into DDL for SQLite or
PostgreSQL, adapts parameters and converts what it reads back (money is always Decimal,
dates and times are ISO strings, booleans are bool, json columns are parsed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: logical type -> (PostgreSQL type, SQLite declared type). SQLite money is TEXT, never REAL:
#: "DECTEXT" has TEXT affinity, so "19000.00" is stored as written and read back exactly.
TYPES = {
    "text": ("TEXT", "TEXT"),
    "int": ("BIGINT", "INTEGER"),
    "count": ("BIGINT", "INTEGER"),  # a counter: starts at 0
    "money": ("NUMERIC(18,2)", "DECTEXT"),
    "decimal": ("NUMERIC", "DECTEXT"),  # ratios, thresholds: kept with the scale the event gave
    "bool": ("BOOLEAN", "INTEGER"),
    "date": ("DATE", "TEXT"),
    "timestamp": ("TIMESTAMPTZ", "TEXT"),
    "json": ("TEXT", "TEXT"),
}
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Table:
    name: str  # logical name; physical name is proj_<name>[__shadow]
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    column_set: frozenset[str] = field(init=False, repr=False, compare=False)
    json_columns: tuple[str, ...] = field(init=False, repr=False, compare=False)
    key_set: frozenset[str] = field(init=False, repr=False, compare=False)
    column_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_types", dict(self.columns))
        object.__setattr__(self, "column_set", frozenset(c for c, _ in self.columns))
        object.__setattr__(self, "key_set", frozenset(self.key))
        object.__setattr__(self, "json_columns", tuple(c for c, t in self.columns if t == "json"))
        object.__setattr__(self, "column_names", tuple(c for c, _ in self.columns))
        names = [c for c, _ in self.columns]
        assert all(t in TYPES for _, t in self.columns), self.name
        assert set(self.key) <= set(names) and all(set(ix) <= set(names) for ix in self.indexes), self.name

    def type_of(self, column: str) -> str:
        return self._types[column]  # type: ignore[attr-defined,no-any-return]

    def physical(self, shadow: bool = False) -> str:
        return f"proj_{self.name}__shadow" if shadow else f"proj_{self.name}"

    def ddl(self, dialect: str, physical: str, token: str) -> list[str]:
        pg = dialect == "postgres"
        cols = []
        for column, kind in self.columns:
            sql_type = TYPES[kind][0 if pg else 1]
            default = {"money": " DEFAULT 0" if pg else " DEFAULT '0.00'", "count": " DEFAULT 0"}.get(kind, "")
            null = " NOT NULL" if column in self.key else ""
            cols.append(f"{column} {sql_type}{default}{null}")
        statements = [f"CREATE TABLE {physical} ({', '.join(cols)}, PRIMARY KEY ({', '.join(self.key)}))"]
        for n, index in enumerate(self.indexes):
            statements.append(f"CREATE INDEX ix_{physical}_{n}_{token} ON {physical} ({', '.join(index)})")
        return statements


def fingerprint(tables: tuple[Table, ...], version: int) -> str:
    """Changes when a projection's tables or handler version change: the view must then be rebuilt."""
    spec = [version, [t.ddl(dialect, t.name, "") for t in tables for dialect in ("postgres", "sqlite")]]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]


def money(value: Any) -> Decimal:
    """An amount from an event as a fen-exact Decimal (events already carry two places: such an amount is
    returned as it is, which is what rounding it would give; anything else is rounded half up, once)."""
    if type(value) is Decimal and value.same_quantum(FEN):
        return value
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal | None:
    return None if value is None else value if isinstance(value, Decimal) else Decimal(str(value))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


_ENCODER = json.JSONEncoder(default=_json_default, sort_keys=True, ensure_ascii=False)  # as json.dumps with these


def to_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, Decimals as strings (exact), dates as ISO."""
    return _ENCODER.encode(value)


def read_value(kind: str, value: Any) -> Any:
    """Normalise a stored value into what query functions return (same on both stores)."""
    if value is None:
        return None
    if kind in ("money", "decimal"):
        return value if isinstance(value, Decimal) else Decimal(value)
    if kind == "bool":
        return bool(value)
    if kind in ("date", "timestamp"):
        return value if isinstance(value, str) else value.isoformat()
    if kind == "json":
        return json.loads(value)
    return value


def sqlite_param(value: Any) -> Any:
    """SQLite has no Decimal, date or bool: store exact text / ISO strings / 0-1."""
    if isinstance(value, Decimal):
        return str(value.copy_abs() if value.is_zero() else value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
