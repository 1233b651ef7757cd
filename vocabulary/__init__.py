"""The product's shared vocabulary: the names every layer speaks, as enums.

The bottom layer: it imports no app, so the pure rules, the models, the engine and the
pages can all use it. A value is what the database, the API and `simulate` carry; a label
is what a business owner reads.
"""

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LIVE_CHAT = "live_chat", "Live chat"
    EMAIL = "email", "Email"


class ScenarioKind(models.TextChoices):
    STOPPED_REPLYING = "stopped_replying", "Contact Stopped Replying"
    BUSY = "busy", "Contact is Busy"
    SPECIFIC_TIME = "specific_time", "Contact Requests a Specific Follow-Up Time"


class Intent(models.TextChoices):
    """What a contact's message means to the engine."""

    OPT_OUT = "opt_out", "opt-out"
    OPT_IN = "opt_in", "opt-in"
    NOT_INTERESTED = "not_interested", "not interested"
    BOOKED = "booked", "booked"
    SPECIFIC_TIME = "specific_time", "asked for a specific time"
    BUSY = "busy", "busy"
    OTHER = "other", "other"


# Intents that end follow-ups until the contact writes again.
STOPPING_INTENTS = frozenset({Intent.OPT_OUT, Intent.NOT_INTERESTED, Intent.BOOKED})


class Action(models.TextChoices):
    """What the checks made when a follow-up comes due decide."""

    SEND = "send", "send"
    SKIP = "skip", "skip"  # not sent; the cadence goes on
    CANCEL = "cancel", "cancel"  # not sent; the cadence ends
    DEFER = "defer", "defer"  # planned again for a later instant


class Reason(models.TextChoices):
    """Why a follow-up was not sent (or not yet); the label is what the owner reads."""

    CONTACT_REPLIED = "contact_replied", "The contact replied, so the follow-up logic started again."
    APPOINTMENT_BOOKED = "appointment_booked", "An appointment was booked."
    CONVERSATION_STOPPED = "conversation_stopped", "The conversation was stopped."
    BOT_INACTIVE = "bot_inactive", "The bot was switched off when it came due."
    SCENARIO_DISABLED = "scenario_disabled", "The scenario was disabled when it came due."
    OUTSIDE_MESSAGING_WINDOW = (
        "outside_messaging_window",
        "Past the platform's 24-hour window, with no phone number to switch to SMS.",
    )
    OPTED_OUT = "opted_out", "The contact opted out: no follow-up on any channel until they send START."
    NO_SENDING_WINDOW = (
        "no_sending_window",
        "No time inside both the working hours and the contact hours within 7 days.",
    )
    TOO_LATE = "too_late", "It could only have gone out later than the bot's late cut-off after its planned time."
    DAILY_LIMIT = (
        "daily_limit",
        "The contact had already had the bot's daily limit of follow-ups in the last 24 hours.",
    )
    OUTSIDE_SENDING_HOURS = "outside_sending_hours", "Moved to the next time inside working and contact hours."
    REPLANNED = "replanned", "A newer message restarted the cadence while this one was waiting for the provider."
    CONTACTS_MERGED = (
        "contacts_merged",
        "The contact had been recorded twice; the two were merged and the other conversation's follow-up went on.",
    )
    SEND_OUTCOME_UNKNOWN = (
        "send_outcome_unknown",
        "The send started but no outcome was recorded; it is never retried.",
    )
    # Prefixes of a provider's failure, followed by its own words.
    PROVIDER_BUSY = "provider_busy", "The provider was busy; the send was tried again later."
    PROVIDER_UNAVAILABLE = "provider_unavailable", "The provider stayed unavailable after every retry."
    SEND_FAILED = "send_failed", "The provider refused the message."
    # A person's decisions in the console (who: the follow-up's cancelled_by and an engine note).
    PAUSED = "paused", "Follow-ups were paused by a person in the console."
    CANCELLED_BY_PERSON = "cancelled_by_person", "A person cancelled it in the console."


class Note(models.TextChoices):
    """Kinds of the engine's notes on a conversation (shown on Response Info)."""

    REPLANNED = "replanned", "replanned"
    RESUMED = "resumed", "resumed"
    OPTED_OUT = "opted_out", "opted out"
    OPTED_IN = "opted_in", "opted in"
    STOPPED = "stopped", "stopped"
    PAUSED = "paused", "paused"
    CANCELLED = "cancelled", "cancelled"
    REPLIED = "replied", "replied"
