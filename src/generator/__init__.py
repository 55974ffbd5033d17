"""Synthetic Langxi-like county generator: a seeded plan (model), a loader through the service layer
(load), an in-memory settlement preview (dryrun) and Langxi-comparable figures (summary)."""
