"""Bot configuration. The rules live in the models' clean(); the admin only shows them."""

from django.contrib import admin, messages
from django.db import models

from bots.models import Bot, Scenario, WorkingWindow
from console.admin.access import ScopedAdmin, ScopedInline
from console.forms import ScenarioForm
from console.policy import CHANGE
from scheduling.events import set_bot_active

# A link typed without a scheme is taken as https (Django 6's default, without the warning).
HTTPS_URLS: dict[type[models.Field], dict[str, str]] = {models.URLField: {"assume_scheme": "https"}}


class WorkingWindowInline(ScopedInline, admin.TabularInline):
    model = WorkingWindow
    extra = 0
    fields = ("weekday", "start", "end")


class ScenarioInline(ScopedInline, admin.StackedInline):
    """The goal's three scenarios, created with the bot (bots.signals): edit only.

    Stacked, so the cadence's warning about spammy cadences is shown in full, with its
    "I accept this cadence" checkbox when a spammy cadence is typed.
    """

    model = Scenario
    form = ScenarioForm
    fields = ("kind", "enabled", "cadence", "accept_cadence", "use_custom_message", "custom_messages", "workflows")
    readonly_fields = ("kind", "linked_workflows")
    extra = 0
    max_num = 3
    can_delete = False
    verbose_name = "Auto Follow-Up scenario"

    def has_add_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # Read-only (an agent): the workflows by name, and no acceptance box.
        return ("kind", "enabled", "cadence", "use_custom_message", "custom_messages", "linked_workflows")

    @admin.display(description="Workflows")
    def linked_workflows(self, scenario):
        return ", ".join(workflow.name for workflow in scenario.workflows.all()) or "—"


CONTACT_HOURS_DESCRIPTION = (
    "Follow-ups go out only inside the contact's own hours (their time zone, else the bot's) as well as "
    "inside working hours, and no contact gets more than the daily limit in any 24 hours. New bots start "
    "with 08:00-21:00 and 3 a day; bots created before these settings existed keep contact hours off and "
    "no limit until you switch them on here."
)


@admin.register(Bot)
class BotAdmin(ScopedAdmin):
    list_display = ("name", "active", "auto_follow_up", "timezone", "channel_switching")
    list_filter = ("active",)
    search_fields = ("name",)
    actions = ("switch_on", "switch_off")
    fieldsets = (
        (None, {"fields": ("account", "name", "active", "timezone", "auto_follow_up")}),
        (
            "Channels",
            {"fields": ("channel_switching", "sms_from", "whatsapp_from", "connector_url", "connector_secret")},
        ),
        (
            "Contact hours and limits",
            {
                "fields": (
                    "contact_hours_enabled",
                    ("contact_hours_start", "contact_hours_end"),
                    "max_follow_ups_per_day",
                ),
                "description": CONTACT_HOURS_DESCRIPTION,
            },
        ),
        ("Booking", {"fields": ("booking_link",)}),
        ("AI", {"fields": ("ai_model", "business_context")}),
    )
    inlines = (WorkingWindowInline, ScenarioInline)
    formfield_overrides = HTTPS_URLS

    def get_inline_instances(self, request, obj=None):
        # A new bot has no scenarios yet: the post_save signal creates them.
        instances = super().get_inline_instances(request, obj)
        return [i for i in instances if obj is not None or not isinstance(i, ScenarioInline)]

    @admin.action(description="Switch bot on", permissions=["change"])
    def switch_on(self, request, queryset):
        self._switch(request, queryset, True)

    @admin.action(description="Switch bot off (due follow-ups are skipped)", permissions=["change"])
    def switch_off(self, request, queryset):
        self._switch(request, queryset, False)

    def _switch(self, request, queryset, active):
        # Through the engine's entry point, like the API and webhooks.
        queryset = self.where_allowed(request, queryset, CHANGE)
        for bot in queryset:
            set_bot_active(bot, active)
        state = "on" if active else "off"
        self.message_user(request, f"Switched {queryset.count()} bot(s) {state}.", messages.SUCCESS)
