"""Projection fixtures: the view store belonging to the test's ledger store (SQLite file or PG schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.store import ViewStore, open_store
from service.settings import store_config


@pytest.fixture
def views(store_url: str) -> Iterator[ViewStore]:
    store = open_store(store_config(store_url))
    yield store
    store.close()
