"""The rule classifier against the contract's "What each event does": precedence, the
history rules and robustness (casing, punctuation, emojis, contractions, short forms).

"now" is Friday 2026-03-06 10:00 in America/New_York unless a case says otherwise.
"""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.classifier import classify, get_classifier
from conversations.classifier.rules import classify_rules, keyword_form
from conversations.classifier.types import ClassifyInput, HistoryItem
from vocabulary import Intent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=NY)


def run(text, history=(), booking_link="", now=NOW, tz=NY):
    items = tuple(HistoryItem(direction, body) for direction, body in history)
    return classify_rules(ClassifyInput(text=text, now=now, tz=tz, history=items, booking_link=booking_link))


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


@pytest.mark.parametrize(
    "text, form",
    [
        ("STOP", "stop"),
        ("ｓｔｏｐ", "stop"),
        ("S T O P", "stop"),
        ("S.T.O.P", "stop"),
        ("Stop!!", "stop"),
        ("STOP \U0001f64f", "stop"),
        ("STOP 2", "stop"),
        ("No más", "nomas"),
        ("OPT OUT", "optout"),
        ("Opt-Out", "optout"),
        ("\U0001d412\U0001d413\U0001d40e\U0001d40f", "stop"),
        ("ÚNSTÖP", "unstop"),
        ("Straße", "strasse"),
        ("", ""),
        ("123 \U0001f600", ""),
    ],
)
def test_keyword_form_keeps_only_folded_letters(text, form):
    assert keyword_form(text) == form


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        " stop ",
        "STOP!!!",
        "StopAll",
        "UNSUBSCRIBE",
        "Unsubscribe.",
        "cancel",
        "END",
        "quit",
        "Quit!",
        "OPTOUT",
        "optout",
        "OPT OUT",
        "opt-out",
        "revoke",
        '"stop"',
        "stop \U0001f64f",
        # compared after NFKC, case folding, accents and non-letters removed
        "ｓｔｏｐ",
        "S T O P",
        "S.T.O.P",
        "Stop!!",
        "STOP 🙏",
        "STOP 2",
        "sToP?",
        # Spanish
        "ALTO",
        "Baja",
        "No más",
        "NO MAS",
        "no mas!",
    ],
)
def test_opt_out_keyword(text):
    check(text, Intent.OPT_OUT)


@pytest.mark.parametrize("text", ["START", "start", "Start!", "unstop", "UNSTOP.", "ＳＴＡＲＴ", "S-T-A-R-T"])
def test_opt_in_keyword(text):
    check(text, Intent.OPT_IN)


# --- opt_out in any words (FCC 24-18): a request to stop contact, or not their number ------


