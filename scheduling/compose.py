"""The text of a follow-up: the scenario's custom message, an AI text, or a built-in template."""

import logging

from django.conf import settings
from django.db.models import OuterRef, Subquery

from channels_out.ai_text import AITextError, ai_text, failure_reason
from rules.texts import fill, not_repeating, same_text, templates_in_line
from scheduling.models import FollowUp

log = logging.getLogger("followups.compose")


LOOK_UP = object()


def compose(follow_up, *, previous=LOOK_UP) -> tuple[str, str]:
    """(text, source). Source says how it was made, for the Response Info page.

    A custom text is the owner's words and goes out as written; a template or AI text that
    would repeat the conversation's previous follow-up gives way to the next template.
    `previous`: that follow-up's text (None: there is none), when the caller read it for a
    whole batch (previous_texts); else one query reads it here.
    """
    conversation = follow_up.conversation
    bot, contact, scenario = conversation.bot, conversation.contact, follow_up.scenario
    values = text_values(bot, contact.first_name)
    model = ai_model(bot)
    custom = scenario.custom_text(follow_up.step) is not None
    if previous is LOOK_UP:
        previous = None if custom else previous_text(follow_up)  # a custom text goes out as written
    if custom or not model:
        return rule_text(scenario, follow_up.step, values, previous)
    in_line = templates_in_line(follow_up.kind, follow_up.step, **values)
    try:
        text = ai_text(follow_up, model)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the contact still gets the template
        if isinstance(exc, AITextError):
            log.warning("AI text for follow-up %s rejected: %s", follow_up.pk, exc)
        else:
            log.warning("AI text for follow-up %s failed (%s): %s", follow_up.pk, type(exc).__name__, exc)
        text, avoided = not_repeating(in_line, previous)
        repeat = "; repeat avoided" if avoided else ""
        return text, _fit(f"template (ai failed: {failure_reason(exc)}{repeat})")
    if same_text(text, previous):
        return not_repeating(in_line, previous)[0], "template (ai repeated itself)"
    return text, _fit(f"ai:{model}")


def text_values(bot, first_name: str) -> dict[str, str]:
    """What the placeholders are filled with."""
    return {"first_name": first_name, "business_name": bot.name, "booking_link": bot.booking_link}


def ai_model(bot) -> str:
    """The model that writes the bot's follow-ups; empty: custom texts and templates only."""
    return bot.ai_model or settings.LLM_MODEL


def rule_text(scenario, step: int, values: dict[str, str], previous: str | None) -> tuple[str, str]:
    """(text, source) without a model: the owner's custom text for the step, placeholders
    filled, else the step's built-in template, or the next in line when it would repeat
    `previous` (the conversation's last follow-up text). The previews show this too."""
    custom = scenario.custom_text(step)
    if custom is not None:
        return fill(custom, **values), "custom"
    text, avoided = not_repeating(templates_in_line(scenario.kind, step, **values), previous)
    return text, "template (repeat avoided)" if avoided else "template"


def previous_text(follow_up) -> str | None:
    """The text of the last follow-up sent in this conversation, whatever its scenario."""
    return (
        FollowUp.objects.filter(conversation_id=follow_up.conversation_id, status=FollowUp.Status.SENT)
        .exclude(pk=follow_up.pk)
        .order_by("-finished_at", "-id")
        .values_list("text", flat=True)
        .first()
    )


def previous_texts(follow_ups) -> dict[int, str | None]:
    """follow-up id -> previous_text(it), for a whole batch in one query."""
    last_sent = (
        FollowUp.objects.filter(conversation_id=OuterRef("conversation_id"), status=FollowUp.Status.SENT)
        .exclude(pk=OuterRef("pk"))
        .order_by("-finished_at", "-id")
        .values("text")[:1]
    )
    rows = FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups]).annotate(previous_text=Subquery(last_sent))
    return dict(rows.values_list("pk", "previous_text"))


def _fit(source: str) -> str:
    # text_source is a short column: a long model name must not make the send fail to record.
    return source[: FollowUp._meta.get_field("text_source").max_length]
