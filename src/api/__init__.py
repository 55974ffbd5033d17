"""HTTP API of the ledger: payment services append events, auditors and dashboards read."""
