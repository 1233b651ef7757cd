from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import keys

# last_used_at is written at most this often per key: one UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Account(models.Model):
    """A business (location): it owns its bots, and through them its contacts and
    conversations. Superusers are the agency and see every account."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "business"
        verbose_name_plural = "businesses"

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner: configures bots, scenarios, workflows and API keys"
    AGENT = "agent", "Agent: reads everything and works conversations"


class Membership(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="one_membership_per_account")]
        ordering = ["account", "user"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display().split(':')[0].lower()} of {self.account})"


class ApiKey(models.Model):
    """A key for the JSON API, held by the business rather than a person: it reaches only
    its account's bots, contacts and conversations. Only a digest is kept; the key itself is
    shown once, when it is made."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “CRM connector”.")
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["account", "-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({keys.SCHEME}_{self.prefix}_…)"

    @classmethod
    def issue(cls, account: Account, name: str, created_by=None) -> tuple["ApiKey", str]:
        """A new key for `account`: the saved row and the key, which is never seen again."""
        prefix, key = keys.new_key()
        api_key = cls.objects.create(
            account=account, name=name, prefix=prefix, digest=keys.digest(key), created_by=created_by
        )
        return api_key, key

    @classmethod
    def holding(cls, key: str, now: datetime) -> "ApiKey | None":
        """The live key `key` is, with its account; None for anything else. Notes its use."""
        prefix = keys.prefix_of(key)
        if prefix is None:
            return None
        api_key = cls.objects.select_related("account").filter(prefix=prefix, revoked_at__isnull=True).first()
        if api_key is None or not keys.matches(key, api_key.digest):
            return None
        # A conditional UPDATE: concurrent requests write it once a minute at most.
        cls.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)).filter(
            pk=api_key.pk
        ).update(last_used_at=now)
        return api_key
