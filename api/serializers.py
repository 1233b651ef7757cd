"""Request validation and response shapes of the API.

Everything a request can get wrong is caught here, before anything is written: a 400
always leaves the database as it was. (What can't be parsed at all is refused earlier,
by api/parsers.py.) Text fields refuse NUL characters and lone surrogates (DRF's
CharField), and are no longer than their columns.
"""

import re

from rest_framework import serializers

from api import access
from bots.models import Bot, validate_timezone
from bots.numbers import PhoneNumberError, parse_phone
from conversations.directory import find_contact  # the directory's own lookup order: id, phone, email
from conversations.models import Conversation, Message
from rules import results as rules_results
from scheduling.models import FollowUp
from vocabulary import Channel


class PhoneField(serializers.CharField):
    """A phone number in any usual spelling, answered and stored in E.164 (bots.numbers): the
    same number typed two ways is one contact. Without a country code it is read in the
    DEFAULT_PHONE_REGION setting's country."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "E.164, like +13125550199; other spellings (+1 312-555-0199, or (312) 555-0199 read in the "
            "DEFAULT_PHONE_REGION setting's country) are turned into it.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return value
        try:
            return parse_phone(value)
        except PhoneNumberError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from None


# Ids are BigAutoFields: positive and 64-bit. Larger ones name nothing (no query is made).
MAX_ID = 2**63 - 1
DIGITS = re.compile(r"\A[0-9]+\Z")
NOT_AN_ID = "An id is a whole number, like 42."


def as_id(data) -> int | None:
    """`data` as an id: a JSON integer, or ASCII digits (what form data carries); None for
    anything else: 1.5, 1.0, true, "1e3", " 1". Beyond 64 bits: MAX_ID + 1."""
    if isinstance(data, bool):
        return None
    if isinstance(data, int):
        return min(data, MAX_ID + 1)
    if isinstance(data, str) and DIGITS.match(data):
        return int(data) if len(data) <= 19 else MAX_ID + 1
    return None


class IdField(serializers.IntegerField):
    default_error_messages = {"invalid": NOT_AN_ID}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        value = as_id(data)
        if value is None:
            self.fail("invalid")
        return value  # the range is checked by the field's validators


class BotField(serializers.PrimaryKeyRelatedField):
    """A bot the request reaches (api/access.py): another business's bot is answered as one
    that doesn't exist. Needs the request in the serializer's context (none: no bot at all)."""

    default_error_messages = {"incorrect_type": NOT_AN_ID, "does_not_exist": "No bot with id {pk_value}."}

    def __init__(self, **kwargs):
        super().__init__(queryset=Bot.objects.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return access.bots(request) if request is not None else Bot.objects.none()

    def to_internal_value(self, data):
        value = as_id(data)
        if value is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= value <= MAX_ID:
            self.fail("does_not_exist", pk_value=str(data) if value <= MAX_ID else "beyond 64 bits")
        return super().to_internal_value(value)


# --- requests ---------------------------------------------------------------------------


class ContactRefSerializer(serializers.Serializer):
    """Who the event is about: an existing contact by id, or found (else created) by
    phone, then email. Names and time zone are used only when the contact is created."""

    id = IdField(required=False)
    phone = PhoneField(required=False, allow_blank=True, max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)  # Contact.email's column
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

    bot = BotField()
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


# --- results ----------------------------------------------------------------------------


class ResultsQuerySerializer(serializers.Serializer):
    """GET /api/results/: one bot (else every bot the request reaches), and a period: the
    last 7, 30 or 90 days (30 when nothing is given), or the local days from..to."""

    bot = BotField(required=False, help_text="A bot's id; all the bots you reach when left out.")
    period = serializers.ChoiceField(
        choices=[str(d) for d in rules_results.PERIODS], required=False, help_text="The last 7, 30 or 90 days."
    )
    from_ = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), with `to`.")
    to = serializers.DateField(required=False, help_text="Last day, included (YYYY-MM-DD).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a keyword in Python, a plain name in the query
        return fields

    def validate(self, attrs):
        first, last = attrs.get("from"), attrs.get("to")
        if (first is None) != (last is None):
            missing = "from" if first is None else "to"
            raise serializers.ValidationError({missing: ["Give both from and to, or neither."]})
        if first is not None and "period" in attrs:
            raise serializers.ValidationError({"period": ["Give a period or from and to, not both."]})
        if first is not None and last is not None:
            if first > last:
                raise serializers.ValidationError({"to": ["to must be on or after from."]})
            if (last - first).days + 1 > rules_results.MAX_PERIOD_DAYS:
                raise serializers.ValidationError(
                    {"to": [f"A period is at most {rules_results.MAX_PERIOD_DAYS} days."]}
                )
        return attrs


class FiguresSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    replied = serializers.IntegerField()
    reply_rate = serializers.FloatField(allow_null=True)
    booked = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()


class StepFiguresSerializer(FiguresSerializer):
    kind = serializers.CharField()
    step = serializers.IntegerField()


class ScenarioFiguresSerializer(FiguresSerializer):
    kind = serializers.CharField()
    steps = StepFiguresSerializer(many=True)


class WeekFiguresSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The Monday the week starts on.")
    sent = serializers.IntegerField()
    replied = serializers.IntegerField()
    reply_rate = serializers.FloatField(allow_null=True)


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    description = serializers.CharField(source="label")
    count = serializers.IntegerField()


class ResultsSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The period's first instant.")
    end = serializers.DateTimeField(help_text="The instant after the period (excluded).")
    zone = serializers.CharField(help_text="The zone of the days and weeks: the bot's, or UTC for several bots.")
    total = FiguresSerializer()
    scenarios = ScenarioFiguresSerializer(many=True)
    weeks = WeekFiguresSerializer(many=True)
    skipped = ReasonCountSerializer(many=True)
    failed = ReasonCountSerializer(many=True)
    best = StepFiguresSerializer(allow_null=True)
    worst = StepFiguresSerializer(allow_null=True)
