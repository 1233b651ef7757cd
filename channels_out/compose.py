"""The text of a follow-up: the scenario's custom message, an AI text, or a built-in template."""

import logging

from django.conf import settings

from channels_out.ai_text import AITextError, ai_text, failure_reason
from channels_out.text import fill, template_text

log = logging.getLogger("followups.compose")


def compose(follow_up) -> tuple[str, str]:
    """(text, source). Source says how it was made, for the Response Info page."""
    conversation = follow_up.conversation
    bot, contact, scenario = conversation.bot, conversation.contact, follow_up.scenario
    values = {"first_name": contact.first_name, "business_name": bot.name, "booking_link": bot.booking_link}
    if scenario.use_custom_message and scenario.custom_message.strip():
        return fill(scenario.custom_message, **values), "custom"
    model = bot.ai_model or settings.LLM_MODEL
    if not model:
        return template_text(follow_up.kind, **values), "template"
    try:
        return ai_text(follow_up, model), _fit(f"ai:{model}")
    except Exception as exc:  # noqa: BLE001 - whatever broke, the contact still gets the template
        if isinstance(exc, AITextError):
            log.warning("AI text for follow-up %s rejected: %s", follow_up.pk, exc)
        else:
            log.warning("AI text for follow-up %s failed (%s): %s", follow_up.pk, type(exc).__name__, exc)
        return template_text(follow_up.kind, **values), _fit(f"template (ai failed: {failure_reason(exc)})")


def _fit(source: str) -> str:
    # text_source is a short column: a long model name must not make the send fail to record.
    from scheduling.models import FollowUp

    return source[: FollowUp._meta.get_field("text_source").max_length]