@pytest.mark.parametrize(
    "text",
    [
        # the contract's examples
        "stop texting me",
        "stop pls",
        "please stop",
        "opt me out",
        "unsubscribe me",
        "how do I unsubscribe?",
        "remove me from your list",
        "take me off your list",
        "don't text me again",
        "do not contact me",
        "no need to contact me anymore",
        "leave me alone",
        "lose my number",
        "wrong number",
        "I never signed up for this",
        "no me escribas más",
        "STOP STOP",
        "stop now",
        "stop it",
        # more ways to say it
        "please stop texting me",
        "STOP texting me",
        "stop please",
        "Stop please!",
        "stop messaging me",
        "quit calling me",
        "stop sending me messages",
        "stop sending me these",
        "stop with the texts",
        "no more texts",
        "no more messages please",
        "don't text me again.",
        "never text me again",
        "please remove me",
        "please take me off",
        "delete my number",
        "opt me out please",
        "opt out",
        "I want to opt out",
        "unsubscribe",
        "put me on your do not call list",
        "Wrong #",
        "you have the wrong person",
        "this is not my number",
        "who gave you my number?",
        "how did you get my number",
        "I never asked for this",
        "I didn't sign up for this",
        "I don't want any more texts",
        "I don't want to be contacted",
        "no need to follow up.",
        "go away",
        "Go away.",
        "f off",
        "this is spam",
        "I'm going to block you",
        "reporting you",
        "this is harassment",
        "knock it off",
        "quit it",
        "i said stop",
        "can you stop?",
        "I revoke my consent",
        "consider this my withdrawal of consent",
        "I'm done hearing from you",
        "stop it already",
        "stop stop stop",
        "STOP!!! STOP!!!",
        "ok STOP",
        "stop for good",
        "cancel cancel",
        "cancel please",
        "Not interested. STOP",
        "not interested stop",
        "no thanks stop",
        "STOP I'm not interested",
        "Stop. Who is this?",
        # Spanish, accents or not
        "No me mandes más mensajes",
        "Déjame en paz",
        "dejame en paz",
        "no me llames",
        "dejen de escribirme",
        "número equivocado",
        "quiero darme de baja",
        "no quiero recibir mensajes",
        "bórrenme de su lista",
        "gracias, no más",
        # a decline that also asks to stop is opt_out: it comes first
        "not interested, stop texting me",
        "please stop, I'm not interested",
        "not interested, remove me",
        "no thanks, wrong number",
        "I booked, please stop texting me",
        "stop texting me, call me tomorrow at 3",
    ],
)
def test_opt_out_in_words(text):
    check(text, Intent.OPT_OUT)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("stop by", Intent.OTHER),
        ("can I stop in tomorrow?", Intent.OTHER),  # "tomorrow" is about coming by
        ("can I stop by tomorrow?", Intent.OTHER),
        ("please stop by tomorrow", Intent.OTHER),
        ("stop by at 3", Intent.OTHER),
        ("I'll stop in at 3", Intent.OTHER),
        ("cancel my appointment", Intent.OTHER),
        ("I need to cancel my appointment on Friday", Intent.OTHER),
        ("ok cancel", Intent.OTHER),  # cancel, end, quit only bare or pressed
        ("cancel it", Intent.OTHER),
        ("Something came up. Cancel.", Intent.OTHER),
        ("thanks, end", Intent.OTHER),
        ("I quit my job", Intent.OTHER),
        ("I quit", Intent.OTHER),
        ("don't stop", Intent.OTHER),
        ("can't stop thinking about it", Intent.OTHER),
        ("the bus stop", Intent.OTHER),
        ("start over", Intent.OTHER),
        ("when do we start?", Intent.OTHER),
        ("the end", Intent.OTHER),
        ("your email went to my spam folder", Intent.OTHER),
        ("don't call me, text me instead", Intent.OTHER),
        ("not interested", Intent.NOT_INTERESTED),
    ],
)
def test_not_opt_out(text, intent):
    check(text, intent)


@pytest.mark.parametrize("text", ["end of the day", "I'll block out time tomorrow"])
def test_time_phrases_are_not_opt_outs(text):
    assert run(text).intent != Intent.OPT_OUT  # which time intent is the time rules' business


# --- not_interested: declines without asking to stop -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not interested",
        "Not interested, thanks",
        "I'm not interested",
        "im not really interested",
        "not intrested",
        "no longer interested",
        "we went with another company, thanks",
        "we went with another company",
        "found another clinic",
        "we decided to go with a different provider",
        "found someone else",
        "already have a dentist",
        "we've decided not to go ahead",
        "no thanks",
        "No thank you!",
        "nah, I'm good",
        "I'm good",
        "I'm good thanks",
        "I'll pass",
        "not for me",
        "changed my mind",
        "no longer need it",
        "I don't need it",
        "NOT INTERESTED \U0001f621",
        "no me interesa",
        "no, gracias",
        # precedence: not_interested beats a resolvable time and a booking word
        "not interested, maybe next month",
        "no thanks, I booked elsewhere",
    ],
)
def test_not_interested(text):
    check(text, Intent.NOT_INTERESTED)


