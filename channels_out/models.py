from django.db import models


class SendingNumber(models.Model):
    """A number follow-ups are sent from, with its pace. All dispatchers, on every machine,
    share `next_free` here (or in Redis when configured), so together they stay within the
    number's rate and nothing waits in the provider's queue, where a reply could no longer
    stop it."""

    number = models.CharField(
        max_length=40,
        unique=True,
        help_text="As the bot sends from it: +15555550100, a short code like 55555, or whatsapp:+1...",
    )
    segments_per_second = models.FloatField(
        null=True,
        blank=True,
        help_text="Message segments per second this number may send. Empty: by its type (a US long "
        "code 1, toll-free 3, a short code 100, WhatsApp 80).",
    )
    # Pacing state: the epoch second from which the number is free again (a virtual
    # scheduling time, GCRA-style). Not a setting.
    next_free = models.FloatField(default=0.0, editable=False)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.number
