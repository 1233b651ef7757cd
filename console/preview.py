"""What the previews show: on the bot's page, each enabled scenario laid out from a sample
moment (templates/console/bot_preview.html); on Response Info, the steps still to come after
a live follow-up ("Coming next"). The times and texts come from scheduling/preview.py; here
they are worded and formatted in the bot's and the contact's zones."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest

from bots.models import Bot, known_time_zones
from console.display import label, local
from conversations.models import Contact, Conversation
from rules.cadence import CadenceError
from rules.localtime import at_local
from rules.projection import ProjectedStep
from scheduling import preview
from scheduling.clock import system_clock
from scheduling.compose import ai_model
from scheduling.models import FollowUp
from scheduling.preview import SAMPLE_FIRST_NAME, StepPreview, sample_run
from vocabulary import Reason, ScenarioKind

PREVIEW_FROM = "preview_from"  # GET parameter: the sample moment, local to the bot
PREVIEW_ZONE = "preview_zone"  # GET parameter: the sample contact's IANA zone
MOMENT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
SAMPLE_HOUR = time(10)
# A sample moment far from today reaches nothing useful, and near the calendar's ends a
# cadence of day delays would run past year 9999.
YEARS = range(2000, 2101)

# What step 1 counts from, by scenario, in the order the preview shows them.
STARTS: dict[str, str] = {
    ScenarioKind.STOPPED_REPLYING: "The bot's last message, at {at}: {name} never answers it.",
    ScenarioKind.BUSY: "{name}'s message saying they are busy, at {at}.",
    ScenarioKind.SPECIFIC_TIME: "{name} asked to be contacted at {at}: that is step 1, the cadence follows it.",
}
SKIPPED: dict[str, str] = {
    Reason.NO_SENDING_WINDOW: "no time inside both working hours and contact hours within 7 days",
    Reason.TOO_LATE: "too late: past the bot's late cut-off",
    Reason.OUTSIDE_MESSAGING_WINDOW: "past the platform's 24-hour window, and no phone number for SMS",
}


@dataclass(frozen=True)
class PreviewRow:
    step: str  # "1 of 3"
    at: str  # in the bot's zone
    contact_at: str  # in the contact's zone; "" when it is the bot's
    note: str  # deferred or skipped, and why; "" when it goes out on time
    text: str
    by_ai: bool
    skipped: bool


@dataclass(frozen=True)
class ScenarioPreview:
    scenario: str
    cadence: str
    starts: str
    rows: list[PreviewRow] = field(default_factory=list)
    error: str = ""  # a stored cadence the rules can't read


@dataclass(frozen=True)
class BotPreview:
    moment: str  # the sample moment as the form field shows it
    zone: str  # the sample contact's zone, as the form field shows it
    bot_zone: str
    applied: list[str]  # what the times take into account
    scenarios: list[ScenarioPreview]
    off: list[str]  # the scenarios that plan nothing
    goal_off: bool
    ai_model: str
    contact_name: str = SAMPLE_FIRST_NAME


def default_moment(now: datetime, tz: ZoneInfo) -> datetime:
    """The first weekday (Monday to Friday) 10:00 in `tz` after `now`."""
    day = now.astimezone(tz).date()
    for offset in range(8):
        candidate = at_local(day + timedelta(days=offset), SAMPLE_HOUR, tz)
        if candidate.astimezone(tz).weekday() < 5 and candidate > now:
            return candidate
    raise AssertionError("a week always has a weekday")  # pragma: no cover


def parse_moment(text: str, tz: ZoneInfo) -> datetime | None:
    """`YYYY-MM-DDTHH:MM` read in `tz` (a time in a DST gap moves on by the gap), or None."""
    try:
        naive = datetime.strptime(text.strip(), MOMENT_FORMAT)
    except ValueError:
        return None
    if naive.year not in YEARS:
        return None
    return at_local(naive.date(), naive.time(), tz)


def parse_zone(text: str) -> ZoneInfo | None:
    name = text.strip()
    return ZoneInfo(name) if name in known_time_zones() else None


def step_note(step: ProjectedStep, due: str, daily_limit: int | None) -> str:
    """Why a projected step does not go out when its cadence says: deferred (from `due`, its
    due time as the page shows it, and by what) or skipped; "" when it goes out on time."""
    if not step.sent:
        if step.reason == Reason.DAILY_LIMIT:
            why = f"daily limit ({daily_limit} in any 24 hours)"
        else:
            why = SKIPPED.get(step.reason) or label(Reason, step.reason)
        return f"Skipped: {why}. The next step counts from this time."
    if step.deferred:
        return f"Deferred from {due} by {' and '.join(step.deferred_by) or 'the sending hours'}."
    return ""


def shown_at(step: ProjectedStep) -> datetime:
    """When a step goes out; for a skipped one, the time it keeps its place at."""
    return step.at if step.sent else step.planned_at


def rows(previews: list[StepPreview], bot_tz: ZoneInfo, contact_tz: ZoneInfo, daily_limit: int | None):
    same_zone = bot_tz.key == contact_tz.key
    return [
        PreviewRow(
            step=f"{p.projected.step} of {p.projected.steps_total}",
            at=local(shown_at(p.projected), bot_tz),
            contact_at="" if same_zone else local(shown_at(p.projected), contact_tz),
            note=step_note(p.projected, local(p.projected.due_at, bot_tz), daily_limit),
            text=p.text,
            by_ai=p.by_ai,
            skipped=not p.projected.sent,
        )
        for p in previews
    ]


def bot_preview(bot: Bot, moment: datetime, contact_tz: ZoneInfo) -> BotPreview:
    """Each scenario of the saved bot that plans follow-ups, run from `moment` for a sample
    contact in `contact_tz` who never answers."""
    bot_tz = bot.tz
    scenarios, off = [], []
    order: list[str] = list(STARTS)
    for scenario in sorted(bot.scenarios.all(), key=lambda s: order.index(s.kind) if s.kind in order else len(order)):
        label = scenario.get_kind_display()
        if not scenario.is_on(bot):
            off.append(label)
            continue
        starts = STARTS.get(scenario.kind, "Its trigger, at {at}.").format(
            at=local(moment, bot_tz), name=SAMPLE_FIRST_NAME
        )
        try:
            previews = sample_run(bot, scenario, moment, contact_tz)
        except CadenceError as exc:
            scenarios.append(ScenarioPreview(label, scenario.cadence, starts, error=str(exc)))
            continue
        scenarios.append(
            ScenarioPreview(
                label,
                scenario.cadence or "none",
                starts,
                rows(previews, bot_tz, contact_tz, bot.max_follow_ups_per_day),
            )
        )
    return BotPreview(
        moment=moment.astimezone(bot_tz).strftime(MOMENT_FORMAT),
        zone=contact_tz.key,
        bot_zone=bot.timezone,
        applied=applied(bot, contact_tz),
        scenarios=scenarios,
        off=off,
        goal_off=not bot.auto_follow_up,
        ai_model=ai_model(bot),
    )


def applied(bot: Bot, contact_tz: ZoneInfo) -> list[str]:
    """What the times take into account, one line each."""
    working = "as set on this page" if any(bot.windows().values()) else "none set, so always open"
    window = bot.contact_window()
    contact = (
        f"{window[0]:%H:%M}-{window[1]:%H:%M} in {SAMPLE_FIRST_NAME}'s time ({contact_tz.key})"
        if window is not None
        else "off"
    )
    limit = bot.max_follow_ups_per_day
    daily = f"{limit} in any 24 hours (counting this scenario's follow-ups only)" if limit is not None else "none"
    return [f"Working hours: {working}.", f"Contact hours: {contact}.", f"Daily limit: {daily}."]


def for_request(request: HttpRequest, bot: Bot) -> BotPreview:
    """The bot page's preview from its GET parameters: a value that can't be read is
    replaced by the default and said in a message (on GET only: a refused save shows the
    form again and says what is wrong with it instead)."""
    bot = Bot.objects.prefetch_related("working_windows", "scenarios").get(pk=bot.pk)
    tz = bot.tz
    moment = default_moment(system_clock.now(), tz)
    warn = request.method == "GET"
    raw = request.GET.get(PREVIEW_FROM, "").strip()
    if raw:
        parsed = parse_moment(raw, tz)
        if parsed is not None:
            moment = parsed
        elif warn:
            messages.warning(
                request,
                f"Preview: “{raw[:40]}” is not a date and time like {moment.astimezone(tz):{MOMENT_FORMAT}} "
                f"(years {YEARS.start}-{YEARS.stop - 1}); the preview starts from "
                f"{local(moment, tz)} instead.",
            )
    contact_tz = tz
    raw = request.GET.get(PREVIEW_ZONE, "").strip()
    if raw:
        zone = parse_zone(raw)
        if zone is not None:
            contact_tz = zone
        elif warn:
            messages.warning(
                request,
                f"Preview: “{raw[:64]}” is not a time zone (use an IANA name such as Europe/London); "
                f"the sample contact is in the bot's zone, {bot.timezone}, instead.",
            )
    return bot_preview(bot, moment, contact_tz)


# --- Response Info: coming next -----------------------------------------------------------

LIVE = (FollowUp.Status.PENDING, FollowUp.Status.SENDING)


@dataclass(frozen=True)
class ComingRow:
    """A step still to come, projected for a contact who doesn't answer."""

    step: str  # "2 of 3"
    at: str  # in the bot's zone
    contact_at: str  # in the contact's zone
    note: str
    text: str
    by_ai: bool
    skipped: bool