# --- booked -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I booked",
        "I just booked for Thursday",
        "just scheduled it for Tuesday",
        "ok booked it!",
        "Booked!",
        "booked it",
        "all booked",
        "I've booked an appointment",
        "we booked for friday at 3",
        "I already scheduled an appointment",
        "I already have an appointment",
        "appointment confirmed",
        "it's booked",
        "I made an appointment for next week",
        "just signed up",
        "Thanks. Scheduled for Tuesday",
        "I rescheduled for friday",
        "yep, booked for 2pm tomorrow",
        "BOOKED \u2705",
    ],
)
def test_booked(text):
    check(text, Intent.BOOKED)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("Can I book for tomorrow?", Intent.OTHER),  # asking to book is not booked
        ("how do I book?", Intent.OTHER),
        ("I want to book an appointment", Intent.OTHER),
        ("I'd like to schedule a cleaning", Intent.OTHER),
        ("I haven't booked yet", Intent.OTHER),
        ("did you book me in for tuesday?", Intent.OTHER),
        ("I'm fully booked this week", Intent.BUSY),  # booked up = busy
        ("booked solid today", Intent.BUSY),
        ("I have a dentist appointment", Intent.BUSY),
    ],
)
def test_not_booked(text, intent):
    check(text, intent)


# --- specific_time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
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
        ("driving, call me in 20 minutes", "2026-03-06 10:20"),
        ("I'm at work, text me after 6", "2026-03-06 18:00"),
        ("busy today, call me tomorrow", "2026-03-07 09:00"),
        ("on vacation till monday, call me tuesday", "2026-03-10 09:00"),
        ("I'm booked solid, try next week", "2026-03-09 09:00"),
        ("can you call me to book tomorrow at 3?", "2026-03-07 15:00"),
    ],
)
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


@pytest.mark.parametrize(
    "text",
    [
        "I'm in a meeting",
        "im in a meeting",
        "in a mtg",
        "driving, can't talk",
        "I'm driving",
        "busy rn, talk later",
        "busy",
        "Busy!",
        "sorry, busy",
        "I'll get back to you later",
        "not a good time",
        "not now",
        "Not right now",
        "not today",
        "I'm at work",
        "at work rn",
        "can't right now, I'm with a patient",
        "with a client",
        "cant talk",
        "can't chat rn",
        "ttyl",
        "k ttyl",
        "brb",
        "gtg",
        "talk later",
        "talk soon",
        "later",
        "maybe later",
        "maybe some other time",
        "another day",
        "some other time",
        "I'll call you back",
        "call me back",
        "give me a sec",
        "hold on",
        "on a call",
        "on the phone rn",
        "I'm at lunch",
        "having lunch",
        "out of office",
        "on vacation",
        "traveling this week",
        "I'm tied up",
        "swamped today",
        "in class",
        "at the gym",
        "in the middle of something",
        "later today",
        "sometime this week",
        # a time that only says how long they are busy is not a request (contract v2)
        "in a meeting until 3",
        "on vacation till monday",
        # a time that has passed is not a request
        "call me on March 1, 2026",
        "call me on March 1",
        "call me today",
        "text me today at 9am",
    ],
)
def test_busy(text):
    check(text, Intent.BUSY)


# --- other --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "what are your prices?",
        "yes please",
        "yes",
        "ok",
        "sounds good",
        "sounds good, see you then",
        "who is this?",
        "lol",
        "\U0001f44d",
        "thanks!",
        "how much is whitening?",
        "I have 3 kids",
        "it costs $80?",
        "we are 2 people",
        "I'm in room 5",
        "my number is 555-123-4567",
        "open 24/7?",
        "Can I book for tomorrow?",
        "what are your hours today?",
        "are you open saturday?",
        "do you have anything at 3pm tomorrow?",
        "see you tomorrow at 3",
        "Morning!",
        "good morning, who is this?",
        "have a great weekend",
        "done",
        "all done",
        "just did",
        "thanks for today",
        "call me asap",
        "call me right away",
        "does 4 work?",
        "I called yesterday",
        "what should I bring?",
        "do you take insurance?",
        "hi",
    ],
)
def test_other(text):
    check(text, Intent.OTHER)


