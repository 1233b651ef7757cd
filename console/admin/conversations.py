"""Contacts and conversations. Events go through scheduling.events, like every other caller."""

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from console.admin.access import ScopedAdmin, ScopedInline, ScopedRelatedFilter
from console.display import BOTS_TIME, choice, coded, stop_reason, when
from console.forms import ContactForm, OptOutForm
from console.policy import CHANGE
from conversations.models import Contact, Conversation, Message, OptOut, Tag
from scheduling import controls
from vocabulary import Intent


def response_info_link(contact_id):
    return format_html('<a href="{}">Response Info</a>', reverse("response_info", args=[contact_id]))


def conversation_link(conversation_id):
    return format_html('<a href="{}">Open conversation</a>', reverse("conversation", args=[conversation_id]))


class OptOutInline(ScopedInline, admin.TabularInline):
    """An opt-out can be recorded here (asked for by phone, say), but only the contact's own
    START lifts one: carriers hold the business to it."""

    model = OptOut
    form = OptOutForm  # recorded now, when saved
    extra = 0
    fields = ("channel", "recorded")
    readonly_fields = ("recorded",)
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact__bot")

    @admin.display(description=f"Recorded ({BOTS_TIME})")
    def recorded(self, obj):
        return when(obj.at, obj.contact.bot.tz) if obj.pk else "—"


@admin.register(Contact)
class ContactAdmin(ScopedAdmin):
    # The change form adds a "Response Info" button (templates/admin/conversations/contact/).
    form = ContactForm  # the phone number typed in any usual way, stored in E.164
    list_display = ("name", "phone", "email", "bot", "response_info")
    list_filter = (("bot", ScopedRelatedFilter), ("tags", ScopedRelatedFilter))
    search_fields = ("first_name", "last_name", "phone", "email")
    list_select_related = ("bot",)
    filter_horizontal = ("tags",)
    inlines = (OptOutInline,)

    @admin.display(description="Name", ordering="first_name")
    def name(self, obj):
        return str(obj)

    @admin.display(description="Follow-ups")
    def response_info(self, obj):
        return response_info_link(obj.pk)

    actions = ("cancel_all_follow_ups",)

    @admin.action(description="Cancel all follow-ups of the selected contacts", permissions=["change"])
    def cancel_all_follow_ups(self, request, queryset):
        contacts = list(self.where_allowed(request, queryset, CHANGE))
        cancelled = sum(controls.cancel_contact_follow_ups(c, request.user) for c in contacts)
        self.message_user(
            request, f"Cancelled {cancelled} follow-up(s) of {len(contacts)} contact(s).", messages.SUCCESS
        )


class MessageInline(ScopedInline, admin.TabularInline):
    """The conversation as it happened: read-only, it is history."""

    model = Message
    fields = ("at_local", "direction", "author", "channel", "text", "intent_label", "requested", "is_follow_up")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("conversation__bot")

    @admin.display(description=f"At ({BOTS_TIME})")
    def at_local(self, obj):
        return when(obj.at, obj.conversation.bot.tz)

    @admin.display(description="Intent")
    def intent_label(self, obj):
        return choice(Intent, obj.intent, empty="")

    @admin.display(description=f"Time asked for ({BOTS_TIME})")
    def requested(self, obj):
        return when(obj.requested_at, obj.conversation.bot.tz, empty="")


class AssignedToMe(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me")]

    def queryset(self, request, queryset):
        return queryset.filter(assigned_to=request.user) if self.value() == "me" else queryset


@admin.register(Conversation)
class ConversationAdmin(ScopedAdmin):
    list_display = (
        "contact",
        "bot",
        "channel",
        "state",
        "last_inbound",
        "created",
        "response_info",
        "open_conversation",
    )
    list_filter = (AssignedToMe, ("bot", ScopedRelatedFilter), "channel", "stopped")
    search_fields = ("contact__first_name", "contact__last_name", "contact__phone")
    list_select_related = ("contact", "bot")
    raw_id_fields = ("contact",)
    fields = (
        "bot",
        "contact",
        "channel",
        "stopped",
        "stopped_reason_label",
        "last_inbound",
        "created",
        "assigned_to",
        "response_info",
    )
    readonly_fields = ("stopped", "stopped_reason_label", "last_inbound", "created", "response_info")
    inlines = (MessageInline,)
    actions = ("mark_booked",)

    def get_ordering(self, request):
        # The requesting person's own conversations first, then the newest: for everyone.
        mine = Case(When(assigned_to_id=request.user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
        return (mine.asc(), "-created_at")

    def get_readonly_fields(self, request, obj=None):
        # State changes go through the engine's events (see the action below), so a click
        # here can never leave the follow-ups out of step with the conversation.
        if obj is None:
            return self.readonly_fields
        return ("bot", "contact", "channel", *self.readonly_fields)

    @admin.display(description="Follow-ups")
    def response_info(self, obj):
        return response_info_link(obj.contact_id) if obj and obj.pk else "—"

    @admin.display(description="Follow-ups state", ordering="stopped")
    def state(self, obj):
        if not obj.stopped:
            return "Running"
        return format_html('Stopped<span class="code-small">{}</span>', self.stopped_reason_label(obj))

    @admin.display(description="Stopped because", ordering="stopped_reason")
    def stopped_reason_label(self, obj):
        return coded(capfirst(stop_reason(obj.stopped_reason)), obj.stopped_reason, empty="")

    @admin.display(description=f"Last inbound ({BOTS_TIME})", ordering="last_inbound_at")
    def last_inbound(self, obj):
        return when(obj.last_inbound_at, obj.bot.tz) if obj.bot_id else "—"

    @admin.display(description=f"Created ({BOTS_TIME})", ordering="created_at")
    def created(self, obj):
        return when(obj.created_at, obj.bot.tz) if obj.pk else "—"

    @admin.display(description="Conversation")
    def open_conversation(self, obj):
        return conversation_link(obj.pk)

    @admin.action(description="Mark appointment booked", permissions=["change"])
    def mark_booked(self, request, queryset):
        queryset = self.where_allowed(request, queryset, CHANGE)
        cancelled = sum(controls.mark_booked(c, request.user) for c in queryset)
        self.message_user(
            request,
            f"Marked {queryset.count()} conversation(s) booked; {cancelled} pending follow-up(s) cancelled.",
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(ScopedAdmin):
    search_fields = ("name",)
