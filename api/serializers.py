"""Request validation and response shapes of the API.

Everything a request can get wrong is caught here, before anything is written: a 400
always leaves the database as it was.
"""

from django.core.validators import RegexValidator
from rest_framework import serializers

from bots.models import Bot, validate_timezone
from conversations.directory import find_contact  # the directory's own lookup order: id, phone, email
from conversations.models import Conversation, Message
from scheduling.models import FollowUp
from vocabulary import Channel

e164 = RegexValidator(r"^\+[1-9]\d{6,14}$", "Enter an E.164 number, like +15555550100.")


# --- requests ---------------------------------------------------------------------------


class ContactRefSerializer(serializers.Serializer):
    """Who the event is about: an existing contact by id, or found (else created) by
    phone, then email. Names and time zone are used only when the contact is created."""

    id = serializers.IntegerField(required=False, min_value=1)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, validators=[e164])
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64, validators=[validate_timezone])

    def validate(self, attrs):
        if not (attrs.get("id") or attrs.get("phone") or attrs.get("email")):
            raise serializers.ValidationError("Give the contact's id, phone or email.")
        return attrs


class EventSerializer(serializers.Serializer):
    """The fields every event shares. `validated_data["conversation"]` is the existing
    conversation, None when it will be created."""

    bot = serializers.PrimaryKeyRelatedField(queryset=Bot.objects.all())
    contact = ContactRefSerializer()
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)

    def validate(self, attrs):
        ref = attrs["contact"]
        contact = find_contact(
            attrs["bot"], contact_id=ref.get("id"), phone=ref.get("phone", ""), email=ref.get("email", "")
        )
        if ref.get("id") and contact is None:
            # The directory would create a new, anonymous contact: refuse instead.
            raise serializers.ValidationError({"contact": {"id": ["No contact with this id for this bot."]}})
        conversation = contact and Conversation.objects.filter(bot=attrs["bot"], contact=contact).first()
        if conversation is None and not attrs.get("channel"):
            raise serializers.ValidationError(
                {"channel": ["Required: the contact has no conversation with this bot yet."]}
            )
        attrs["conversation"] = conversation
        return attrs

    def conversation_kwargs(self) -> dict:
        """Arguments for directory.find_or_create_conversation."""
        data = self.validated_data
        ref = data["contact"]
        return {
            "channel": data.get("channel") or data["conversation"].channel,
            "contact_id": ref.get("id"),
            **{k: ref.get(k, "") for k in ("phone", "email", "first_name", "last_name", "timezone")},
        }


class MessageInSerializer(EventSerializer):
    text = serializers.CharField(max_length=10_000)
    provider_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="The provider's message id: a repeated id records nothing new.",
    )


class InboundSerializer(MessageInSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class OutboundSerializer(MessageInSerializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="Default: the conversation's channel (required when there is no conversation yet).",
    )
    author = serializers.ChoiceField(choices=[Message.Author.BOT, Message.Author.AGENT])


class AppointmentSerializer(EventSerializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="Only needed when the contact has no conversation with this bot yet.",
    )


# --- responses --------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "author",
            "channel",
            "text",
            "at",
            "intent",
            "requested_at",
            "classified_by",
            "provider_id",
        ]


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "contact", "channel", "stopped", "stopped_reason", "last_inbound_at"]


class FollowUpSerializer(serializers.ModelSerializer):
    deferred = serializers.BooleanField(read_only=True, help_text="Moved into working hours.")
    trigger_message_text = serializers.CharField(
        source="trigger_message.text", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "conversation",
            "kind",
            "step",
            "steps_total",
            "due_at",
            "planned_at",
            "deferred",
            "channel",
            "status",
            "reason",
            "delivery_status",
            "text",
            "trigger_message",
            "trigger_message_text",
            "created_at",
            "finished_at",
        ]


class MessageResultSerializer(serializers.Serializer):
    message = MessageSerializer()
    conversation = ConversationSerializer()
    follow_ups = FollowUpSerializer(many=True, help_text="The conversation's pending (or sending) follow-ups.")


class AppointmentResultSerializer(serializers.Serializer):
    cancelled = serializers.IntegerField(help_text="How many pending follow-ups were cancelled.")
    conversation = ConversationSerializer()
    follow_ups = FollowUpSerializer(many=True, help_text="Still live: one already being sent, if any.")