@pytest.mark.parametrize(
    "text",
    [
        # negations
        "I'm not busy, go ahead",
        "not busy",
        "I'm not too busy today",
        "no longer busy, what's up?",
        "now is fine",
        "I'm not driving",
        "I don't have class today",
        # questions about the business or its availability
        "do you have any openings this week?",
        "any availability this week?",
        "are you open saturday?",
        "is 3pm available?",
        "what time do you close tomorrow?",
        "are you busy this week?",
        "can I come in sometime this week?",
        # complaints that mention work
        "the booking link isn't working",
        "the link is not working",
        "is it working now?",
        "your site doesn't work",
    ],
)
def test_other_not_busy(text):
    check(text, Intent.OTHER)


@pytest.mark.parametrize(
    "text",
    [
        "I'm working",
        "working rn",
        "still working, sorry",
        "busy this week",
        "call me this week",
        "sometime this week",
        "not this week",
        "maybe later this month",
        "swamped, not free rn",
    ],
)
def test_busy_still_busy(text):
    check(text, Intent.BUSY)


# --- history: short confirmations after a booking link ------------------------------------

BOOKING_LINK_MESSAGES = [
    "Here is our booking link: https://book.example.com/ana-dental",
    "Grab a slot: https://example.com/schedule/ana",
    "Pick a time here www.example.com/calendar",
    "Book here: calendly.com/ana/30min",
]


@pytest.mark.parametrize("outbound", BOOKING_LINK_MESSAGES)
@pytest.mark.parametrize(
    "text",
    ["done", "Done!", "all done", "just did", "did it", "ok done \u2705", "booked it", "yep all set", "finished"],
)
def test_short_confirmation_after_a_booking_link_is_booked(outbound, text):
    check(text, Intent.BOOKED, history=[("outbound", outbound)])


def test_the_bots_own_booking_link_counts_whatever_its_address():
    link = "https://example.com/ana"
    check("done", Intent.BOOKED, history=[("outbound", f"Use {link} to pick a time")], booking_link=link)
    check("done", Intent.OTHER, history=[("outbound", f"Use {link} to pick a time")])


@pytest.mark.parametrize(
    "outbound",
    [
        "Did you finish the intake form?",
        "See our reviews at https://facebook.com/anadental",
        "Directions: https://maps.example.com/ana",
    ],
)
@pytest.mark.parametrize("text", ["done", "all done", "just did"])
def test_short_confirmation_after_anything_else_is_not_booked(outbound, text):
    check(text, Intent.OTHER, history=[("outbound", outbound)])


def test_only_the_last_outbound_counts_for_a_confirmation():
    history = [("outbound", BOOKING_LINK_MESSAGES[0]), ("outbound", "Did you get the form?")]
    check("done", Intent.OTHER, history=history)
    history = [("outbound", BOOKING_LINK_MESSAGES[0]), ("inbound", "one sec")]
    check("done", Intent.BOOKED, history=history)


# --- history: agreeing to a proposed time ---------------------------------------------------


@pytest.mark.parametrize(
    "outbound, expected",
    [
        ("Can I call you tomorrow at 3pm?", "2026-03-07 15:00"),
        ("Would Monday at 10 work for you?", "2026-03-09 10:00"),
        ("How about 4?", "2026-03-06 16:00"),
        ("Shall we talk next week?", "2026-03-09 09:00"),
        ("I can text you in 2 hours, ok?", "2026-03-06 12:00"),
    ],
)
@pytest.mark.parametrize(
    "text",
    ["yes", "Yes please", "sure", "that works", "ok \U0001f44d", "sounds good, see you then", "Perfect, talk then!"],
)
def test_agreeing_to_a_proposed_time(outbound, expected, text):
    result = check(text, Intent.SPECIFIC_TIME, history=[("outbound", outbound)])
    assert local(result.follow_up_at) == expected


