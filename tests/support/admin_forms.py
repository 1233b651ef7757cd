"""The admin's change pages as a browser fills them in: what it would post back."""

from django import forms
from django.urls import reverse


def form_data(response) -> dict[str, str | list[str]]:
    """What the browser would post back: the main form and every inline, as rendered."""
    data: dict[str, str | list[str]] = {}

    def add(form):
        for bf in form:
            value = bf.value()
            if isinstance(bf.field, forms.BooleanField):
                if value:
                    data[bf.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[bf.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bf.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def bot_url(bot) -> str:
    """The bot's page in the admin."""
    return reverse("admin:bots_bot_change", args=[bot.pk])


def bot_change(client, bot) -> tuple[str, dict[str, str | list[str]]]:
    """The bot's admin page and the data its form posts back unchanged."""
    url = bot_url(bot)
    return url, form_data(client.get(url))
