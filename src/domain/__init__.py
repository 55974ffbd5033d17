"""Pure domain of the patient-benefit ledger: money, policy parameters, benefit rules, aggregates.

Nothing in this package performs I/O except `policy.loader`, which reads the shipped
policy data files.
"""
