"""Event-sourced aggregates, one per module. Commands validate; `@event` methods only assign."""