@dataclass(frozen=True)
class ComingNext:
    """A conversation's live follow-up and the rest of its cadence after it."""

    after: FollowUp
    after_at: str  # its planned time, in the bot's zone
    scenario: str
    channel: str
    rows: list[ComingRow]
    note: str = ""  # why nothing (more) is projected
    ai_model: str = ""


def coming_next(
    contact: Contact, conversations: list[Conversation], follow_ups: list[FollowUp], now: datetime | None = None
) -> list[ComingNext]:
    """For each running conversation with a live follow-up, the rest of its cadence, from
    what Response Info already read (no query): `contact` with its bot, the bot's working
    windows and the opt-outs at hand; `follow_ups`: all of the contact's, with their scenarios.
    Nothing for an opted-out contact or a stopped or paused conversation: nothing goes out."""
    if list(contact.opt_outs.all()):
        return []
    bot = contact.bot
    bot_tz, contact_tz = bot.tz, contact.tz
    now = now or system_clock.now()
    sent = [f for f in follow_ups if f.status == FollowUp.Status.SENT and f.finished_at is not None]
    sends = [f.finished_at for f in sent if f.finished_at is not None]
    found = []
    for conversation in conversations:
        live = [f for f in follow_ups if f.conversation_id == conversation.pk and f.status in LIVE]
        # Stopped, or paused by a person (scheduling/controls.py): nothing goes out.
        if conversation.stopped or getattr(conversation, "paused", False) or not live:
            continue
        follow_up = min(live, key=lambda f: (f.planned_at, f.pk))
        conversation.bot, conversation.contact, follow_up.conversation = bot, contact, conversation
        sent_here = [f for f in sent if f.conversation_id == conversation.pk]
        previous = max(sent_here, key=lambda f: (f.finished_at, f.pk)).text if sent_here else None
        rows: list[ComingRow] = []
        note = ""
        if not bot.active:
            note = "The bot is switched off: nothing goes out while it stays off."
        elif not follow_up.scenario.is_on(bot):
            note = "The scenario is switched off: the planned follow-up is skipped and nothing follows it."
        else:
            try:
                steps = preview.coming_next(follow_up, now=now, sends=sends, previous=previous)
            except CadenceError:
                steps, note = [], "The scenario's cadence can't be read: nothing is projected."
            rows = [
                ComingRow(
                    step=f"{p.projected.step} of {p.projected.steps_total}",
                    at=local(shown_at(p.projected), bot_tz),
                    contact_at=local(shown_at(p.projected), contact_tz),
                    note=step_note(
                        p.projected,
                        f"{local(p.projected.due_at, bot_tz)} / {local(p.projected.due_at, contact_tz)}",
                        bot.max_follow_ups_per_day,
                    ),
                    text=p.text,
                    by_ai=p.by_ai,
                    skipped=not p.projected.sent,
                )
                for p in steps
            ]
            if not rows and not note:
                note = "It is the cadence's last step: nothing follows it."
        found.append(
            ComingNext(
                after=follow_up,
                after_at=local(follow_up.planned_at, bot_tz),
                scenario=follow_up.get_kind_display(),
                channel=conversation.get_channel_display(),
                rows=rows,
                note=note,
                ai_model=ai_model(bot),
            )
        )
    return found
