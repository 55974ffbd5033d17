"""The multi-host store URL pg_auto_failover prints (`pg_autoctl show uri --formation default`).

libpq tries the hosts in order and, with target_session_attrs=read-write, keeps the one that takes
writes: after a failover, the promoted standby. Checked against a live formation in
test_automatic_failover.py; here, what the URL becomes and what is refused.
"""

from __future__ import annotations

import psycopg
import pytest

from domain.errors import ValidationError
from service.settings import store_config

FORMATION = "postgresql://postgres@10.0.0.1:5432,10.0.0.2:5433/ledger?target_session_attrs=read-write&schema=lx"


def test_a_formation_uri_lists_every_host_and_port_and_asks_for_the_writable_one() -> None:
    config = store_config(FORMATION)
    assert (config.env["POSTGRES_HOST"], config.env["POSTGRES_PORT"]) == ("10.0.0.1,10.0.0.2", "5432,5433")
    assert config.schema == "lx" and config.env["POSTGRES_DBNAME"] == "ledger"
    params = psycopg.conninfo.conninfo_to_dict(config.conninfo())
    assert params["host"] == "10.0.0.1,10.0.0.2" and params["port"] == "5432,5433"
    assert params["target_session_attrs"] == "read-write"


def test_several_hosts_default_to_the_writable_one_and_one_host_is_as_before() -> None:
    several = store_config("postgresql://u:p%40ss@a,b:6000/db?sslmode=require")
    assert several.env["POSTGRES_HOST"] == "a,b" and several.env["POSTGRES_PORT"] == "5432,6000"
    assert several.env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write"
    assert (several.env["POSTGRES_USER"], several.env["POSTGRES_PASSWORD"]) == ("u", "p@ss")
    assert psycopg.conninfo.conninfo_to_dict(several.conninfo())["sslmode"] == "require"
    one = store_config("postgresql://postgres@127.0.0.1:5432/postgres?schema=ledger")
    assert one.env["POSTGRES_TARGET_SESSION_ATTRS"] == ""
    assert "target_session_attrs" not in one.conninfo()


def test_the_ledgers_connection_pool_gets_the_target_session_attrs() -> None:
    from service.chained_persistence.postgres import Factory

    factory = Factory(store_config(FORMATION).env)
    kwargs = factory.datastore.pool.kwargs
    assert isinstance(kwargs, dict)
    assert (kwargs["host"], kwargs["port"], kwargs["target_session_attrs"]) == (
        "10.0.0.1,10.0.0.2",
        "5432,5433",
        "read-write",
    )


@pytest.mark.parametrize("url", ["postgresql://h:99999/db", "postgresql://a:5432,b:x/db"])
def test_a_bad_port_is_one_clear_error(url: str) -> None:
    with pytest.raises(ValidationError, match="is not a TCP port"):
        store_config(url)
