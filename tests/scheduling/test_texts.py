"""Follow-up texts as contacts get them: built-in templates per step, custom texts per step,
and never the same built-in or AI text twice in a row in one conversation."""

import pytest

from rules.texts import TEMPLATES, not_repeating, same_text, template_text, templates_in_line
from scheduling import events
from scheduling.compose import compose, previous_text, previous_texts
from scheduling.models import FollowUp
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.checks import present
from tests.support.engine import send_pending

KINDS = ("stopped_replying", "busy", "specific_time")
LINK = "https://brightsmile.example/book"
VALUES = {"first_name": "Maria", "business_name": "Bright Smile Dental", "booking_link": LINK}
NO_LINK = {**VALUES, "booking_link": ""}
# What the factories' bot fills in for Maria.
QUIET_VALUES = {**VALUES, "business_name": "Ana Dental", "booking_link": "https://book.example.com/ana"}


def every_text(values):
    return [template_text(kind, step, **values) for kind in KINDS for step in range(1, len(TEMPLATES[kind]) + 1)]


# --- Built-in templates ------------------------------------------------------------------


@pytest.mark.parametrize("values", [VALUES, NO_LINK], ids=["booking link", "no booking link"])
def test_every_step_of_every_scenario_has_its_own_text(values):
    texts = every_text(values)
    assert len(texts) == len(set(texts)) >= 12
    assert all(len(TEMPLATES[kind]) >= 4 for kind in KINDS)


def test_templates_carry_the_booking_link_only_when_the_bot_has_one():
    assert all(LINK in text for text in every_text(VALUES))
    assert not any("http" in text or "book here" in text.lower() for text in every_text(NO_LINK))


def test_templates_greet_the_contact_by_first_name_else_there():
    assert all(text.split(",")[0] in ("Hi Maria", "Hello Maria", "Hey Maria") for text in every_text(VALUES))
    for unknown in ("", "   "):
        texts = every_text({**VALUES, "first_name": unknown})
        assert all(text.split(",")[0] in ("Hi there", "Hello there", "Hey there") for text in texts)


def test_templates_fit_one_sms_segment():
    # GSM characters only (a curly quote would turn the message into 70-character segments).
    for text in every_text(VALUES) + every_text(NO_LINK):
        assert len(text) <= 160 and text.isascii(), text


def test_steps_beyond_the_templates_start_them_again():
    n = len(TEMPLATES["busy"])
    assert template_text("busy", n + 1, **VALUES) == template_text("busy", 1, **VALUES)
    assert template_text("busy", n + 2, **VALUES) == template_text("busy", 2, **VALUES)


def test_the_next_template_in_line_replaces_a_repeat():
    line = list(templates_in_line("busy", 2, **VALUES))
    assert line[0] == template_text("busy", 2, **VALUES) and len(line) == len(TEMPLATES["busy"])
    assert not_repeating(line, line[0]) == (line[1], True)
    assert not_repeating(line, "  " + line[0].upper()) == (line[1], True)  # case and spacing don't make it new
    assert not_repeating(line, None) == (line[0], False)
    assert same_text("Hi  Ana", "hi ana") and not same_text("Hi Ana", None)


# --- Through the dispatcher ----------------------------------------------------------------


def send_next(conversation, c):
    """Move the clock to the pending follow-up and let the real dispatcher send it."""
    follow_up, sender = send_pending(conversation, c)
    assert follow_up.status == FollowUp.Status.SENT, (follow_up.status, follow_up.reason)
    assert [m.text for m in sender.sent] == [follow_up.text]
    return follow_up


def bot_writes_again(conversation, c):
    """At 10:06, after step 1 went out: the cadence starts over."""
    c.set(at("2026-03-06T10:06:00-05:00"))
    events.record_outbound(conversation, "We have openings on Tuesday too.", clock=c)


@pytest.fixture
def quiet(settings):
    """A conversation gone quiet after the bot's message, on a bot without a model."""
    settings.LLM_MODEL = ""

    def make(cadence="5m, 15m, 1h", **bot_fields):
        conversation = make_conversation(
            make_bot(cadences={"stopped_replying": cadence}, **bot_fields), first_name="Maria"
        )
        c = clock()
        events.record_outbound(conversation, "Would you like to book a cleaning?", clock=c)
        return conversation, c

    return make


