"""The fees feature's permissions: reading invoices and payments (personal: who pays what), and recording them."""

from __future__ import annotations

FEES_READ = "fees-read"
FEES_WRITE = "fees-write"
