"""Bot configuration. The rules live in the models' clean(); the admin only shows them."""

from django.contrib import admin, messages
from django.db import models
from django.forms.models import BaseInlineFormSet

from bots.hours import COPY_MONDAY, PRESETS, NothingToCopy, fill_working_hours
from bots.models import DEFAULT_CADENCES, Bot, Scenario, WorkingWindow
from console import preview
from console.admin.access import ScopedAdmin, ScopedInline
from console.forms import BotForm, ScenarioForm
from console.policy import CHANGE
from scheduling.events import set_bot_active
from vocabulary import ScenarioKind

# A link typed without a scheme is taken as https (Django 6's default, without the warning).
HTTPS_URLS: dict[type[models.Field], dict[str, str]] = {models.URLField: {"assume_scheme": "https"}}


class WorkingWindowInline(ScopedInline, admin.TabularInline):
    model = WorkingWindow
    extra = 0
    fields = ("weekday", "start", "end")


class ScenarioFormSet(BaseInlineFormSet):
    """On a new bot's page, the three scenarios with their default cadences, one form per
    kind, before the first save. Saving the bot makes them (bots.signals, with the
    defaults); a form the owner changed then updates its kind's scenario instead of adding
    a second one."""

    kinds = sorted(ScenarioKind, key=str)  # the order a saved bot's page lists them in (Scenario.Meta)

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is None or instance.pk is None:
            kwargs["initial"] = [{"cadence": DEFAULT_CADENCES[kind]} for kind in self.kinds]
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        if i >= self.initial_form_count() and i < len(self.kinds):
            form.instance.kind = self.kinds[i]  # shown (read-only) and checked as this kind
        return form

    def save_new(self, form, commit=True):
        existing = Scenario.objects.filter(bot=self.instance, kind=form.instance.kind).first()
        if existing is not None:  # made by the signal when the bot was saved
            form.instance.pk, form.instance._state.adding = existing.pk, False
        return super().save_new(form, commit=commit)


class ScenarioInline(ScopedInline, admin.StackedInline):
    """The goal's three scenarios: on a new bot's page with their default cadences (made
    when the bot is saved, with what was typed), then edited, never added or deleted.

    Stacked, so the cadence's warning about spammy cadences is shown in full, with its
    "I accept this cadence" checkbox when a spammy cadence is typed.
    """

    model = Scenario
    form = ScenarioForm
    formset = ScenarioFormSet
    fields = ("kind", "enabled", "cadence", "accept_cadence", "use_custom_message", "custom_messages", "workflows")
    readonly_fields = ("kind", "linked_workflows")
    extra = 0
    max_num = 3
    can_delete = False
    verbose_name = "Auto Follow-Up scenario"

    def get_extra(self, request, obj=None, **kwargs):
        return len(ScenarioKind) if obj is None or obj.pk is None else 0

    def has_add_permission(self, request, obj=None):
        # Only with a new bot: a saved bot has its three.
        return (obj is None or obj.pk is None) and super().has_add_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None or obj.pk is None:
            return ("kind", "enabled", "cadence", "accept_cadence", "use_custom_message", "custom_messages")
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


WORKING_HOURS_DESCRIPTION = (
    "When follow-ups may go out, in the bot's time zone: the windows below, each day as many as "
    "needed. To fill a usual week at once, choose it here; it replaces the windows when you save."
)


@admin.register(Bot)
class BotAdmin(ScopedAdmin):
    form = BotForm
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
        # Last, right above the working windows it fills.
        ("Working hours", {"fields": ("hours_preset",), "description": WORKING_HOURS_DESCRIPTION}),
    )
    inlines = (WorkingWindowInline, ScenarioInline)
    formfield_overrides = HTTPS_URLS

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The saved bot's scenarios laid out from a sample moment, below the inlines
        # (templates/admin/bots/bot/change_form.html); owners and agents alike.
        if obj is not None and obj.pk is not None:
            context["bot_preview"] = preview.for_request(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only (an agent): no preset to choose.
            return [(name, opts) for name, opts in fieldsets if "hours_preset" not in opts["fields"]]
        return fieldsets

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        choice = form.cleaned_data.get("hours_preset")
        if not choice:
            return
        try:
            fill_working_hours(form.instance, choice)
        except NothingToCopy:
            self.message_user(request, "Monday has no working hours to copy: nothing was copied.", messages.WARNING)
            return
        done = (
            "Copied Monday's working hours to Tuesday-Friday"
            if choice == COPY_MONDAY
            else (f"Working hours set to {PRESETS[choice][0]}")
        )
        self.message_user(request, f"{done}.", messages.SUCCESS)

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
