"""The rule classifier against the contract's "What each event does": precedence, the
history rules and robustness (casing, punctuation, emojis, contractions, short forms).

"now" is Friday 2026-03-06 10:00 in America/New_York unless a case says otherwise.
"""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.classifier import classify, get_classifier
from conversations.classifier.rules import classify_rules
from conversations.classifier.types import ClassifyInput, HistoryItem, Intent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=NY)


def run(text, history=(), booking_link="", now=NOW, tz=NY):
    items = tuple(HistoryItem(direction, body) for direction, body in history)
    return classify_rules(ClassifyInput(text=text, now=now, tz=tz, history=items,
                                        booking_link=booking_link))


def local(when):
    return when.astimezone(NY).strftime("%Y-%m-%d %H:%M")


def check(text, intent, **kwargs):
    result = run(text, **kwargs)
    assert result.intent == intent, f"{text!r} -> {result.intent}"
    if intent != Intent.SPECIFIC_TIME:
        assert result.follow_up_at is None
    assert result.source == "rules"
    return result


# --- opt_out / opt_in: the whole message is the keyword -----------------------------------

@pytest.mark.parametrize("text", [
    "STOP", "stop", "Stop.", " stop ", "STOP!!!", "StopAll", "UNSUBSCRIBE", "Unsubscribe.",
    "cancel", "END", "quit", "Quit!", "OPTOUT", "optout", "revoke", "\"stop\"", "stop \U0001f64f",
])
def test_opt_out_keyword(text):
    check(text, Intent.OPT_OUT)


@pytest.mark.parametrize("text", ["START", "start", "Start!", "unstop", "UNSTOP."])
def test_opt_in_keyword(text):
    check(text, Intent.OPT_IN)


@pytest.mark.parametrize("text, intent", [
    ("stop please", Intent.NOT_INTERESTED),       # not the keyword alone
    ("please stop", Intent.NOT_INTERESTED),
    ("STOP texting me", Intent.NOT_INTERESTED),
    ("cancel my appointment", Intent.OTHER),
    ("can I stop by tomorrow?", Intent.OTHER),    # "stop by" is a visit
    ("start over", Intent.OTHER),
    ("when do we start?", Intent.OTHER),
    ("the end", Intent.OTHER),
])
def test_keywords_inside_a_sentence_are_not_carrier_keywords(text, intent):
    check(text, intent)


# --- not_interested -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "not interested", "Not interested, thanks", "I'm not interested", "im not really interested",
    "not intrested", "no longer interested", "please stop texting me", "stop messaging me",
    "quit calling me", "stop sending me messages", "don't text me again.", "do not contact me",
    "remove me from your list", "please remove me", "take me off your list", "lose my number",
    "unsubscribe me", "opt me out", "wrong number", "Wrong #", "you have the wrong person",
    "leave me alone", "go away", "we went with another company, thanks",
    "we decided to go with a different provider", "found someone else", "already have a dentist",
    "no thanks", "No thank you!", "nah, I'm good", "I'm good thanks", "I'll pass",
    "not for me", "changed my mind", "no longer need it", "I don't need it", "this is spam",
    "f off", "never signed up for this", "NOT INTERESTED \U0001f621",
    # precedence: not_interested beats a resolvable time and a booking word
    "not interested, maybe next month", "no thanks, I booked elsewhere",
])
def test_not_interested(text):
    check(text, Intent.NOT_INTERESTED)


# --- booked -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I booked", "I just booked for Thursday", "just scheduled it for Tuesday", "ok booked it!",
    "Booked!", "booked it", "all booked", "I've booked an appointment", "we booked for friday at 3",
    "I already scheduled an appointment", "I already have an appointment", "appointment confirmed",
    "it's booked", "I made an appointment for next week", "just signed up", "Thanks. Scheduled for Tuesday",
    "I rescheduled for friday", "yep, booked for 2pm tomorrow", "BOOKED \u2705",
])
def test_booked(text):
    check(text, Intent.BOOKED)


