"""Previews of a cadence for the console: a scenario run from a sample moment (the bot's
page) and the steps still to come after a live follow-up (Response Info).

Times come from rules.projection, which plans and checks each step with the engine's own
rules; texts from compose.rule_text, what compose sends when no model writes the text. No
model is called here: a text the AI will write is announced as such, with the template that
goes out if the model fails.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bots.models import Bot, Scenario
from rules.projection import Hours, ProjectedStep, Route, project, project_rest
from scheduling.compose import ai_model, rule_text, text_values
from scheduling.models import FollowUp

SAMPLE_FIRST_NAME = "Alex"


@dataclass(frozen=True)
class StepPreview:
    projected: ProjectedStep
    text: str  # what it would say; "" when it would be skipped
    by_ai: bool = False  # the model writes it at send time; `text` is the template if that fails


def hours_of(bot: Bot, contact_tz: ZoneInfo) -> Hours:
    """The bot's saved hours and limits, for a contact in `contact_tz`."""
    return Hours(
        working=bot.windows(),
        bot_tz=bot.tz,
        contact_window=bot.contact_window(),
        contact_tz=contact_tz,
        daily_limit=bot.max_follow_ups_per_day,
        late_cutoff=bot.late_cutoff,
    )


def sample_run(bot: Bot, scenario: Scenario, moment: datetime, contact_tz: ZoneInfo) -> list[StepPreview]:
    """Every step of the scenario for a sample contact (Alex, in `contact_tz`) who never
    answers, triggered at `moment`: the bot's last message (stopped replying), the contact's
    busy message, or the requested time. The daily limit counts these follow-ups only.
    Raises CadenceError for a stored cadence the rules can't read."""
    projected = project(scenario.kind, scenario.delays, moment, hours_of(bot, contact_tz))
    return with_texts(bot, scenario, projected, first_name=SAMPLE_FIRST_NAME, previous=None)


def coming_next(
    follow_up: FollowUp, *, now: datetime, sends: Iterable[datetime], previous: str | None
) -> list[StepPreview]:
    """The steps after a live follow-up if the contact doesn't answer, the live one taken by
    the dispatcher at its planned time (or now, when that has passed). `follow_up` comes with
    its scenario, conversation, bot (and its working windows) and contact at hand; `sends`:
    when the bot's follow-ups went out to the contact (the daily limit); `previous`: the text
    of the conversation's last follow-up sent (a template never repeats it)."""
    conversation = follow_up.conversation
    bot, contact, scenario = conversation.bot, conversation.contact, follow_up.scenario
    route = Route(
        channel=conversation.channel,
        channel_switching=bot.channel_switching,
        has_phone=bool(contact.phone),
        last_inbound_at=conversation.last_inbound_at,
    )
    projected = project_rest(
        follow_up.kind,
        scenario.delays,
        step=follow_up.step,
        due_at=follow_up.due_at,
        planned_at=follow_up.planned_at,
        late_from=follow_up.lateness_reference,
        hours=hours_of(bot, contact.tz),
        now=now,
        sends=sends,
        route=route,
    )
    return with_texts(bot, scenario, projected, first_name=contact.first_name, previous=previous)[1:]


def with_texts(
    bot: Bot, scenario: Scenario, projected: list[ProjectedStep], *, first_name: str, previous: str | None
) -> list[StepPreview]:
    values = text_values(bot, first_name)
    model = ai_model(bot)
    previews = []
    for step in projected:
        if not step.sent:
            previews.append(StepPreview(step, ""))
            continue
        text, _ = rule_text(scenario, step.step, values, previous)
        previews.append(StepPreview(step, text, by_ai=bool(model) and scenario.custom_text(step.step) is None))
        previous = text
    return previews
