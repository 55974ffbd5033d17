"""A fresh PostgreSQL schema per bench run, dropped afterwards; plain psycopg connections to it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from service.settings import StoreConfig, store_config

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
URL_ENV = "LEDGER_BENCH_POSTGRES_URL"


def server_url(given: str | None = None) -> str:
    """The PostgreSQL server to bench on: --postgres-url, else $LEDGER_BENCH_POSTGRES_URL, else local trust auth."""
    return (given or os.environ.get(URL_ENV) or os.environ.get("LEDGER_TEST_POSTGRES_URL") or DEFAULT_URL).split("?")[0]


@contextmanager
def fresh_schema(base_url: str, label: str, *, keep: bool = False) -> Iterator[str]:
    """Yield `base_url?schema=bench_<label>_<random>`; the schema is dropped on exit unless `keep`."""
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    url = f"{base_url}?schema={schema}"
    try:
        yield url
    finally:
        if not keep:
            drop_schema(url)


def drop_schema(url: str) -> None:
    config = store_config(url)
    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(config.schema)))


def connect(config: StoreConfig, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection whose search_path is the store's schema."""
    conn = psycopg.connect(config.conninfo(), autocommit=autocommit)
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(config.schema)))
    if not autocommit:
        conn.commit()
    return conn


def events_table(config: StoreConfig) -> sql.Composed:
    """The ledger's events table (eventsourcing names it `<application name>_events`)."""
    return sql.SQL("{}.{}").format(sql.Identifier(config.schema), sql.Identifier("ledger_events"))
