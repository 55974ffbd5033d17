"""A primary and its hot standby (pg_basebackup -R, streaming replication), private to this module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.pg_cluster import PgCluster, private_cluster


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[PgCluster, PgCluster]]:
    with private_cluster("primary") as primary:
        standby = primary.standby("standby")
        try:
            standby.start()
            yield primary, standby
        finally:
            standby.destroy()
