"""Properties of the pure time rules, over generated input (Hypothesis). No database.

- resolve_requested_time: any text, any `now` (2000-2100), any IANA zone: never raises; a
  time it returns is aware and not before `now`.
- find_requested_time (with or without bare hours) and the rule classifier: never raise; a
  usable time or a specific_time is after `now` and at most 365 days ahead.
- parse_cadence: any text: raises nothing but CadenceError; an accepted cadence has 1-10
  steps, each at least a minute (and at most 365 days).
- Delay.after: never goes backwards (always strictly later than its start).
- next_open: never before its input, and always inside a working window.
"""

import string
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conversations.classifier.requested_time import find_requested_time, resolve_requested_time
from conversations.classifier.rules import classify_rules
from conversations.classifier.time_phrases import MAX_AHEAD
from conversations.classifier.types import ClassifyInput, HistoryItem
from rules.cadence import MAX_DELAY, MAX_STEPS, CadenceError, Delay, parse_cadence
from rules.localtime import at_local
from rules.working_hours import next_open
from vocabulary import Intent

PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Some zones (Asia/Tehran, America/Caracas...) hold zoneinfo's most unusual transitions.
ZONES = sorted(zoneinfo.available_timezones())
zones = st.sampled_from(ZONES).map(ZoneInfo)

# Aware instants 2000-2100, in UTC or any zone (the rules must not care which).
instants = st.builds(
    lambda naive, tz: naive.replace(tzinfo=UTC).astimezone(tz),
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)),
    st.one_of(st.just(ZoneInfo("UTC")), zones),
)

# --- the requested-time resolver --------------------------------------------------------

# Counts and years run to absurd values: past the calendar's end is "no time", not an error.
numbers = st.one_of(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=10**20))
small = st.integers(min_value=0, max_value=61)
number_words = st.sampled_from(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty-five",
        "a",
        "an",
        "a couple of",
        "a few",
        "half an",
    ]
)
weekdays = st.sampled_from(
    [
        "monday",
        "mon",
        "tuesday",
        "tue",
        "tues",
        "wednesday",
        "wed",
        "weds",
        "thursday",
        "thu",
        "thurs",
        "friday",
        "fri",
        "saturday",
        "sat",
        "sunday",
        "sun",
        "Tuesday",
        "FRIDAY",
        "wensday",
        "thrusday",
    ]
)
months = st.sampled_from(
    [
        "january",
        "jan",
        "feb",
        "february",
        "march",
        "mar",
        "april",
        "may",
        "june",
        "jul",
        "august",
        "sept",
        "october",
        "nov",
        "december",
        "Dec",
    ]
)
parts_of_day = st.sampled_from(
    [
        "morning",
        "in the morning",
        "afternoon",
        "this afternoon",
        "evening",
        "this evening",
        "tonight",
        "noon",
        "midday",
        "midnight",
        "lunch",
        "end of day",
        "arvo",
        "am",
        "pm",
    ]
)
meridiem = st.sampled_from(["", "am", "pm", " am", " pm", "a.m.", "p.m.", "AM", "PM", "ish", " oclock", " o'clock"])
units = st.sampled_from(
    [
        "minute",
        "minutes",
        "min",
        "mins",
        "hour",
        "hours",
        "hr",
        "hrs",
        "h",
        "m",
        "day",
        "days",
        "d",
        "week",
        "weeks",
        "wk",
        "fortnight",
        "month",
        "months",
    ]
)
years = st.one_of(st.integers(1990, 2110), st.integers(0, 99999))


