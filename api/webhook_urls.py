from django.urls import path

from api import twilio_webhooks

urlpatterns = [
    path("twilio/<int:bot_id>/inbound/", twilio_webhooks.InboundMessage.as_view(), name="twilio-inbound"),
    path("twilio/status/", twilio_webhooks.StatusCallback.as_view(), name="twilio-status"),
]
