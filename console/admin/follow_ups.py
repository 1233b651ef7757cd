"""Follow-ups and engine notes, read-only: only the engine writes them."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from console.admin.access import ScopedAdmin
from console.response_info import local
from scheduling.models import EngineEvent, FollowUp


class ReadOnlyAdmin(ScopedAdmin):
    """No adding or editing. Deleting stays with whoever the policy lets delete them (an
    owner), or deleting a contact (which cascades to its follow-ups) would be refused; only
    the bulk action goes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ScenarioFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "scenario"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = (
        "contact",
        "scenario_kind",
        "step_of",
        "planned",
        "originally_due",
        "channel",
        "status",
        "reason",
        "delivery_status",
    )
    list_filter = ("status", ("kind", ScenarioFilter), ("conversation__bot", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "planned_at"
    search_fields = (
        "conversation__contact__first_name",
        "conversation__contact__last_name",
        "conversation__contact__phone",
    )
    list_select_related = ("conversation__contact", "conversation__bot")
    fields = (
        "conversation",
        "scenario",
        "kind",
        "step",
        "steps_total",
        "due_at",
        "planned_at",
        "channel",
        "status",
        "reason",
        "trigger_message",
        "previous",
        "text",
        "text_source",
        "sent_message",
        "delivery_status",
        "provider_id",
        "created_at",
        "claimed_at",
        "finished_at",
        "response_info",
    )
    readonly_fields = ("response_info",)

    @admin.display(description="Contact", ordering="conversation__contact__first_name")
    def contact(self, obj):
        return obj.conversation.contact

    @admin.display(description="Scenario", ordering="kind")
    def scenario_kind(self, obj):
        return obj.get_kind_display()

    @admin.display(description="Step")
    def step_of(self, obj):
        return f"{obj.step} of {obj.steps_total}"

    # Times in the bot's time zone, as its working hours read them (the site runs in UTC).
    @admin.display(description="Planned (bot's time)", ordering="planned_at")
    def planned(self, obj):
        return local(obj.planned_at, obj.conversation.bot.tz)

    @admin.display(description="Originally due")
    def originally_due(self, obj):
        # Only worth a column entry when working hours moved it.
        return local(obj.due_at, obj.conversation.bot.tz) if obj.deferred else ""

    @admin.display(description="Response Info")
    def response_info(self, obj):
        url = reverse("response_info", args=[obj.conversation.contact_id])
        return format_html('<a href="{}">Response Info</a>', url)


@admin.register(EngineEvent)
class EngineEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "conversation", "kind", "detail")
    list_filter = ("kind",)
    date_hierarchy = "at"
    search_fields = ("conversation__contact__first_name", "conversation__contact__phone", "detail")
    list_select_related = ("conversation__contact",)