def test_agreement_reads_the_last_outbound_only():
    history = [("outbound", "Can I call you tomorrow at 3pm?"), ("outbound", "Also, any questions?")]
    check("yes", Intent.OTHER, history=history)


def test_agreeing_to_a_time_gone_by_is_busy():
    check("sure", Intent.BUSY, history=[("outbound", "Can I call you today at 9am?")])


@pytest.mark.parametrize(
    "text, intent",
    [
        ("no", Intent.OTHER),
        ("not then", Intent.OTHER),
        ("yes, but at 4 instead", Intent.SPECIFIC_TIME),  # its own time wins
        ("can't, I'm driving", Intent.BUSY),
    ],
)
def test_not_agreeing_to_a_proposed_time(text, intent):
    result = check(text, intent, history=[("outbound", "Can I call you tomorrow at 3pm?")])
    if intent == Intent.SPECIFIC_TIME:
        assert local(result.follow_up_at) == "2026-03-06 16:00"


# --- history: a bare time answering "when?" ----------------------------------------------------


@pytest.mark.parametrize(
    "outbound",
    ["What time works?", "When is good for you?", "When's a good time to call?", "What day works best for you?"],
)
@pytest.mark.parametrize(
    "text, expected",
    [
        ("after 3", "2026-03-06 15:00"),
        ("3", "2026-03-06 15:00"),
        ("4 works", "2026-03-06 16:00"),
        ("10", "2026-03-07 10:00"),
        ("tomorrow", "2026-03-07 09:00"),
        ("monday", "2026-03-09 09:00"),
        ("morning", "2026-03-07 09:00"),
        ("Tuesday around 2", "2026-03-10 14:00"),
    ],
)
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


@pytest.mark.parametrize("text", [". " * 5000, "!?" * 5000, "\n" * 5000, "no " * 3000 + "stop"])
def test_long_punctuation_runs_stay_linear(text):
    # "(?:^|[.!?])\s*\W*" once made such a message take seconds.
    start = time.perf_counter()
    run(text)
    assert time.perf_counter() - start < 1.0


# =========================================================================================
# Contract version 2: times in the classifier (precedence 5-7 and the history rules).
# =========================================================================================

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in a meeting till 10, call me at 11", "2026-03-06 11:00"),
        ("in a meeting till 11, call me at 12:30", "2026-03-06 12:30"),
        ("call me at 11, I'm in a meeting till 10", "2026-03-06 11:00"),
        ("busy tomorrow, call me friday", "2026-03-13 09:00"),
        ("in a meeting till 11, call me after", "2026-03-06 11:00"),
        ("tied up till 2pm, then call me", "2026-03-06 14:00"),
        ("call me in a couple of hours", "2026-03-06 12:00"),
        ("try me in half an hour", "2026-03-06 10:30"),
        ("text me at 8 tonight", "2026-03-06 20:00"),
        ("after lunch is better", "2026-03-06 13:00"),
        ("call me at 3.30", "2026-03-06 15:30"),
        ("call me tomorow", "2026-03-07 09:00"),
        ("wednsday works", "2026-03-11 09:00"),
        ("can you call me on the 20th?", "2026-03-20 09:00"),
        ("in 30 minutes", "2026-03-06 10:30"),
        ("tomorrow morning", "2026-03-07 09:00"),
        ("next week", "2026-03-09 09:00"),
        ("half an hour", "2026-03-06 10:30"),
        ("are you free to talk tomorrow?", "2026-03-07 09:00"),  # asks to talk
    ],
)
def test_v2_specific_time(text, expected):
    result = check(text, Intent.SPECIFIC_TIME)
    assert local(result.follow_up_at) == expected


