"""Upgrading to contract version 2 leaves existing bots behaving as before: contact hours
off, no daily limit, and each custom message kept as the one text of its list."""

import pytest

BEFORE = [("bots", "0002_action_runs")]
AFTER = [("bots", "0003_contact_hours_daily_limit_custom_texts")]


@pytest.mark.django_db(transaction=True)
def test_existing_bots_keep_the_old_behaviour_and_their_texts(migrate):
    old = migrate(BEFORE)
    Bot, Scenario = old.get_model("bots", "Bot"), old.get_model("bots", "Scenario")
    bot = Bot.objects.create(name="Old clinic", timezone="America/New_York")
    Scenario.objects.create(
        bot=bot, kind="busy", cadence="2h", use_custom_message=True, custom_message="Hi {first_name},\nstill busy?"
    )
    Scenario.objects.create(bot=bot, kind="stopped_replying", cadence="1h")
    new = migrate(AFTER)
    bot = new.get_model("bots", "Bot").objects.get(pk=bot.pk)
    assert (bot.contact_hours_enabled, bot.max_follow_ups_per_day) == (False, None)
    texts = dict(new.get_model("bots", "Scenario").objects.values_list("kind", "custom_messages"))
    assert texts == {"busy": ["Hi {first_name},\nstill busy?"], "stopped_replying": []}
