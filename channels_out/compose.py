"""The text of a follow-up: the scenario's custom message, an AI text, or a built-in template."""

from channels_out.text import fill, template_text


def compose(follow_up) -> tuple[str, str]:
    """(text, source). Source says how it was made, for the Response Info page."""
    conversation = follow_up.conversation
    bot, contact, scenario = conversation.bot, conversation.contact, follow_up.scenario
    values = {"first_name": contact.first_name, "business_name": bot.name, "booking_link": bot.booking_link}
    if scenario.use_custom_message and scenario.custom_message.strip():
        return fill(scenario.custom_message, **values), "custom"
    return template_text(follow_up.kind, **values), "template"
