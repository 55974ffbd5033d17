#!/usr/bin/env bash
# The primary's one-time set-up: the official postgres image runs it from /docker-entrypoint-initdb.d/
# when it initialises an empty data directory (as the postgres user, server on its local socket).
# Creates the role the hot standby replicates as, lets it connect for replication from the network,
# and creates the ledger's schema. tests/replication/test_deploy_scripts.py runs it on a local cluster.
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
REPLICATION_USER="${REPLICATION_USER:-replicator}"
LEDGER_SCHEMA="${LEDGER_SCHEMA:-ledger}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
     --set=repl_user="$REPLICATION_USER" --set=repl_password="$REPLICATION_PASSWORD" \
     --set=schema="$LEDGER_SCHEMA" <<'SQL'
CREATE ROLE :"repl_user" WITH REPLICATION LOGIN PASSWORD :'repl_password';
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION CURRENT_USER;
SQL

echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