@st.composite
def clock_phrases(draw):
    h, m = draw(st.integers(0, 27)), draw(small)
    return draw(
        st.sampled_from(
            [
                f"at {h}",
                f"at {h}{draw(meridiem)}",
                f"{h}{draw(meridiem)}",
                f"{h}:{m:02d}",
                f"at {h}:{m:02d}{draw(meridiem)}",
                f"around {h}",
                f"after {h}",
                f"by {h}",
                f"@{h}",
                f"at {draw(number_words)}",
                f"half past {draw(number_words)}",
                f"quarter to {h}",
                f"{h}-{draw(st.integers(0, 13))}{draw(meridiem)}",
                f"{draw(number_words)} oclock",
                "noon",
                "midnight",
            ]
        )
    )


@st.composite
def day_phrases(draw):
    mon, d = draw(months), draw(st.integers(0, 33))
    return draw(
        st.sampled_from(
            [
                "today",
                "tomorrow",
                "tmrw",
                "2moro",
                "the day after tomorrow",
                "yesterday",
                draw(weekdays),
                f"next {draw(weekdays)}",
                f"this {draw(weekdays)}",
                f"on {draw(weekdays)}",
                "next week",
                "this weekend",
                "next weekend",
                "end of the week",
                "next month",
                "end of the month",
                "end of next month",
                "next year",
                f"{mon} {d}",
                f"{mon} {d}th",
                f"{d} {mon}",
                f"{d}th of {mon}",
                f"{mon} {d}, {draw(years)}",
                f"{draw(st.integers(0, 13))}/{d}",
                f"{draw(st.integers(0, 13))}/{d}/{draw(years)}",
                f"{draw(years)}-{draw(st.integers(0, 13)):02d}-{d:02d}",
                f"the {d}th",
                f"on the {d}st",
                "the 1st of the month",
                f"the {d}th of next month",
                "same time tomorrow",
                "same time next week",
            ]
        )
    )


@st.composite
def offset_phrases(draw):
    n = draw(st.one_of(numbers.map(str), number_words, st.decimals(0, 100, places=1).map(str)))
    return draw(
        st.sampled_from(
            [
                f"in {n} {draw(units)}",
                f"in {n}{draw(units)}",
                f"in about {n} {draw(units)}",
                f"{n} {draw(units)} from now",
                f"give me {n} {draw(units)}",
                f"in {n} and a half {draw(units)}",
                f"call me in {draw(st.integers(0, 99))}",
                f"in {n}-{draw(numbers)} {draw(units)}",
            ]
        )
    )


fillers = st.sampled_from(
    [
        "",
        "call me",
        "text me",
        "can you call",
        "how about",
        "maybe",
        "please",
        "ok",
        "im busy",
        "busy today",
        "not today",
        "good morning",
        "have a nice day",
        "I have 3 kids",
        "$80",
        "room 5",
        "24/7",
        "every monday",
        "later",
        "some other time",
        "thanks!",
        "?",
        ",",
        "-",
        "or",
        "and",
        "then",
        "works",
        "would be great",
        "cancel my cleaning",
        "can we reschedule",
        "reschedule our call",
        "my 2pm got cancelled",
        "is Dr. Ruiz in",
        "do you offer",
        "does that work",
    ]
)
phrases = st.lists(
    st.one_of(clock_phrases(), day_phrases(), offset_phrases(), parts_of_day, fillers), min_size=1, max_size=6
).map(" ".join)
texts = st.one_of(
    st.text(max_size=120),
    phrases,
    st.builds(lambda a, b: a + b, phrases, st.text(alphabet=string.printable, max_size=20)),
)


