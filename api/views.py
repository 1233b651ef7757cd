"""Thin views: the serializer validates, the engine's handler acts, the result is serialized.

Transactions. A 400 writes nothing (validation reads only). Outbound and appointment run
find_or_create_conversation and the handler in one transaction: all or nothing. Inbound
does not: record_inbound classifies (maybe an LLM call) before taking the conversation's
row lock, and an outer transaction would hold locks across that call. So the conversation
is created in its own transaction first; the one partial write left is a new contact and
conversation without the message, when classification fails (the request then errors).

Access. An API key or a member's session (api/authentication.py, api/access.py); every bot
and contact is looked up among the businesses the request reaches.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api import access
from api import serializers as s
from api.parsers import BoundedInput
from conversations.directory import find_or_create_conversation
from conversations.models import Conversation, Message
from rules import results as rules_results
from scheduling import events, planning
from scheduling import results as results_
from scheduling.clock import system_clock
from scheduling.models import FollowUp

BAD_REQUEST = OpenApiResponse(
    description="Invalid input: a list of reasons per field, or the body's `detail` (not JSON, or nested too deep)."
)
TOO_LARGE = OpenApiResponse(description="The body is larger than 1 MB: `detail` says so.")
# DRF's answer to a body it has no parser for: another media type, or none given.
UNSUPPORTED = OpenApiResponse(description="The body is not JSON, form or multipart data (or has no Content-Type).")
REPLAYED = "The provider_id was seen before: nothing new recorded, the first message is returned."
# What recording a message answers: 201 new, 200 a retry of one already recorded.
MESSAGE_RESPONSES = {
    201: s.MessageResultSerializer,
    200: OpenApiResponse(s.MessageResultSerializer, REPLAYED),
    400: BAD_REQUEST,
    413: TOO_LARGE,
    415: UNSUPPORTED,
}


class EventView(BoundedInput, APIView):
    permission_classes = [access.ReachesABusiness]

    def validated(self, serializer_class) -> s.EventSerializer:
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer

    def message_result(self, message: Message, conversation: Conversation, replayed: bool) -> Response:
        conversation = Conversation.objects.get(pk=conversation.pk)  # the handler saved its own copy
        body = s.MessageResultSerializer(
            {
                "message": message,
                "conversation": conversation,
                "follow_ups": planning.live_follow_ups(conversation).select_related("trigger_message"),
            }
        ).data
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


def _seen(conversation: Conversation, provider_id: str) -> bool:
    return bool(provider_id) and conversation.messages.filter(provider_id=provider_id).exists()


class InboundView(EventView):
    @extend_schema(
        summary="Record a message from the contact",
        request=s.InboundSerializer,
        responses=MESSAGE_RESPONSES,
    )
    def post(self, request):
        serializer = self.validated(s.InboundSerializer)
        data = serializer.validated_data
        # Not one outer transaction: see the module docstring.
        with transaction.atomic():
            conversation = find_or_create_conversation(data["bot"], **serializer.conversation_kwargs())
        replayed = _seen(conversation, data["provider_id"])
        message = events.record_inbound(
            conversation, data["text"], channel=data["channel"], provider_id=data["provider_id"], clock=system_clock
        )
        return self.message_result(message, conversation, replayed)


class OutboundView(EventView):
    @extend_schema(
        summary="Record a message from the bot or a human agent",
        request=s.OutboundSerializer,
        responses=MESSAGE_RESPONSES,
    )
    def post(self, request):
        serializer = self.validated(s.OutboundSerializer)
        data = serializer.validated_data
        with transaction.atomic():
            conversation = find_or_create_conversation(data["bot"], **serializer.conversation_kwargs())
            replayed = _seen(conversation, data["provider_id"])
            message = events.record_outbound(
                conversation,
                data["text"],
                author=data["author"],
                channel=data.get("channel", ""),
                provider_id=data["provider_id"],
                clock=system_clock,
            )
        return self.message_result(message, conversation, replayed)


class AppointmentView(EventView):
    @extend_schema(
        summary="An appointment was booked: cancel pending follow-ups and stop the conversation",
        request=s.AppointmentSerializer,
        responses={200: s.AppointmentResultSerializer, 400: BAD_REQUEST, 413: TOO_LARGE, 415: UNSUPPORTED},
    )
    def post(self, request):
        serializer = self.validated(s.AppointmentSerializer)
        with transaction.atomic():
            conversation = find_or_create_conversation(
                serializer.validated_data["bot"], **serializer.conversation_kwargs()
            )
            cancelled = events.record_appointment_booked(conversation, clock=system_clock, source="api")
        conversation = Conversation.objects.get(pk=conversation.pk)
        body = s.AppointmentResultSerializer(
            {
                "cancelled": cancelled,
                "conversation": conversation,
                "follow_ups": planning.live_follow_ups(conversation).select_related("trigger_message"),
            }
        ).data
        return Response(body)


class FollowUpPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(
    summary="A contact's follow-ups, newest first",
    responses={
        200: s.FollowUpSerializer(many=True),
        404: OpenApiResponse(description="No such contact (of a business you reach), or a page past the end."),
    },
)
class ContactFollowUpsView(BoundedInput, generics.ListAPIView):
    permission_classes = [access.ReachesABusiness]
    serializer_class = s.FollowUpSerializer
    pagination_class = FollowUpPages

    def get_queryset(self):
        # Another business's contact is answered as one that doesn't exist.
        contact = get_object_or_404(access.contacts(self.request), pk=self.kwargs["contact_id"])
        # Newest planned first, as on the Response Info page (FollowUp's default ordering).
        return (
            FollowUp.objects.filter(conversation__contact=contact)
            .select_related("trigger_message")
            .order_by("-planned_at", "-id")
        )


class ResultsView(BoundedInput, APIView):
    """What follow-ups achieved over a period (scheduling/results.py), for one bot or all
    the bots the request reaches."""

    permission_classes = [access.ReachesABusiness]

    @extend_schema(
        summary="Results of follow-ups over a period: sent, replied, booked, opted out, per scenario, step and week",
        parameters=[s.ResultsQuerySerializer],
        responses={200: s.ResultsSerializer, 400: BAD_REQUEST},
    )
    def get(self, request):
        query = s.ResultsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        bots = access.bots(request)
        if "bot" in data:
            bots = bots.filter(pk=data["bot"].pk)
        if "from" in data:
            first, last = data["from"], data["to"]
        else:
            days = int(data.get("period", "30"))
            first, last = rules_results.last_days(days, system_clock.now(), results_.zone_of(bots))
        return Response(s.ResultsSerializer(results_.results_for_days(bots, first, last)).data)
