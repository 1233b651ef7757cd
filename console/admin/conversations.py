"""Contacts and conversations. Events go through scheduling.events, like every other caller."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from console.admin.access import ScopedAdmin, ScopedInline, ScopedRelatedFilter
from console.policy import CHANGE
from conversations.models import Contact, Conversation, Message, OptOut, Tag
from scheduling.events import record_appointment_booked


def response_info_link(contact_id):
    return format_html('<a href="{}">Response Info</a>', reverse("response_info", args=[contact_id]))


class OptOutInline(ScopedInline, admin.TabularInline):
    """An opt-out can be recorded here (asked for by phone, say), but only the contact's own
    START lifts one: carriers hold the business to it."""

    model = OptOut
    extra = 0
    fields = ("channel", "at")
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(ScopedAdmin):
    # The change form adds a "Response Info" button (templates/admin/conversations/contact/).
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


class MessageInline(ScopedInline, admin.TabularInline):
    """The conversation as it happened: read-only, it is history."""

    model = Message
    fields = ("at", "direction", "author", "channel", "text", "intent", "requested_at", "is_follow_up")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ScopedAdmin):
    list_display = ("contact", "bot", "channel", "stopped", "stopped_reason", "last_inbound_at", "response_info")
    list_filter = (("bot", ScopedRelatedFilter), "channel", "stopped")
    search_fields = ("contact__first_name", "contact__last_name", "contact__phone")
    list_select_related = ("contact", "bot")
    raw_id_fields = ("contact",)
    fields = (
        "bot",
        "contact",
        "channel",
        "stopped",
        "stopped_reason",
        "last_inbound_at",
        "assigned_to",
        "response_info",
    )
    readonly_fields = ("stopped", "stopped_reason", "last_inbound_at", "response_info")
    inlines = (MessageInline,)
    actions = ("mark_booked",)

    def get_readonly_fields(self, request, obj=None):
        # State changes go through the engine's events (see the action below), so a click
        # here can never leave the follow-ups out of step with the conversation.
        if obj is None:
            return self.readonly_fields
        return ("bot", "contact", "channel", *self.readonly_fields)

    @admin.display(description="Follow-ups")
    def response_info(self, obj):
        return response_info_link(obj.contact_id) if obj and obj.pk else "—"

    @admin.action(description="Mark appointment booked", permissions=["change"])
    def mark_booked(self, request, queryset):
        queryset = self.where_allowed(request, queryset, CHANGE)
        cancelled = sum(record_appointment_booked(c, source="admin") for c in queryset)
        self.message_user(
            request,
            f"Marked {queryset.count()} conversation(s) booked; {cancelled} pending follow-up(s) cancelled.",
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(ScopedAdmin):
    search_fields = ("name",)