@PROPERTY
@given(text=texts, now=instants, tz=zones)
@example(text="tomorrow at 4pm", now=datetime(2026, 3, 7, 12, tzinfo=UTC), tz=ZoneInfo("America/New_York"))
@example(text="at 2:30 am", now=datetime(2026, 3, 8, 6, tzinfo=UTC), tz=ZoneInfo("America/New_York"))  # DST gap
@example(text="at 1:30am", now=datetime(2026, 11, 1, 5, 40, tzinfo=UTC), tz=ZoneInfo("America/New_York"))
@example(text="in 0 minutes", now=datetime(2030, 1, 1, tzinfo=UTC), tz=ZoneInfo("UTC"))
@example(text="on 12/31/2099 at 11pm", now=datetime(2099, 12, 30, tzinfo=UTC), tz=ZoneInfo("Pacific/Kiritimati"))
def test_the_requested_time_is_never_an_error_and_never_in_the_past(text, now, tz):
    when = resolve_requested_time(text, now, tz)
    if when is not None:
        assert when.tzinfo is not None and when.utcoffset() is not None
        # In UTC: two datetimes sharing a tzinfo compare by wall clock, wrong across DST.
        assert when.astimezone(UTC) >= now.astimezone(UTC)


def _within_a_year(when, now, tz) -> bool:
    """At most 365 days ahead, as an instant or in local wall-clock time (a DST change
    between the two can make one of them an hour longer)."""
    instant = when.astimezone(UTC) - now.astimezone(UTC)
    wall = when.astimezone(tz).replace(tzinfo=None) - now.astimezone(tz).replace(tzinfo=None)
    return instant <= MAX_AHEAD or wall <= MAX_AHEAD


@PROPERTY
@given(text=texts, now=instants, tz=zones, bare_hours=st.booleans())
@example(
    text="in 365 days", now=datetime(2026, 3, 10, 14, tzinfo=UTC), tz=ZoneInfo("America/New_York"), bare_hours=False
)  # EDT now, EST a year later
@example(
    text="on 12/31/9999 at 11pm", now=datetime(2026, 3, 6, tzinfo=UTC), tz=ZoneInfo("Asia/Tokyo"), bare_hours=False
)
@example(text="on 1/1/0001", now=datetime(2026, 3, 6, tzinfo=UTC), tz=ZoneInfo("Asia/Tokyo"), bare_hours=True)
@example(
    text="the 31st", now=datetime(2099, 12, 31, 23, tzinfo=UTC), tz=ZoneInfo("Pacific/Kiritimati"), bare_hours=False
)
def test_a_found_time_is_never_an_error_and_a_usable_one_is_ahead_within_a_year(text, now, tz, bare_hours):
    found = find_requested_time(text, now, tz, bare_hours=bare_hours)
    if found is None:
        return
    assert found.role in ("request", "neutral", "until", "state", "appointment")
    if found.usable:
        when = found.when
        assert when is not None and when.tzinfo is not None and when.utcoffset() is not None
        assert when.astimezone(UTC) > now.astimezone(UTC)
        assert _within_a_year(when, now, tz)
    elif found.when is not None and found.past:
        assert found.when.astimezone(UTC) <= now.astimezone(UTC)
    elif found.when is not None:
        assert found.too_far and not _within_a_year(found.when, now, tz)


outbound_texts = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "What time works?",
            "When is good for you?",
            "Can I call you tomorrow at 3pm?",
            "How about 4?",
            "Here is our booking link: https://book.example.com/x",
            "Your appointment is Friday at 2, ok?",
        ]
    ),
    phrases,
)


@FEWER
@given(text=texts, outbound=outbound_texts, now=instants, tz=zones)
@example(
    text="sure", outbound="Shall I call you on 12/31/9999?", now=datetime(2026, 3, 6, tzinfo=UTC), tz=ZoneInfo("UTC")
)
def test_the_rule_classifier_never_raises_and_a_specific_time_is_ahead_within_a_year(text, outbound, now, tz):
    history = (HistoryItem("outbound", outbound),) if outbound else ()
    result = classify_rules(ClassifyInput(text=text, now=now, tz=tz, history=history))
    assert result.intent in Intent.values
    if result.intent == Intent.SPECIFIC_TIME:
        assert result.follow_up_at is not None
        assert result.follow_up_at.astimezone(UTC) > now.astimezone(UTC)
        assert _within_a_year(result.follow_up_at, now, tz)
    else:
        assert result.follow_up_at is None


