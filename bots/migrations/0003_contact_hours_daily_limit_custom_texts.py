"""Contract version 2: contact hours, a daily limit per contact, and custom texts per step.

Existing bots keep behaving as before: contact hours off and no daily limit until the owner
turns them on. Only bots created from now on get the new defaults (08:00-21:00, 3 a day).
Each existing custom message becomes the one text of its scenario's list.
"""

import datetime

from django.db import migrations, models


def texts_to_lists(apps, schema_editor):
    Scenario = apps.get_model("bots", "Scenario")
    for scenario in Scenario.objects.exclude(custom_message=""):
        scenario.custom_messages = [scenario.custom_message]
        scenario.save(update_fields=["custom_messages"])


def lists_to_texts(apps, schema_editor):
    Scenario = apps.get_model("bots", "Scenario")
    for scenario in Scenario.objects.all():
        texts = scenario.custom_messages or []
        scenario.custom_message = texts[0] if texts else ""
        scenario.save(update_fields=["custom_message"])


class Migration(migrations.Migration):

    dependencies = [
        ("bots", "0002_action_runs"),
    ]

    operations = [
        # Existing rows get the "as before" value; the default for new bots follows.
        migrations.AddField(
            model_name="bot",
            name="contact_hours_enabled",
            field=models.BooleanField(default=False, verbose_name="contact hours"),
        ),
        migrations.AlterField(
            model_name="bot",
            name="contact_hours_enabled",
            field=models.BooleanField(
                default=True, verbose_name="contact hours",
                help_text="Send follow-ups only inside the contact's own local hours below (the bot's time zone "
                "when the contact's is unknown), as well as inside working hours. On for new bots; bots made "
                "before contact hours existed have it off until you switch it on.",
            ),
        ),
        migrations.AddField(
            model_name="bot",
            name="contact_hours_start",
            field=models.TimeField(default=datetime.time(8, 0), verbose_name="contact hours from"),
        ),
        migrations.AddField(
            model_name="bot",
            name="contact_hours_end",
            field=models.TimeField(
                default=datetime.time(21, 0), verbose_name="contact hours until",
                help_text="The window includes its start and excludes its end; an end before the start "
                "runs past midnight.",
            ),
        ),
        migrations.AddField(
            model_name="bot",
            name="max_follow_ups_per_day",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="daily limit per contact"),
        ),
        migrations.AlterField(
            model_name="bot",
            name="max_follow_ups_per_day",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, default=3, verbose_name="daily limit per contact",
                help_text="The most follow-ups one contact receives from this bot in any 24 hours; a step "
                "over the limit is skipped (daily_limit) and the cadence goes on. Empty: no limit. New bots "
                "get 3; bots made before the limit existed have none until you set one.",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="custom_messages",
            field=models.JSONField(
                blank=True, default=list, verbose_name="custom texts",
                help_text="One text per step, in order; the last one serves the steps beyond. "
                "Placeholders: {first_name}, {business_name}, {booking_link}.",
            ),
        ),
        migrations.RunPython(texts_to_lists, lists_to_texts),
        migrations.RemoveField(model_name="scenario", name="custom_message"),
        migrations.AlterField(
            model_name="scenario",
            name="cadence",
            field=models.CharField(
                blank=True, max_length=200,
                help_text="Delays between follow-ups, in order, like <code>5m, 15m, 1d</code> (m = minutes, "
                "h = hours, d = days, at least 1 minute each, at most 10). Day delays keep the local time of "
                "day in the bot's time zone. Be gentle: more than 3 follow-ups within an hour, or more than 5 "
                "within a day, counted from the first follow-up, read as spam and drive opt-outs (STOP) and "
                "carrier filtering; the admin asks you to accept such a cadence before saving it.",
            ),
        ),
    ]
