from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import Q

from bots.models import Bot, Scenario
from conversations.models import Conversation, Message
from vocabulary import Channel, ScenarioKind


class FollowUp(models.Model):
    """One planned follow-up message: the source of truth for what is sent, once, when.

    pending -> sending (claimed by a dispatcher) -> handed over (`handed_at`: the last
    checks passed, committed before the provider is called) -> sent | failed;
    pending -> cancelled | skipped. A claimed row goes back to pending only while it was
    never handed over: a deferral at send time (hours changed), a sending number at its
    rate, a provider that certainly did not take it (retried with backoff), or a crashed
    dispatcher's claim. A reply, booking or deactivation, or a person cancelling it or
    pausing its conversation in the console (scheduling/controls.py), cancels or releases
    claimed rows that were not handed over, under the same row lock as the hand-over.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    class Delivery(models.TextChoices):
        NONE = "", "—"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="follow_ups")
    # The conversation's bot, copied so Results reads one table (set on save and by planning).
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", db_index=False)
    scenario = models.ForeignKey(Scenario, on_delete=models.RESTRICT, related_name="follow_ups")
    kind = models.CharField(max_length=32, choices=ScenarioKind.choices)
    step = models.PositiveSmallIntegerField()
    steps_total = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(help_text="When the cadence makes it due, before working hours.")
    planned_at = models.DateTimeField(help_text="When it goes out: the due time moved into working hours.")
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    trigger_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="planned_follow_ups"
    )
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_step")
    sent_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="sent_by_follow_up"
    )
    text = models.TextField(blank=True)
    text_source = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    handed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was handed to the provider (after the last checks)."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Tries the provider refused for load (or could not be reached) before this one."
    )
    late_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Lateness counts from here (the planned time; retries and pacing waits don't move it). "
        "Empty: the planned time.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    delivery_status = models.CharField(max_length=16, choices=Delivery.choices, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Results (rules/results.py): when a sent follow-up was first credited with a reply, a
    # booking and an opt-out; written by the event handlers under the conversation's lock.
    replied_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person who cancelled it (or paused its conversation) in the console.",
    )

    class Meta:
        verbose_name = "follow-up"  # what the console calls them
        ordering = ["-planned_at", "-id"]
        indexes = [
            # The dispatcher's claim: pending rows in (planned_at, id) order, read straight
            # off the index. Partial, so it stays as small as the pending set, not the history.
            models.Index(fields=["planned_at", "id"], condition=Q(status="pending"), name="followup_pending_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="followup_sending_claimed"),
            models.Index(fields=["conversation", "status"], name="followup_conversation_status"),
            # Results: a bot's sent follow-ups by send time (finished_at), with every column the
            # figures read, so a period is an index-only range scan.
            models.Index(
                fields=["bot", "finished_at", "kind", "step", "replied_at", "booked_at", "opted_out_at"],
                condition=Q(status="sent"),
                name="followup_results_sent",
            ),
            models.Index(
                fields=["bot", "finished_at"],
                condition=Q(status__in=["skipped", "failed"]),
                name="followup_results_unsent",
            ),
        ]
        constraints = [
            # The engine plans one step at a time: a conversation never has two pending
            # follow-ups, whatever races between webhooks and dispatchers.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status="pending"),
                name="one_pending_follow_up_per_conversation",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.step}/{self.steps_total} for {self.conversation}"

    def save(self, *args, **kwargs):
        if self.bot_id is None and self.conversation_id is not None:
            self.bot_id = Conversation.objects.values_list("bot_id", flat=True).get(pk=self.conversation_id)
        super().save(*args, **kwargs)

    @property
    def deferred(self) -> bool:
        return self.planned_at != self.due_at

    @property
    def lateness_reference(self):
        return self.late_from or self.planned_at


class EngineEvent(models.Model):
    """A note of what the engine did and why, shown on the Response Info page."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="engine_events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=32)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "engine note"  # what the console calls them
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.kind} at {self.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


class AgentReply(models.Model):
    """A person's reply from the console's conversation page (scheduling/controls.py).

    `token` comes with the form, once: a second submit of the same form finds it taken (a
    unique constraint, so two at once too) and sends nothing. A sent reply is also a
    `message` (author: agent), which restarts stopped-replying like any outbound message.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"  # the provider refused it or was busy: certainly not sent
        UNKNOWN = "unknown", "Outcome unknown"  # the provider may have taken it

    token = models.CharField(max_length=64, unique=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="agent_replies")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENDING)
    reason = models.CharField(max_length=200, blank=True)
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_reply"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Reply by {self.by} at {self.created_at:%Y-%m-%d %H:%M}"