# --- cadences -----------------------------------------------------------------------------

cadence_units = st.sampled_from(
    [
        "m",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "d",
        "day",
        "days",
        "w",
        "wk",
        "wks",
        "week",
        "weeks",
        "s",
        "sec",
        "y",
        "",
        "M",
        "H",
    ]
)
delay_texts = st.builds(
    lambda n, sp, u: f"{n}{sp}{u}", st.integers(0, 10**7), st.sampled_from(["", " ", "  "]), cadence_units
)
cadences = st.one_of(
    st.text(max_size=60),
    st.lists(delay_texts, min_size=0, max_size=13).flatmap(
        lambda parts: st.sampled_from([", ", ",", " ", "; ", " ,", ",,", "\n"]).map(lambda sep: sep.join(parts))
    ),
    st.builds(
        lambda a, b: a + b,
        st.lists(delay_texts, max_size=3).map(", ".join),
        st.text(alphabet=string.printable, max_size=10),
    ),
)


@PROPERTY
@given(text=cadences)
@example(text="5m, 15m, 1d")
@example(text="0m")
@example(text="1,2m")
@example(text="\u0665m")  # an Arabic-Indic digit is still a digit to \d
def test_a_cadence_is_accepted_with_sane_steps_or_refused_with_a_cadence_error(text):
    try:
        delays = parse_cadence(text)
    except CadenceError as exc:
        assert str(exc)
        return
    assert 1 <= len(delays) <= MAX_STEPS
    for delay in delays:
        assert timedelta(minutes=1) <= delay.approximate <= MAX_DELAY
        assert delay.amount >= 1


@FEWER
@given(value=st.one_of(st.none(), st.integers(), st.lists(st.text()), st.binary()))
def test_a_cadence_that_is_not_text_is_a_cadence_error(value):
    with pytest.raises(CadenceError):
        parse_cadence(value)


@FEWER
@given(st.lists(st.tuples(st.integers(1, 52), st.sampled_from(["m", "h", "d", "w"])), min_size=1, max_size=MAX_STEPS))
def test_every_well_formed_cadence_is_accepted_as_written(parts):
    text = ", ".join(f"{n}{u}" for n, u in parts)
    assert [str(d) for d in parse_cadence(text)] == [f"{n}{u}" for n, u in parts]


# --- Delay.after -------------------------------------------------------------------------

valid_delays = st.builds(
    Delay, amount=st.integers(1, 60 * 24 * 365), unit=st.sampled_from(["minutes", "hours", "days", "weeks"])
).filter(lambda d: timedelta(minutes=1) <= d.approximate <= MAX_DELAY)


@PROPERTY
@given(delay=valid_delays, moment=instants, tz=zones)
@example(
    delay=Delay(1, "days"), moment=datetime(2026, 3, 7, 7, 30, tzinfo=UTC), tz=ZoneInfo("America/New_York")
)  # 02:30 the next day does not exist there
@example(
    delay=Delay(1, "days"), moment=datetime(2026, 10, 31, 5, 30, tzinfo=UTC), tz=ZoneInfo("America/New_York")
)  # 01:30 the next day exists twice
@example(
    delay=Delay(1, "days"), moment=datetime(2011, 12, 29, 12, tzinfo=UTC), tz=ZoneInfo("Pacific/Apia")
)  # Samoa skipped 30 December 2011 entirely
def test_a_delay_never_goes_backwards(delay, moment, tz):
    later = delay.after(moment, tz)
    assert later.tzinfo is not None
    moment = moment.astimezone(UTC)  # compare instants, never wall clocks
    later = later.astimezone(UTC)
    assert later > moment
    if delay.unit in ("minutes", "hours"):
        assert later - moment == delay.approximate  # exact durations
    else:
        days = delay.amount * (7 if delay.unit == "weeks" else 1)
        # Same local time of day, `days` calendar days on (a DST gap only moves it forward).
        local_start, local_later = moment.astimezone(tz), later.astimezone(tz)
        assert local_later.date() >= local_start.date() + timedelta(days=days)
        assert later >= at_local(local_start.date() + timedelta(days=days), local_start.time(), tz)


