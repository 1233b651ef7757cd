import zoneinfo
from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from accounts.models import Account
from bots.models import Bot, validate_timezone
from vocabulary import Channel


class Tag(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tags", verbose_name="business")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="one_tag_name_per_account")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class Contact(models.Model):
    """A person the business talks to: one per business and phone number, and one per
    business and e-mail address, whichever of its bots they write to."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts", verbose_name="business")
    bot = models.ForeignKey(
        Bot, on_delete=models.CASCADE, related_name="contacts", help_text="The bot that met the contact first."
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True, help_text="E.164, like +15555550100.")
    email = models.EmailField(blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA time zone; empty means the bot's. Requested times are read in it.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        constraints = [
            # The database decides between concurrent first messages: the loser re-reads.
            models.UniqueConstraint(
                fields=["account", "phone"], condition=~models.Q(phone=""), name="one_contact_per_phone"
            ),
            models.UniqueConstraint(
                "account", Lower("email"), condition=~models.Q(email=""), name="one_contact_per_email"
            ),
        ]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.phone or self.email or f"Contact {self.pk}"

    def save(self, *args, **kwargs):
        if self.account_id is None and self.bot_id is not None:
            self.account_id = self.bot.account_id  # the business of the bot that met them
        super().save(*args, **kwargs)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else self.bot.tz

    @property
    def opted_out(self) -> bool:
        """An opt-out said on any channel covers every channel of every bot of the business,
        until START/UNSTOP."""
        return bool(self.opt_outs.all())


class OptOut(models.Model):
    """The contact withdrew consent (STOP, or in any words) on this channel. Any row means no
    follow-up on any channel of the bot; the channel says where they said it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opt_outs")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "channel"], name="one_opt_out_per_channel")]

    def __str__(self):
        return f"{self.contact} opted out of {self.get_channel_display()}"


class Conversation(models.Model):
    """One per bot and contact. `channel` is where the contact last wrote from."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    stopped = models.BooleanField(default=False, help_text="No follow-ups until the contact writes again.")
    stopped_reason = models.CharField(max_length=32, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # A person paused follow-ups in the console: nothing is planned or sent until one resumes
    # them (a reply from the contact does not lift it). See scheduling/controls.py.
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Follow-ups paused by a person since then.")
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "contact"], name="one_conversation_per_contact")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.contact} on {self.get_channel_display()}"

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Author(models.TextChoices):
        CONTACT = "contact", "Contact"
        BOT = "bot", "Bot"
        AGENT = "agent", "Human agent"
        FOLLOW_UP = "follow_up", "Auto Follow-Up"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    author = models.CharField(max_length=16, choices=Author.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField(db_index=True)
    is_follow_up = models.BooleanField(default=False)
    # What the classifier made of an inbound message, kept for the Response Info page.
    intent = models.CharField(max_length=32, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    classified_by = models.CharField(max_length=100, blank=True)
    # The provider's id (Twilio's MessageSid), so inbound retries and status callbacks match.
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["conversation", "at"], name="message_conversation_at")]
        constraints = [
            # A provider retrying a message (Twilio retries webhooks) finds it taken: the
            # insert decides, no read before it. Outbound ids are the senders' to repeat.
            models.UniqueConstraint(
                fields=["conversation", "provider_id"],
                condition=models.Q(direction="inbound") & ~models.Q(provider_id=""),
                name="one_inbound_message_per_provider_id",
            )
        ]

    def __str__(self):
        # UTC, named: no bot's zone at hand here (pages show the bot's, console/display.py).
        return f"{self.get_direction_display()} {self.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC: {self.text[:40]}"
