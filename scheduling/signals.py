"""What the engine tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent inside the transaction that records sends, with `follow_ups`: the follow-ups now sent.
# Whatever must not happen for a send that is rolled back belongs in transaction.on_commit.
follow_ups_sent = Signal()
