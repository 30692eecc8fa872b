"""The audit trail: a tamper-evident record of security and admin events."""