@pytest.mark.django_db
def test_each_step_gets_its_own_template(quiet):
    conversation, c = quiet()
    sent = [send_next(conversation, c) for _ in range(3)]
    assert [f.text for f in sent] == [template_text("stopped_replying", n, **QUIET_VALUES) for n in (1, 2, 3)]
    assert {f.text_source for f in sent} == {"template"}


@pytest.mark.django_db
def test_a_restarted_cadence_does_not_repeat_the_previous_follow_up(quiet):
    conversation, c = quiet()
    first = send_next(conversation, c)
    bot_writes_again(conversation, c)  # the cadence starts over at step 1, whose template was just sent
    again = send_next(conversation, c)
    assert again.step == 1
    assert again.text != first.text
    assert again.text == list(templates_in_line("stopped_replying", 1, **QUIET_VALUES))[1]
    assert again.text_source == "template (repeat avoided)"
    assert len(again.text_source) <= present(FollowUp._meta.get_field("text_source").max_length)


@pytest.mark.django_db
def test_custom_texts_follow_the_steps_and_the_last_serves_beyond(quiet):
    conversation, c = quiet(cadence="5m, 15m, 1h, 1d")
    scenario = conversation.bot.scenario("stopped_replying")
    scenario.use_custom_message = True
    scenario.custom_messages = ["Hi {first_name}, still thinking about it?", "Book at {business_name}: {booking_link}"]
    scenario.full_clean()
    scenario.save()
    sent = [send_next(conversation, c) for _ in range(4)]
    assert [f.text for f in sent] == [
        "Hi Maria, still thinking about it?",
        "Book at Ana Dental: https://book.example.com/ana",
        "Book at Ana Dental: https://book.example.com/ana",  # the owner's words go out as written, repeats too
        "Book at Ana Dental: https://book.example.com/ana",
    ]
    assert {f.text_source for f in sent} == {"custom"}


@pytest.mark.django_db
def test_a_custom_text_for_an_unknown_name_says_there(quiet):
    conversation, c = quiet()
    conversation.contact.first_name = ""
    conversation.contact.save()
    scenario = conversation.bot.scenario("stopped_replying")
    scenario.use_custom_message, scenario.custom_messages = True, ["Hi {first_name}!"]
    scenario.save()
    assert send_next(conversation, c).text == "Hi there!"


@pytest.mark.django_db
def test_an_ai_text_equal_to_the_previous_one_gives_way_to_a_template(quiet, settings):
    conversation, c = quiet(ai_model="gpt-4o-mini")
    in_line = list(templates_in_line("stopped_replying", 2, **QUIET_VALUES))
    # The model says step 2's template word for word, twice: step 1 sends it, step 2 may not
    # repeat it, and step 2's template is that very text, so the next one in line goes.
    settings.LLM_MOCK_RESPONSE = in_line[0]
    first = send_next(conversation, c)
    second = send_next(conversation, c)
    assert (first.text, first.text_source) == (in_line[0], "ai:gpt-4o-mini")
    assert (second.text, second.text_source) == (in_line[1], "template (ai repeated itself)")


@pytest.mark.django_db
def test_a_failed_model_twice_at_step_one_still_does_not_repeat(quiet, settings):
    conversation, c = quiet(ai_model="gpt-4o-mini")
    settings.LLM_MOCK_RESPONSE = ""  # an empty answer: refused, the template goes out
    first = send_next(conversation, c)
    bot_writes_again(conversation, c)
    again = send_next(conversation, c)
    assert first.text_source == "template (ai failed: empty)"
    assert again.text != first.text and again.text_source == "template (ai failed: empty; repeat avoided)"


@pytest.mark.django_db
def test_the_previous_text_can_be_read_for_a_whole_batch(quiet, django_assert_num_queries):
    conversation, c = quiet()
    first = send_next(conversation, c)
    quiet()  # a second conversation, nothing sent yet
    pending = list(
        FollowUp.objects.filter(status=FollowUp.Status.PENDING).select_related(
            "scenario", "conversation__bot", "conversation__contact"
        )
    )
    with django_assert_num_queries(1):
        found = previous_texts(pending)
    assert found == {f.pk: previous_text(f) for f in pending}
    assert set(found.values()) == {None, first.text}
    mine = next(f for f in pending if f.conversation_id == conversation.pk)
    with django_assert_num_queries(0):  # given the batch's answer, compose asks nothing more
        text, source = compose(mine, previous=found[mine.pk])
    assert (text, source) == compose(mine) and text != first.text
