"""Fault-test fixtures: a private PostgreSQL cluster each test may stop, restart or crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.pg_cluster import PgCluster, private_cluster


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    with private_cluster("faults") as started:
        yield started
