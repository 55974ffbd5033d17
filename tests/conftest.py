"""Store fixtures shared by every suite.

`store_url` runs a test on both stores: SQLite (a temporary file) and PostgreSQL. PostgreSQL
comes from LEDGER_TEST_POSTGRES_URL when set (CI sets it), else from a testcontainers server
when Docker answers, else the PostgreSQL half is skipped with the reason printed. Each
PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from service.ledger import BenefitLedger
from service.settings import Settings, store_config

# A fixed test key for personal identifiers, so no test creates var/pii.key in the working tree.
os.environ.setdefault("LEDGER_PII_KEY", "dGVzdC1rZXktZm9yLXBlcnNvbmFsLWRhdGEtMzJieXQ=")

POSTGRES_ENV = "LEDGER_TEST_POSTGRES_URL"
REQUIRE_ENV = "LEDGER_REQUIRE_POSTGRES"  # CI sets it: a PostgreSQL test may fail, never skip
_container_url: str | None = None
_container: object | None = None


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def postgres_server_url() -> str | None:
    """Base URL of a PostgreSQL server for tests, or None (with the reason in `postgres_skip_reason`)."""
    global _container_url, _container
    if os.environ.get(POSTGRES_ENV):
        return os.environ[POSTGRES_ENV]
    if _container_url is None and _docker_answers():
        from testcontainers.postgres import PostgresContainer

        _container = PostgresContainer("postgres:15-alpine", driver=None)
        _container.start()  # type: ignore[attr-defined]
        _container_url = _container.get_connection_url()  # type: ignore[attr-defined]
    return _container_url


def postgres_skip_reason() -> str:
    return f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/postgres) or Docker"


def pytest_report_header(config: pytest.Config) -> str:
    source = os.environ.get(POSTGRES_ENV) or ("testcontainers" if _docker_answers() else "none: PG tests skip")
    return f"ledger PostgreSQL for tests: {source}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _container is not None:
        _container.stop()  # type: ignore[attr-defined]


def postgres_server_or_skip() -> str:
    """The PostgreSQL server URL; without one the test fails under LEDGER_REQUIRE_POSTGRES, else skips (reason printed)."""
    base = postgres_server_url()
    if base is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but no PostgreSQL is available: {postgres_skip_reason()}")
        print(f"SKIPPED PostgreSQL: {postgres_skip_reason()}")
        pytest.skip(postgres_skip_reason())
    return base


def _drop_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    config = store_config(f"{url}?schema={schema}")
    with psycopg.connect(config.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A fresh, empty store URL: each test sees an empty ledger."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/ledger.db"
        return
    base = postgres_server_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{base.split('?')[0]}?schema={schema}"
    _drop_schema(base.split("?")[0], schema)


@pytest.fixture
def ledger(store_url: str) -> Iterator[BenefitLedger]:
    app = BenefitLedger.from_settings(Settings(database_url=store_url))
    yield app
    app.close()