@pytest.mark.parametrize("text, intent", [
    ("Can I book for tomorrow?", Intent.OTHER),          # asking to book is not booked
    ("how do I book?", Intent.OTHER),
    ("I want to book an appointment", Intent.OTHER),
    ("I'd like to schedule a cleaning", Intent.OTHER),
    ("I haven't booked yet", Intent.OTHER),
    ("did you book me in for tuesday?", Intent.OTHER),
    ("I'm fully booked this week", Intent.BUSY),         # booked up = busy
    ("booked solid today", Intent.BUSY),
    ("I have a dentist appointment", Intent.BUSY),
])
def test_not_booked(text, intent):
    check(text, intent)


# --- specific_time ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("call me tomorrow at 3pm", "2026-03-07 15:00"),
    ("Call me tmrw @ 3", "2026-03-07 15:00"),
    ("text me at 4", "2026-03-06 16:00"),
    ("can u text me around 4?", "2026-03-06 16:00"),
    ("try me in 2 hours", "2026-03-06 12:00"),
    ("try again in 2 hrs pls", "2026-03-06 12:00"),
    ("call me back in 10", "2026-03-06 10:10"),
    ("give me 20 mins", "2026-03-06 10:20"),
    ("in 30 minutes", "2026-03-06 10:30"),
    ("in an hour", "2026-03-06 11:00"),
    ("in half an hour", "2026-03-06 10:30"),
    ("can you reach out next Tuesday?", "2026-03-10 09:00"),
    ("hit me up monday morning", "2026-03-09 09:00"),
    ("message me tonight", "2026-03-06 19:00"),
    ("reach out next week", "2026-03-09 09:00"),
    ("follow up next month please", "2026-04-01 09:00"),
    ("ping me end of the month", "2026-03-31 09:00"),
    ("can we talk this weekend?", "2026-03-07 09:00"),
    ("text me at lunch", "2026-03-06 12:00"),
    ("call after 5pm", "2026-03-06 17:00"),
    ("talk tomorrow?", "2026-03-07 09:00"),
    ("tomorrow is better", "2026-03-07 09:00"),
    ("Friday works", "2026-03-13 09:00"),
    ("how about thursday?", "2026-03-12 09:00"),
    ("what about 4?", "2026-03-06 16:00"),
    ("4pm?", "2026-03-06 16:00"),
    ("I'm free after 3", "2026-03-06 15:00"),
    ("I'm available monday", "2026-03-09 09:00"),
    ("next week", "2026-03-09 09:00"),
    ("tomorrow morning", "2026-03-07 09:00"),
    ("monday at 10", "2026-03-09 10:00"),
    ("in 3 days", "2026-03-09 10:00"),
    ("text me on the 15th", "2026-03-15 09:00"),
    ("call me March 20", "2026-03-20 09:00"),
    ("call me 3/20", "2026-03-20 09:00"),
    ("let's do thursday at 11am", "2026-03-12 11:00"),
    ("thx, talk tmrw", "2026-03-07 09:00"),
    ("I'll get back to you tomorrow", "2026-03-07 09:00"),
    ("Tuesday afternoon works", "2026-03-10 14:00"),
    ("this evening works, text me then", "2026-03-06 18:00"),
    ("CALL ME AT 3:30!!!", "2026-03-06 15:30"),
    ("call me at 3 \U0001f64f", "2026-03-06 15:00"),
    ("same time tomorrow", "2026-03-07 10:00"),
    ("tonight at 8", "2026-03-06 20:00"),
    # busy plus a resolvable time is a request for that time
    ("busy now, call me at 5", "2026-03-06 17:00"),
    ("in a meeting until 3", "2026-03-06 15:00"),
    ("driving, call me in 20 minutes", "2026-03-06 10:20"),
    ("I'm at work, text me after 6", "2026-03-06 18:00"),
    ("busy today, call me tomorrow", "2026-03-07 09:00"),
    ("on vacation till monday", "2026-03-09 09:00"),
    ("I'm booked solid, try next week", "2026-03-09 09:00"),
    ("can you call me to book tomorrow at 3?", "2026-03-07 15:00"),
])
def test_specific_time(text, expected):
    result = check(text, Intent.SPECIFIC_TIME)
    assert local(result.follow_up_at) == expected


