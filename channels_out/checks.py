"""System checks on the sending settings, run by `manage.py check`, runserver and qcluster
(registered in ChannelsOutConfig.ready()): a sender that can't send stops them at start-up
with the variable to set, instead of failing every follow-up later."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from channels_out.routing import SENDERS


def sender_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    sender = settings.FOLLOWUP_SENDER
    if sender not in SENDERS:
        return [
            checks.Error(
                f"FOLLOWUP_SENDER is {sender!r}: there is no such sender.",
                hint=f"Set FOLLOWUP_SENDER to one of: {', '.join(SENDERS)} "
                "(console logs every follow-up; live sends them).",
                id="followups.E001",
            )
        ]
    if sender != "live":
        return []
    errors: list[checks.CheckMessage] = []
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name)]
    if missing:
        errors.append(
            checks.Error(
                f"FOLLOWUP_SENDER=live sends SMS and WhatsApp through Twilio, but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty"
                + (
                    " (Twilio's webhooks are refused too without the token)." if "TWILIO_AUTH_TOKEN" in missing else "."
                ),
                hint="Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (the Twilio console's Account Info), "
                "or FOLLOWUP_SENDER=console to log follow-ups instead.",
                id="followups.E002",
            )
        )
    if not (settings.TWILIO_SMS_FROM or settings.TWILIO_WHATSAPP_FROM) and not _a_bot_has_its_own_number():
        errors.append(
            checks.Error(
                "FOLLOWUP_SENDER=live but there is no number to send SMS or WhatsApp from: "
                "TWILIO_SMS_FROM and TWILIO_WHATSAPP_FROM are empty and no bot has a number of its own.",
                hint="Set TWILIO_SMS_FROM (and TWILIO_WHATSAPP_FROM for WhatsApp) to a Twilio number, "
                "or give the bots their own numbers in the admin.",
                id="followups.E003",
            )
        )
    return errors


def _a_bot_has_its_own_number() -> bool:
    """Also true when the database can't tell (not reachable, or not migrated yet)."""
    from bots.models import Bot

    try:
        return Bot.objects.exclude(sms_from="", whatsapp_from="").exists()
    except DatabaseError:
        return True
