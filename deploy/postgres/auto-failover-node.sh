#!/usr/bin/env bash
# One pg_auto_failover data node (the ledger's primary or its synchronous standby). On the first start it
# registers with the monitor: the first node becomes the primary, the next one is cloned from it
# (pg_basebackup) and becomes a synchronous standby (synchronous_standby_names = 'ANY 1 (...)'). Then the
# keeper runs in the foreground: it starts PostgreSQL and carries out the monitor's orders (promotion,
# demotion, rejoining as a standby after a failover). Run as the postgres OS user.
#
#   PGDATA=/var/lib/postgresql/15/ledger NODE_NAME=node1 NODE_HOSTNAME=db1.lan \
#   MONITOR_URI='postgres://autoctl_node@monitor.lan:5431/pg_auto_failover?sslmode=require' \
#   bash auto-failover-node.sh
#
# The ledger then uses the formation URI (pg_autoctl show uri --formation default), e.g.
#   LEDGER_DATABASE_URL=postgresql://ledger:PW@db1.lan:5432,db2.lan:5432/ledger?target_session_attrs=read-write&schema=ledger
set -euo pipefail
: "${PGDATA:?set PGDATA, the node data directory}"
: "${NODE_NAME:?set NODE_NAME (node1, node2)}"
: "${NODE_HOSTNAME:?set NODE_HOSTNAME, the name the other node and the monitor reach this one at}"
: "${MONITOR_URI:?set MONITOR_URI (pg_autoctl show uri --monitor on the monitor)}"
PGPORT="${PGPORT:-5432}"
PGCTL="${PGCTL:-$(command -v pg_ctl || echo /usr/lib/postgresql/15/bin/pg_ctl)}"

if [ ! -f "$PGDATA/postgresql.conf" ]; then
  # shellcheck disable=SC2086  # SSL_OPTS is a list of options
  exec pg_autoctl create postgres --pgctl "$PGCTL" --pgdata "$PGDATA" --pgport "$PGPORT" \
    --hostname "$NODE_HOSTNAME" --listen "${LISTEN_ADDRESSES:-*}" --name "$NODE_NAME" \
    --monitor "$MONITOR_URI" --auth "${AUTH:-scram-sha-256}" ${SSL_OPTS:---ssl-self-signed} --run
fi
exec pg_autoctl run --pgdata "$PGDATA"
