"""Master data the ledger itself holds: the hospital registry and the 三目录 catalogue (pure, no I/O)."""
