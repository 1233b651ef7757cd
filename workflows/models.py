"""Workflows: actions a sent follow-up triggers (tags, assign, notify, a signed webhook),
and one run row per action and follow-up. Never another bot."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from bots.models import Bot, Scenario


class Workflow(models.Model):
    """What happens each time a follow-up of one of its scenarios is sent."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=200)
    scenarios = models.ManyToManyField(
        Scenario,
        blank=True,
        related_name="workflows",
        help_text="Runs whenever a follow-up of one of these scenarios (of the same bot) is sent.",
    )

    class Meta:
        ordering = ["bot", "name"]

    def __str__(self):
        return self.name


# Actions that would start or hand the conversation to another bot. They do not exist,
# and naming one gets this message, so a follow-up can never set off a bot loop.
BOT_ACTION_NAMES = frozenset({"start_bot", "trigger_bot", "handover_bot", "hand_over_to_bot", "assign_bot", "bot"})
NO_BOT_ACTIONS = (
    "A workflow cannot start or hand over to another bot: follow-ups must never set off another "
    "bot. Use “assign to user” or “notify user” to bring a person in."
)


class WorkflowAction(models.Model):
    class Kind(models.TextChoices):
        ADD_TAG = "add_tag", "Add tag"
        REMOVE_TAG = "remove_tag", "Remove tag"
        ASSIGN = "assign", "Assign the conversation to a user"
        NOTIFY = "notify", "Notify a user"
        WEBHOOK = "webhook", "POST a signed JSON webhook"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    tag = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["workflow", "position", "id"]

    def __str__(self):
        return self.get_kind_display()

    def clean_fields(self, exclude=None):
        if self.kind in BOT_ACTION_NAMES or "bot" in (self.kind or "").lower():
            raise ValidationError({"kind": NO_BOT_ACTIONS})
        super().clean_fields(exclude=exclude)

    def clean(self):
        needs: dict[str, tuple[str, str]] = {
            self.Kind.ADD_TAG: ("tag", "Name the tag to add."),
            self.Kind.REMOVE_TAG: ("tag", "Name the tag to remove."),
            self.Kind.ASSIGN: ("user", "Choose the user to assign the conversation to."),
            self.Kind.NOTIFY: ("user", "Choose the user to notify."),
            self.Kind.WEBHOOK: ("webhook_url", "Enter the address to POST to."),
        }
        if self.kind in needs:
            field, message = needs[self.kind]
            if not getattr(self, field if field != "user" else "user_id"):
                raise ValidationError({field: message})
        if self.kind == self.Kind.WEBHOOK and not self.webhook_secret:
            raise ValidationError({"webhook_secret": "Enter a secret: webhooks are always signed (HMAC-SHA256)."})


class ActionRun(models.Model):
    """One workflow action run for one sent follow-up: at most one row each, so a task
    delivered twice never tags, notifies or POSTs twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    follow_up = models.ForeignKey("scheduling.FollowUp", on_delete=models.CASCADE, related_name="action_runs")
    action = models.ForeignKey(WorkflowAction, null=True, on_delete=models.SET_NULL, related_name="runs")
    kind = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["follow_up", "id"]
        constraints = [models.UniqueConstraint(fields=["follow_up", "action"], name="one_run_per_action")]

    def __str__(self):
        return f"{self.kind} for follow-up {self.follow_up_id}: {self.status}"
