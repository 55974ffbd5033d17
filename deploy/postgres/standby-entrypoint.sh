#!/usr/bin/env bash
# The hot standby's entrypoint (official postgres image, run as the postgres user).
# First start: wait for the primary, clone it with pg_basebackup -R (streams the WAL it needs, writes
# standby.signal and primary_conninfo), then run postgres as a hot standby: read-only, replaying the
# primary's WAL as it streams in. Later starts find the data directory and resume streaming.
# Extra arguments go to postgres (e.g. -c port=5433). tests/replication/test_deploy_scripts.py runs it.
set -euo pipefail
: "${PRIMARY_HOST:?set PRIMARY_HOST}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICATION_USER="${REPLICATION_USER:-replicator}"
PGDATA="${PGDATA:-/var/lib/postgresql/data/standby}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready --quiet --host "$PRIMARY_HOST" --port "$PRIMARY_PORT"; do
    echo "standby: waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT" >&2
    sleep 1
  done
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" \
    --username "$REPLICATION_USER" --pgdata "$PGDATA" --write-recovery-conf --wal-method stream \
    --checkpoint fast --no-password
fi

exec postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on "$@"