# --- working hours -----------------------------------------------------------------------

clock_times = st.times().map(lambda t: t.replace(tzinfo=None))


def later_than(start: time) -> Callable[[time], bool]:
    return lambda t: t > start


@st.composite
def windows(draw):
    """{weekday: [(start, end)]} as parse_windows makes them: start < end, end None = midnight."""
    result = {}
    for day in draw(st.sets(st.integers(0, 6), max_size=7)):
        spans = []
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.one_of(clock_times, st.sampled_from([time(0), time(8), time(9, 30), time(2, 30)])))
            end = draw(
                st.one_of(
                    st.none(),
                    clock_times.filter(later_than(start)),
                    st.sampled_from([time(17), time(3), time(12)]).filter(later_than(start)),
                )
            )
            spans.append((start, end))
        result[day] = spans
    return result


def inside_a_window(moment, windows, tz) -> bool:
    """Independent of next_open: some window, of the local day or the one before, holds
    `moment`, its wall-clock bounds turned into instants by the contract's DST rule."""
    local_day = moment.astimezone(tz).date()
    for day in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1)):
        for start, end in windows.get(day.weekday(), ()):
            opens = at_local(day, start, tz)
            closes = at_local(day + timedelta(days=1), time(0), tz) if end is None else at_local(day, end, tz)
            if opens <= moment < closes:
                return True
    return False


@PROPERTY
@given(moment=instants, windows=windows(), tz=zones)
@example(
    moment=datetime(2026, 3, 8, 6, 45, tzinfo=UTC),
    windows={6: [(time(2), time(2, 30))]},
    tz=ZoneInfo("America/New_York"),
)  # the only window falls in the DST gap that night
@example(
    moment=datetime(2026, 3, 6, 22, 0, tzinfo=UTC), windows={4: [(time(8), time(17))]}, tz=ZoneInfo("America/New_York")
)  # Friday 17:00: closed until next Friday
@example(
    moment=datetime(2011, 12, 29, 12, tzinfo=UTC), windows={4: [(time(9), None)]}, tz=ZoneInfo("Pacific/Apia")
)  # the Friday Samoa skipped
def test_next_open_is_never_before_its_input_and_always_inside_a_window(moment, windows, tz):
    opened = next_open(moment, windows, tz)
    assert opened.tzinfo is not None
    moment, opened = moment.astimezone(UTC), opened.astimezone(UTC)  # instants, not wall clocks
    assert opened >= moment
    if not any(windows.values()):
        assert opened == moment  # no windows: always open
    else:
        assert inside_a_window(opened, windows, tz), (opened, opened.astimezone(tz))
        assert opened - moment <= timedelta(days=8)


# --- regressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "call me in 99999999999 days",  # was OverflowError: Python int too large to convert to C int
        "in 9999999999 minutes",  # was OverflowError: date value out of range
        "in 999999999999999 minutes",  # was OverflowError in timedelta
        "in 3000000 weeks",  # was OverflowError: date value out of range
        "in 100000 months",  # was ValueError: year 10359 is out of range
        "on 12/31/9999 at 11pm",  # was OverflowError in at_local: past year 9999 in UTC
        "in 99999999 days",
        "in 99999999999 years",
        "9999-12-31",
    ],
)
def test_the_requested_time_of_an_absurd_count_or_date_is_none_not_an_error(text):
    # Found by the property above: the rule classifier resolves every inbound message, so
    # each of these was a 500 from the inbound API and the Twilio webhook.
    now = datetime(2026, 3, 6, 15, tzinfo=UTC)
    assert resolve_requested_time(text, now, ZoneInfo("America/Los_Angeles")) is None