def test_specific_time_is_in_the_contacts_zone():
    chicago = ZoneInfo("America/Chicago")
    now = datetime.fromisoformat("2026-11-24T16:30:00-06:00")
    result = run("call me at 3", now=now, tz=chicago)
    assert result.intent == Intent.SPECIFIC_TIME
    assert result.follow_up_at.isoformat() == "2026-11-25T15:00:00-06:00"


# --- busy ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I'm in a meeting", "im in a meeting", "in a mtg", "driving, can't talk", "I'm driving",
    "busy rn, talk later", "busy", "Busy!", "sorry, busy", "I'll get back to you later",
    "not a good time", "not now", "Not right now", "not today", "I'm at work", "at work rn",
    "can't right now, I'm with a patient", "with a client", "cant talk", "can't chat rn",
    "ttyl", "k ttyl", "brb", "gtg", "talk later", "talk soon", "later", "maybe later",
    "maybe some other time", "another day", "some other time", "I'll call you back",
    "call me back", "give me a sec", "hold on", "on a call", "on the phone rn",
    "I'm at lunch", "having lunch", "out of office", "on vacation", "traveling this week",
    "I'm tied up", "swamped today", "in class", "at the gym", "in the middle of something",
    "later today", "sometime this week",
    # a time that has passed is not a request
    "call me on March 1, 2026", "call me on March 1", "call me today",
    "text me today at 9am",
])
def test_busy(text):
    check(text, Intent.BUSY)


# --- other --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "what are your prices?", "yes please", "yes", "ok", "sounds good", "sounds good, see you then",
    "who is this?", "lol", "\U0001f44d", "thanks!", "how much is whitening?", "I have 3 kids",
    "it costs $80?", "we are 2 people", "I'm in room 5", "my number is 555-123-4567",
    "open 24/7?", "Can I book for tomorrow?", "what are your hours today?",
    "are you open saturday?", "do you have anything at 3pm tomorrow?", "see you tomorrow at 3",
    "Morning!", "good morning, who is this?", "have a great weekend", "done", "all done",
    "just did", "thanks for today", "call me asap", "call me right away", "does 4 work?",
    "I called yesterday", "what should I bring?", "do you take insurance?", "hi",
])
def test_other(text):
    check(text, Intent.OTHER)


# --- history: short confirmations after a booking link ------------------------------------

BOOKING_LINK_MESSAGES = [
    "Here is our booking link: https://book.example.com/ana-dental",
    "Grab a slot: https://example.com/schedule/ana",
    "Pick a time here www.example.com/calendar",
    "Book here: calendly.com/ana/30min",
]


@pytest.mark.parametrize("outbound", BOOKING_LINK_MESSAGES)
@pytest.mark.parametrize("text", ["done", "Done!", "all done", "just did", "did it", "ok done \u2705",
                                  "booked it", "yep all set", "finished"])
def test_short_confirmation_after_a_booking_link_is_booked(outbound, text):
    check(text, Intent.BOOKED, history=[("outbound", outbound)])


def test_the_bots_own_booking_link_counts_whatever_its_address():
    link = "https://example.com/ana"
    check("done", Intent.BOOKED, history=[("outbound", f"Use {link} to pick a time")],
          booking_link=link)
    check("done", Intent.OTHER, history=[("outbound", f"Use {link} to pick a time")])


