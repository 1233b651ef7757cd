"""Follow-ups and engine notes, read-only: only the engine writes them."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from console.admin.access import ScopedAdmin
from console.display import BOTS_TIME, choice, when
from console.policy import WORK
from conversations.models import Conversation
from scheduling import controls
from scheduling.models import EngineEvent, FollowUp
from vocabulary import Note, Reason


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
        # Six columns, so the list fits a 1400 px screen beside the menu and the filters:
        # the step under its scenario, the original due time under the planned one, the
        # delivery under the channel.
        "contact",
        "scenario_step",
        "planned_and_due",
        "channel_delivery",
        "status_label",
        "reason_label",
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
        "due",
        "planned",
        "channel",
        "status_label",
        "reason_label",
        "cancelled_by",
        "trigger",
        "previous",
        "text",
        "text_source",
        "sent",
        "delivery_label",
        "provider_id",
        "created",
        "claimed",
        "finished",
        "response_info",
    )
    # Codes as their labels, times in the bot's zone (console/display.py).
    readonly_fields = (
        "trigger",
        "sent",
        "due",
        "planned",
        "status_label",
        "reason_label",
        "delivery_label",
        "created",
        "claimed",
        "finished",
        "response_info",
    )
    # Working conversations (console.policy.WORK): owners and agents. Who did it is recorded.
    actions = ("cancel_selected", "pause_their_conversations")

    def has_work_permission(self, request):
        return self._may(request, WORK)

    @admin.action(description="Cancel selected follow-ups", permissions=["work"])
    def cancel_selected(self, request, queryset):
        rows = list(self.where_allowed(request, queryset, WORK).select_related("conversation"))
        cancelled = sum(controls.cancel_follow_up(f, request.user) for f in rows)
        text = f"Cancelled {cancelled} follow-up(s)."
        if cancelled < len(rows):
            text += f" {len(rows) - cancelled} had already been sent or ended: left as they were."
        self.message_user(request, text, messages.SUCCESS if cancelled else messages.WARNING)

    @admin.action(description="Pause follow-ups of their conversations", permissions=["work"])
    def pause_their_conversations(self, request, queryset):
        chosen = self.where_allowed(request, queryset, WORK).values("conversation_id")
        conversations = list(Conversation.objects.filter(pk__in=chosen).order_by("pk"))
        results = [controls.pause_follow_ups(c, request.user) for c in conversations]
        paused = [n for n in results if n is not None]
        text = f"Paused follow-ups of {len(paused)} conversation(s); {sum(paused)} follow-up(s) cancelled."
        if len(paused) < len(results):
            text += f" {len(results) - len(paused)} were paused already."
        self.message_user(request, text, messages.SUCCESS)

    @admin.display(description="Contact", ordering="conversation__contact__first_name")
    def contact(self, obj):
        return obj.conversation.contact

    @admin.display(description="Scenario", ordering="kind")
    def scenario_kind(self, obj):
        return obj.get_kind_display()

    @admin.display(description="Step")
    def step_of(self, obj):
        return f"{obj.step} of {obj.steps_total}"

    @admin.display(description="Scenario, step", ordering="kind")
    def scenario_step(self, obj):
        return format_html('{}<span class="code-small">step {}</span>', obj.get_kind_display(), self.step_of(obj))

    @admin.display(description=f"Planned ({BOTS_TIME})", ordering="planned_at")
    def planned_and_due(self, obj):
        if not obj.deferred:
            return self.planned(obj)
        return format_html(
            '{}<span class="code-small">originally due {}</span>', self.planned(obj), self.originally_due(obj)
        )

    @admin.display(description="Channel, delivery", ordering="channel")
    def channel_delivery(self, obj):
        channel = obj.get_channel_display() or "—"
        if not obj.delivery_status:
            return channel
        return format_html('{}<span class="code-small">{}</span>', channel, self.delivery_label(obj))

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return choice(FollowUp.Status, obj.status)

    @admin.display(description="Reason", ordering="reason")
    def reason_label(self, obj):
        return choice(Reason, obj.reason)

    @admin.display(description="Delivery", ordering="delivery_status")
    def delivery_label(self, obj):
        return choice(FollowUp.Delivery, obj.delivery_status)

    # Times in the bot's time zone, named, as its working hours read them (the site runs in UTC).
    @admin.display(description=f"Planned ({BOTS_TIME})", ordering="planned_at")
    def planned(self, obj):
        return when(obj.planned_at, obj.conversation.bot.tz)

    @admin.display(description=f"Originally due ({BOTS_TIME})")
    def originally_due(self, obj):
        # Only worth a column entry when working hours moved it.
        return when(obj.due_at, obj.conversation.bot.tz) if obj.deferred else ""

    @admin.display(description=f"Due by the cadence ({BOTS_TIME})")
    def due(self, obj):
        return when(obj.due_at, obj.conversation.bot.tz)

    @admin.display(description=f"Created ({BOTS_TIME})")
    def created(self, obj):
        return when(obj.created_at, obj.conversation.bot.tz)

    @admin.display(description=f"Claimed by a dispatcher ({BOTS_TIME})")
    def claimed(self, obj):
        return when(obj.claimed_at, obj.conversation.bot.tz)

    @admin.display(description="Triggered by")
    def trigger(self, obj):
        return self._message(obj, obj.trigger_message)

    @admin.display(description="Sent as")
    def sent(self, obj):
        return self._message(obj, obj.sent_message)

    def _message(self, obj, message):
        if message is None:
            return "—"
        return format_html(
            "{} ({}, {}): “{}”",
            message.get_direction_display(),
            message.get_author_display(),
            when(message.at, obj.conversation.bot.tz),
            message.text,
        )

    @admin.display(description=f"Finished ({BOTS_TIME})")
    def finished(self, obj):
        return when(obj.finished_at, obj.conversation.bot.tz)

    @admin.display(description="Response Info")
    def response_info(self, obj):
        url = reverse("response_info", args=[obj.conversation.contact_id])
        return format_html('<a href="{}">Response Info</a>', url)


@admin.register(EngineEvent)
class EngineEventAdmin(ReadOnlyAdmin):
    list_display = ("at_local", "conversation", "kind_label", "detail")
    list_filter = ("kind",)
    date_hierarchy = "at"
    search_fields = ("conversation__contact__first_name", "conversation__contact__phone", "detail")
    list_select_related = ("conversation__contact", "conversation__bot")
    fields = ("conversation", "at_local", "kind_label", "detail")
    readonly_fields = ("at_local", "kind_label")

    @admin.display(description=f"At ({BOTS_TIME})", ordering="at")
    def at_local(self, obj):
        return when(obj.at, obj.conversation.bot.tz)

    @admin.display(description="What", ordering="kind")
    def kind_label(self, obj):
        return choice(Note, obj.kind)
