"""Service layer: the `BenefitLedger` eventsourcing Application and its configuration."""