@pytest.mark.parametrize("outbound", [
    "Did you finish the intake form?",
    "See our reviews at https://facebook.com/anadental",
    "Directions: https://maps.example.com/ana",
])
@pytest.mark.parametrize("text", ["done", "all done", "just did"])
def test_short_confirmation_after_anything_else_is_not_booked(outbound, text):
    check(text, Intent.OTHER, history=[("outbound", outbound)])


def test_only_the_last_outbound_counts_for_a_confirmation():
    history = [("outbound", BOOKING_LINK_MESSAGES[0]), ("outbound", "Did you get the form?")]
    check("done", Intent.OTHER, history=history)
    history = [("outbound", BOOKING_LINK_MESSAGES[0]), ("inbound", "one sec")]
    check("done", Intent.BOOKED, history=history)


# --- history: agreeing to a proposed time ---------------------------------------------------

@pytest.mark.parametrize("outbound, expected", [
    ("Can I call you tomorrow at 3pm?", "2026-03-07 15:00"),
    ("Would Monday at 10 work for you?", "2026-03-09 10:00"),
    ("How about 4?", "2026-03-06 16:00"),
    ("Shall we talk next week?", "2026-03-09 09:00"),
    ("I can text you in 2 hours, ok?", "2026-03-06 12:00"),
])
@pytest.mark.parametrize("text", ["yes", "Yes please", "sure", "that works", "ok \U0001f44d",
                                  "sounds good, see you then", "Perfect, talk then!"])
def test_agreeing_to_a_proposed_time(outbound, expected, text):
    result = check(text, Intent.SPECIFIC_TIME, history=[("outbound", outbound)])
    assert local(result.follow_up_at) == expected


def test_agreement_reads_the_last_outbound_only():
    history = [("outbound", "Can I call you tomorrow at 3pm?"), ("outbound", "Also, any questions?")]
    check("yes", Intent.OTHER, history=history)


def test_agreeing_to_a_time_gone_by_is_busy():
    check("sure", Intent.BUSY, history=[("outbound", "Can I call you today at 9am?")])


@pytest.mark.parametrize("text, intent", [
    ("no", Intent.OTHER),
    ("not then", Intent.OTHER),
    ("yes, but at 4 instead", Intent.SPECIFIC_TIME),  # its own time wins
    ("can't, I'm driving", Intent.BUSY),
])
def test_not_agreeing_to_a_proposed_time(text, intent):
    result = check(text, intent, history=[("outbound", "Can I call you tomorrow at 3pm?")])
    if intent == Intent.SPECIFIC_TIME:
        assert local(result.follow_up_at) == "2026-03-06 16:00"


# --- history: a bare time answering "when?" ----------------------------------------------------

@pytest.mark.parametrize("outbound", ["What time works?", "When is good for you?",
                                      "When's a good time to call?", "What day works best for you?"])
@pytest.mark.parametrize("text, expected", [
    ("after 3", "2026-03-06 15:00"),
    ("3", "2026-03-06 15:00"),
    ("4 works", "2026-03-06 16:00"),
    ("10", "2026-03-07 10:00"),
    ("tomorrow", "2026-03-07 09:00"),
    ("monday", "2026-03-09 09:00"),
    ("morning", "2026-03-07 09:00"),
    ("Tuesday around 2", "2026-03-10 14:00"),
])
def test_bare_time_answering_when(outbound, text, expected):
    result = check(text, Intent.SPECIFIC_TIME, history=[("outbound", outbound)])
    assert local(result.follow_up_at) == expected


def test_bare_number_without_a_when_question_is_not_a_time():
    check("3", Intent.OTHER)
    check("3", Intent.OTHER, history=[("outbound", "How many people are coming?")])


# --- entry point --------------------------------------------------------------------

def test_classify_uses_the_rules_without_a_model(settings):
    settings.LLM_MODEL = ""
    assert get_classifier("") is classify_rules
    inp = ClassifyInput(text="call me at 3", now=NOW, tz=NY)
    assert classify(inp) == classify_rules(inp)

