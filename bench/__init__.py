"""Benchmarks. Run `make bench` (or `python -m bench --help`). Targets live here, never in unit tests."""
