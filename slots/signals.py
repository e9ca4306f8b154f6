"""What a slot tells the layers above it (docs/architecture.md): slots sit below jobs, so they
announce a change and jobs act on it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``slot`` inside the transaction that disabled or is about to delete it: whatever still
# waits to run for the slot must stop (jobs cancel its pending jobs, waking their booths).
slot_withdrawn = Signal()
