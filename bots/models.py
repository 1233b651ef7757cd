import datetime
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Account
from bots.numbers import validate_sms_sender, validate_whatsapp_sender
from rules.cadence import CadenceError, Delay, parse_cadence
from rules.working_hours import WEEKDAYS
from vocabulary import ScenarioKind

SPAMMY_CADENCE_HELP = (
    "Delays between follow-ups, in order, like <code>5m, 15m, 1d</code> (m = minutes, h = hours, "
    "d = days, at least 1 minute each, at most 10). Day delays keep the local time of day in the bot's "
    "time zone. Be gentle: more than 3 follow-ups within an hour, or more than 5 within a day, counted "
    "from the first follow-up, read as spam and drive opt-outs (STOP) and carrier filtering; the admin "
    "asks you to accept such a cadence before saving it."
)


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA names zoneinfo knows, but "localtime" (the server's own zone, no IANA name)."""
    return frozenset(zoneinfo.available_timezones()) - {"localtime"}


def validate_timezone(value: str) -> None:
    """A known name, checked against the list rather than by opening a file named by the
    input (a directory such as "America", or a very long name, raise OSError there)."""
    if value and value not in known_time_zones():
        shown = f'"{value}"' if len(value) <= 64 else "This"
        raise ValidationError(f"{shown} is not a time zone. Use an IANA name such as America/New_York.")


class Bot(models.Model):
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,  # a business with bots is not deleted by accident
        related_name="bots",
        verbose_name="business",
        help_text="The business (location) this bot works for: only its members see the bot and its contacts.",
    )
    name = models.CharField(max_length=200, help_text="Shown to contacts as the business name.")
    active = models.BooleanField(default=True, help_text="Follow-ups are never sent while the bot is inactive.")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA time zone, e.g. America/New_York. Working hours are read in it.",
    )
    auto_follow_up = models.BooleanField(
        "Auto Follow-Up goal",
        default=True,
        help_text="The bot's Auto Follow-Up goal: when off, none of its scenarios plans anything.",
    )
    channel_switching = models.BooleanField(
        default=True,
        help_text="Follow up by SMS when live chat has gone quiet, or when Facebook, Instagram or "
        "WhatsApp are past their 24-hour window (needs the contact's phone number).",
    )
    contact_hours_enabled = models.BooleanField(
        "contact hours",
        default=True,
        help_text="Send follow-ups only inside the contact's own local hours below (the bot's time zone "
        "when the contact's is unknown), as well as inside working hours. On for new bots; bots made "
        "before contact hours existed have it off until you switch it on.",
    )
    contact_hours_start = models.TimeField("contact hours from", default=datetime.time(8, 0))
    contact_hours_end = models.TimeField(
        "contact hours until",
        default=datetime.time(21, 0),
        help_text="The window includes its start and excludes its end; an end before the start runs past midnight.",
    )
    max_follow_ups_per_day = models.PositiveSmallIntegerField(
        "daily limit per contact",
        null=True,
        blank=True,
        default=3,
        help_text="The most follow-ups one contact receives from this bot in any 24 hours; a step "
        "over the limit is skipped (daily_limit) and the cadence goes on. Empty: no limit. New bots "
        "get 3; bots made before the limit existed have none until you set one.",
    )
    late_cutoff = models.DurationField(
        default=datetime.timedelta(hours=2),
        help_text="A follow-up that could only go out longer than this after its planned time (after "
        "an outage, say) is skipped (too_late) instead of reaching the contact out of context. "
        "Written like 02:00:00.",
    )
    booking_link = models.URLField(blank=True, help_text="Where contacts book; used in messages.")
    ai_model = models.CharField(
        "AI model",
        max_length=200,
        blank=True,
        help_text="A litellm model name (e.g. gpt-4o-mini). Empty: built-in rules and message templates.",
    )
    business_context = models.TextField(blank=True, help_text="What the AI may say about the business.")
    sms_from = models.CharField(
        "SMS sender number",
        max_length=32,
        blank=True,
        validators=[validate_sms_sender],
        help_text="E.164 number (+15551234567) or a 5-6 digit short code; empty uses the TWILIO_SMS_FROM setting.",
    )
    whatsapp_from = models.CharField(
        "WhatsApp sender number",
        max_length=32,
        blank=True,
        validators=[validate_whatsapp_sender],
        help_text="E.164 number (+15551234567); empty uses the TWILIO_WHATSAPP_FROM setting.",
    )
    connector_url = models.URLField(
        blank=True,
        help_text="Your connector for Facebook, Instagram and live chat: follow-ups "
        "on those channels are POSTed there as signed JSON.",
    )
    connector_secret = models.CharField(
        max_length=200, blank=True, help_text="Shared secret for the connector's HMAC-SHA256 signature."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def contact_window(self) -> tuple[datetime.time, datetime.time] | None:
        """The daily contact-hours window, or None when contact hours are off."""
        if not self.contact_hours_enabled:
            return None
        return self.contact_hours_start, self.contact_hours_end

    def clean(self):
        if self.contact_hours_enabled and self.contact_hours_start == self.contact_hours_end:
            raise ValidationError(
                {
                    "contact_hours_end": "Contact hours must end at another time than they "
                    "start (switch contact hours off to send at any hour)."
                }
            )

    def windows(self):
        """Working windows as the pure rules take them: {weekday: [(start, end)]}."""
        windows: dict[int, list] = {}
        for w in self.working_windows.all():
            windows.setdefault(w.weekday, []).append((w.start, w.end))
        return windows

    def scenario(self, kind):
        return next((s for s in self.scenarios.all() if s.kind == kind), None)

    def live_scenario(self, kind):
        """The scenario of `kind` when it may plan follow-ups now, else None."""
        scenario = self.scenario(kind)
        return scenario if scenario is not None and scenario.is_on(self) else None


class WorkingWindow(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="working_windows")
    weekday = models.IntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(null=True, blank=True, help_text="Empty means midnight (end of the day).")

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self):
        end = self.end.strftime("%H:%M") if self.end else "24:00"
        return f"{WEEKDAYS[self.weekday]} {self.start:%H:%M}-{end}"

    def clean(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": "A window must end after it starts (leave empty for midnight)."})


# Cadence a new bot's scenarios start with.
DEFAULT_CADENCES = {
    ScenarioKind.STOPPED_REPLYING: "1h, 1d",
    ScenarioKind.BUSY: "2h, 1d",
    ScenarioKind.SPECIFIC_TIME: "1d",
}


class Scenario(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="scenarios")
    kind = models.CharField(max_length=32, choices=ScenarioKind.choices)
    enabled = models.BooleanField(default=True)
    cadence = models.CharField(max_length=200, blank=True, help_text=SPAMMY_CADENCE_HELP)
    use_custom_message = models.BooleanField(
        default=False, help_text="Send the text below instead of an AI-generated message."
    )
    custom_messages = models.JSONField(
        "custom texts",
        default=list,
        blank=True,
        help_text="One text per step, in order; the last one serves the steps beyond. "
        "Placeholders: {first_name}, {business_name}, {booking_link}.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "kind"], name="one_scenario_of_each_kind")]
        ordering = ["bot", "kind"]

    def __str__(self):
        return f"{self.bot}: {self.get_kind_display()}"

    def is_on(self, bot: "Bot") -> bool:
        """Whether the scenario plans and sends: enabled, and the bot's Auto Follow-Up goal on.
        `bot` is the scenario's bot, passed in because callers already hold it."""
        return self.enabled and bot.auto_follow_up

    def custom_text(self, step: int) -> str | None:
        """The owner's text for `step` (1-based): its own, else the last one; None when unused."""
        raw = self.custom_messages
        texts = [t for t in ([raw] if isinstance(raw, str) else raw or []) if isinstance(t, str) and t.strip()]
        if not self.use_custom_message or not texts:
            return None
        return texts[min(step, len(texts)) - 1]

    @property
    def delays(self) -> list[Delay]:
        return parse_cadence(self.cadence, allow_empty=self.kind == ScenarioKind.SPECIFIC_TIME)

    def clean(self):
        errors = {}
        try:
            parse_cadence(self.cadence, allow_empty=self.kind == ScenarioKind.SPECIFIC_TIME)
        except CadenceError as exc:
            errors["cadence"] = str(exc)
        if self.use_custom_message:
            from rules.texts import PlaceholderError, check_placeholders

            texts = self.custom_messages if isinstance(self.custom_messages, list) else None
            if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
                errors["custom_messages"] = "Write the custom text (one per step), or untick “use custom message”."
            else:
                for number, text in enumerate(texts, start=1):
                    try:
                        check_placeholders(text)
                    except PlaceholderError as exc:
                        errors["custom_messages"] = f"Text {number}: {exc}" if len(texts) > 1 else str(exc)
                        break
        if errors:
            raise ValidationError(errors)
