"""What the enter feature tells the features above it, without importing them (blinker signals).

Receivers run inside the sender's transaction, before its commit: what they write (an invoice's
lines, a consent, an email queued) lands with the entries or not at all. A receiver that refuses
raises; the sender rolls the whole change back.

- `basket_submitted`: sender the festival; `user` (the account that submitted), `entries` (the
  Entry rows just made), `at` (naive UTC).
- `entries_withdrawn`: sender the festival; `user` (who withdrew: the entrant or an organizer),
  `entries` (the Entry rows now withdrawn), `at` (naive UTC).
- `entries_changed`: sender the festival; `user`, `entries` (submitted entries whose class, pieces
  or people an entrant changed), `at`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

basket_submitted = _signals.signal("mfo.enter.basket-submitted")
entries_withdrawn = _signals.signal("mfo.enter.entries-withdrawn")
entries_changed = _signals.signal("mfo.enter.entries-changed")
