"""The channels a conversation can run on (shared by every app)."""

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LIVE_CHAT = "live_chat", "Live chat"
    EMAIL = "email", "Email"
