"""Email through Django's mail framework (EMAIL_BACKEND)."""

import smtplib

from django.conf import settings
from django.core.mail import send_mail

from bots.models import Bot
from channels_out.senders.base import Outgoing, Sender, SendError, SendResult


class EmailSender(Sender):
    name = "email"

    def send(self, message: Outgoing) -> SendResult:
        if not message.to:
            raise SendError("no_email_address")
        bot = message.bot
        if bot is None:  # a caller without the dispatcher's loaded bot
            bot = Bot.objects.filter(pk=message.bot_id).only("name").first()
        subject = f"A message from {bot.name}" if bot else "A message for you"
        try:
            send_mail(subject, message.text, settings.DEFAULT_FROM_EMAIL, [message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            # The server said no to the address: nothing went out. Other errors propagate
            # (a connection dropped mid-send leaves the outcome unknown).
            raise SendError("email_recipient_refused") from exc
        return SendResult(delivery_status="sent")