def test_v2_this_weekend_said_on_saturday_is_sunday():
    now = datetime.fromisoformat("2026-04-18T11:00:00-07:00")
    result = run("can we talk this weekend?", now=now, tz=LA)
    assert result.intent == Intent.SPECIFIC_TIME
    assert result.follow_up_at.isoformat() == "2026-04-19T09:00:00-07:00"


@pytest.mark.parametrize(
    "text",
    [
        # a time that only says how long they are busy, or what they are doing then
        "in a meeting till 11",
        "in a meeting till 10",
        "on vacation till monday",
        "surgery till 3",
        "I'm at work till 5 tomorrow",
        "I'm busy tomorrow",
        "can't talk until 2",
        # not resolvable
        "call me in a sec",
        "call me in a bit",
        "in a while",
        "soon",
        "call me later",
        "some other time",
        "another day",
        # in the past, or more than 365 days ahead (never an error)
        "call me on March 1, 2026",
        "call me today",
        "call me in 2 years",
        "text me in 400 days",
        "call me on 12/31/9999 at 11pm",
        "call me in 99999999 days",
        "call me Dec 15, 2027",
    ],
)
def test_v2_busy(text):
    check(text, Intent.BUSY)


@pytest.mark.parametrize(
    "text",
    [
        "I'm not busy, go ahead",
        "now is fine",
        "do you have any openings this week?",
        "are you open saturday?",
        "is 3pm available?",
        "what time do you close tomorrow?",
        "is 4pm free?",
        "are you working tomorrow?",
        "do you work saturdays?",
        "is tomorrow at 3 available?",
        "what time do you open on monday?",
        "are you guys open on the 15th?",
        "the booking link isn't working",
    ],
)
def test_v2_negations_and_questions_about_the_business_are_other(text):
    check(text, Intent.OTHER)


def test_v2_a_state_time_answering_when_says_when_they_are_free():
    result = check("in a meeting till 11", Intent.SPECIFIC_TIME, history=[("outbound", "What time works?")])
    assert local(result.follow_up_at) == "2026-03-06 11:00"
    check("I'm busy tomorrow", Intent.BUSY, history=[("outbound", "What time works?")])


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "sure",
        "ok",
        "that works",
        "sounds good",
        "perfect",
        "yeah no worries",
        "no worries",
        "no problem",
        "sure thing",
        "Yes, that works for me",
        "works for me",
        "ok great thanks",
    ],
)
def test_v2_agreeing_to_a_proposed_time(text):
    result = check(text, Intent.SPECIFIC_TIME, history=[("outbound", "Can I give you a call tomorrow at 2pm?")])
    assert local(result.follow_up_at) == "2026-03-07 14:00"


@pytest.mark.parametrize(
    "outbound",
    [
        "Your appointment is tomorrow at 3pm, can you confirm?",
        "We have an opening tomorrow at 2pm, would you like to book it?",
        "We close at 5pm today, see you soon?",
    ],
)
def test_v2_agreeing_to_an_appointment_time_is_not_a_contact_time(outbound):
    check("yes", Intent.OTHER, history=[("outbound", outbound)])


def test_v2_agreeing_to_a_proposed_time_more_than_365_days_ahead_is_busy():
    check("sure", Intent.BUSY, history=[("outbound", "Shall I call you back on March 7, 2027?")])


@pytest.mark.parametrize("outbound", ["What time works?", "When's a good time to call?"])
@pytest.mark.parametrize(
    "text, expected",
    [
        ("after 3", "2026-03-06 15:00"),
        ("3.30", "2026-03-06 15:30"),
        ("half past 3", "2026-03-06 15:30"),
        ("16:00", "2026-03-06 16:00"),
        ("8 tonight", "2026-03-06 20:00"),
        ("half an hour", "2026-03-06 10:30"),
        ("next week", "2026-03-09 09:00"),
        ("the 15th", "2026-03-15 09:00"),
        ("thurs", "2026-03-12 09:00"),
    ],
)
def test_v2_a_bare_time_answering_when(outbound, text, expected):
    result = check(text, Intent.SPECIFIC_TIME, history=[("outbound", outbound)])
    assert local(result.follow_up_at) == expected


