"""Interoperability: the ledger's records in other systems' formats (FHIR R4)."""
