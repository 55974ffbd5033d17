#!/usr/bin/env bash
# The pg_auto_failover monitor (Debian/Ubuntu: apt-get install postgresql-15-auto-failover; image: one with
# pg_autoctl, e.g. citusdata/pg_auto_failover). Creates the monitor's own PostgreSQL on the first start,
# then runs it in the foreground (the service manager restarts it). Used by tests/failover (private
# clusters) and docs/deployment.md. Run as the postgres OS user.
#
#   PGDATA=/var/lib/postgresql/monitor MONITOR_HOSTNAME=monitor.lan bash auto-failover-monitor.sh
#
# AUTH (default scram-sha-256) is how the nodes authenticate to the monitor; SSL_OPTS defaults to
# --ssl-self-signed (the tests pass --no-ssl on 127.0.0.1).
set -euo pipefail
: "${PGDATA:?set PGDATA, the monitor data directory}"
: "${MONITOR_HOSTNAME:?set MONITOR_HOSTNAME, the name the nodes reach the monitor at}"
PGPORT="${PGPORT:-5431}"
PGCTL="${PGCTL:-$(command -v pg_ctl || echo /usr/lib/postgresql/15/bin/pg_ctl)}"

if [ ! -f "$PGDATA/postgresql.conf" ]; then
  # shellcheck disable=SC2086  # SSL_OPTS is a list of options
  exec pg_autoctl create monitor --pgctl "$PGCTL" --pgdata "$PGDATA" --pgport "$PGPORT" \
    --hostname "$MONITOR_HOSTNAME" --auth "${AUTH:-scram-sha-256}" ${SSL_OPTS:---ssl-self-signed} --run
fi
exec pg_autoctl run --pgdata "$PGDATA"