@pytest.mark.parametrize(
    "text, tz, expected",
    [
        ("call me 12/15", ZoneInfo("America/Chicago"), "2026-12-15T09:00:00-06:00"),
        ("call me 15/12", ZoneInfo("Europe/London"), "2026-12-15T09:00:00+00:00"),
        ("call me 3/10", ZoneInfo("Europe/London"), "2026-10-03T09:00:00+01:00"),
        ("call me 3/10", ZoneInfo("Australia/Sydney"), "2026-10-03T09:00:00+10:00"),
    ],
)
def test_v2_numeric_dates_follow_the_contacts_country(text, tz, expected):
    result = run(text, now=NOW.astimezone(tz), tz=tz)
    assert result.intent == Intent.SPECIFIC_TIME
    assert result.follow_up_at.isoformat() == expected


# --- Cancelling or moving an appointment, and questions about the business ----------------


@pytest.mark.parametrize(
    "text",
    [
        "I need to cancel my cleaning on Monday",
        "I need to cancel my dentist appointment tomorrow",
        "please cancel my 3pm",
        "Can I cancel Monday?",
        "cancel tomorrow's session please",
        "I cancelled my appointment for friday",
        "I'm sick, need to cancel tomorrow",
        "I'm driving, need to cancel my appointment",
        "I'll call to cancel my appointment Monday",
        "I want to reschedule my cleaning for Thursday",
        "can we reschedule for next week?",
        "can we reschedule?",
        "please move my appointment to thursday at 3",
        "could you move my cleaning to the afternoon?",
        "I need to change my booking to saturday",
        "I'll have to postpone until next month",
    ],
)
def test_cancelling_or_moving_an_appointment_is_other(text):
    # The contract's "cancel my appointment" is `other`: not a time to be contacted at, and
    # not busy either (a reason given with it included).
    check(text, Intent.OTHER)


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        ("cancel my cleaning monday and call me tuesday", Intent.SPECIFIC_TIME, "2026-03-10 09:00"),
        ("I have to cancel Monday, can you call me Tuesday?", Intent.SPECIFIC_TIME, "2026-03-10 09:00"),
        ("need to reschedule, call me tomorrow", Intent.SPECIFIC_TIME, "2026-03-07 09:00"),
        ("call me at 3 to reschedule", Intent.SPECIFIC_TIME, "2026-03-06 15:00"),
        ("can we reschedule our call to friday?", Intent.SPECIFIC_TIME, "2026-03-13 09:00"),
        ("let's move the call to tomorrow", Intent.SPECIFIC_TIME, "2026-03-07 09:00"),
        ("my 2pm got cancelled, call me then", Intent.SPECIFIC_TIME, "2026-03-06 14:00"),
        ("my flight got cancelled, I'm free tomorrow", Intent.SPECIFIC_TIME, "2026-03-07 09:00"),
        ("cancel my appt, call me later", Intent.BUSY, None),
        ("I rescheduled for friday", Intent.BOOKED, None),
        ("cancel", Intent.OPT_OUT, None),
    ],
)
def test_a_cancellation_does_not_hide_a_request_to_be_contacted(text, intent, expected):
    result = check(text, intent)
    if expected:
        assert local(result.follow_up_at) == expected


@pytest.mark.parametrize(
    "outbound, intent",
    [
        ("Shall we move your cleaning to Friday at 3?", Intent.OTHER),
        ("Would you like to reschedule to Friday at 3?", Intent.OTHER),
        ("Can we move our call to Friday at 3?", Intent.SPECIFIC_TIME),
    ],
)
def test_agreeing_to_move_an_appointment_is_not_a_contact_time(outbound, intent):
    result = check("yes", intent, history=[("outbound", outbound)])
    if intent == Intent.SPECIFIC_TIME:
        assert local(result.follow_up_at) == "2026-03-13 15:00"


@pytest.mark.parametrize(
    "text",
    [
        # someone at the business: in, around, working, back...
        "is Dr. Ruiz in on Friday?",
        "hey is Mike in today?",
        "is the doctor in tomorrow?",
        "will the doctor be in on monday?",
        "will Dr. Lee be back on monday?",
        "Is Amanda back on monday?",
        "is the dentist around this afternoon?",
        "is she working friday?",
        "is Sarah busy tomorrow?",
        "is anyone there on saturday?",
        "are you in on friday?",
        "are you in the office tomorrow?",
        "is it open on sunday?",
        "are they open tomorrow morning?",
        "wondering if Dr. Ruiz is in tomorrow",
        "can you let me know if Dr. Ruiz is in on friday",
        "just checking if the clinic is open tomorrow",
        # what it offers or does
        "Do you offer evening German courses?",
        "do you guys run weekend classes?",
        "does the clinic offer saturday appointments?",
        "do you teach morning classes on tuesday?",
        "do you see kids on saturday?",
        "does Dr. Smith work mondays?",
        "does she work tomorrow?",
        "do you accept walk ins tomorrow?",
        "thanks, do you offer morning sessions?",
        "I was wondering if you offer evening classes",
        "hi! do you do free consultations on saturdays?",
    ],
)
def test_questions_about_the_business_its_people_or_offer_are_other(text):
    check(text, Intent.OTHER)


@pytest.mark.parametrize(
    "text, expected",
    [
        # a question that asks to be contacted at a time
        ("can you call me Friday?", "2026-03-13 09:00"),
        ("could you text me tomorrow at 3?", "2026-03-07 15:00"),
        ("will you call me tomorrow?", "2026-03-07 09:00"),
        ("would you call me at 4?", "2026-03-06 16:00"),
        ("could someone call me tomorrow at 10?", "2026-03-07 10:00"),
        ("do you think you could call me tomorrow?", "2026-03-07 09:00"),
        ("will you be around at 3 to talk?", "2026-03-06 15:00"),
        ("Is Dr. Ruiz available for a call on Friday?", "2026-03-13 09:00"),
        ("is Dr Ruiz free to talk friday?", "2026-03-13 09:00"),
        # the contact proposing a time, in question form: the subject is a time, not the business
        ("does 3pm work for you?", "2026-03-06 15:00"),
        ("does tomorrow work for you?", "2026-03-07 09:00"),
        ("tomorrow at 3, does that work for you?", "2026-03-07 15:00"),
        ("how about friday, does that work?", "2026-03-13 09:00"),
        ("is tomorrow in the afternoon ok?", "2026-03-07 14:00"),
        ("is in 2 hours fine?", "2026-03-06 12:00"),
    ],
)
def test_questions_asking_to_be_contacted_stay_specific_time(text, expected):
    result = check(text, Intent.SPECIFIC_TIME)
    assert local(result.follow_up_at) == expected


@pytest.mark.parametrize(
    "text, now, tz",
    [
        ("I need to cancel my cleaning on Monday", "2026-06-03T09:00:00+01:00", "Europe/London"),
        ("Do you offer evening German courses?", "2026-12-14T19:30:00+01:00", "Europe/Berlin"),
        ("is Dr. Ruiz in on Friday?", "2026-10-09T11:00:00-07:00", "America/Phoenix"),
    ],
)
def test_the_labelled_examples_about_appointments_and_the_business(text, now, tz):
    check(text, Intent.OTHER, now=datetime.fromisoformat(now), tz=ZoneInfo(tz))


def test_v2_classifying_is_fast():
    texts = [
        "call me tomorrow at 3pm",
        "in a meeting till 11, call me at 12:30",
        "hi",
        "what are your prices? we are 2 people and would like to come in on friday",
    ] * 50
    start = time.perf_counter()
    for text in texts:
        run(text)
    assert (time.perf_counter() - start) / len(texts) < 0.005  # well under 5 ms a message
