"""Resolving the time a contact asks to be contacted at ("call me tomorrow at 3pm").

Pure functions: text, the current instant and the contact's time zone in; an aware
datetime out. The rules are the contract's "Resolving a requested time"
(the behaviour contract, follow-up-rules.md). Every local wall-clock time becomes an instant through
`at_local`, so DST gaps move forward and overlaps take the first occurrence.

A time needs a cue (at/after/by/@, am/pm, a colon, a day word, "in N unit", a part of the
day...), so "I have 3 kids", "$80" or "room 5" never become times.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.rules.localtime import UTC, add_local_days, at_local

__all__ = ["Resolution", "normalize_text", "find_requested_time", "resolve_requested_time"]


@dataclass(frozen=True)
class Resolution:
    """A time expression found in a message: `when` in the contact's zone; `past` when it
    is not after `now` (such a time is not a request)."""

    when: datetime
    past: bool


# --- Normalising -------------------------------------------------------------------

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u0060\u00b4']")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-"})
# Emojis that carry a word; every other non-ASCII character becomes a space.
_EMOJI_WORDS = {"\U0001f44d": " ok ", "\U0001f44c": " ok ", "\u2705": " done ", "\u2714": " done ",
                "\u2611": " done "}
_EMOJI = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Lower case, apostrophes dropped ("i'm" -> "im", "o'clock" -> "oclock"), emojis
    turned into spaces or words, whitespace collapsed. Idempotent."""
    s = _APOSTROPHES.sub("", text.lower()).translate(_DASHES)
    s = _EMOJI.sub(lambda m: _EMOJI_WORDS[m.group()], s)
    s = _NON_ASCII.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


# --- Vocabulary --------------------------------------------------------------------

_UNITS_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}
_NUMBER_WORDS = {
    **_UNITS_WORDS, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "ninety": 90,
}
_NUMWORD = (r"(?:(?:twenty|thirty|forty|fourty|fifty)(?:[\s-]?(?:one|two|three|four|five|six|"
            r"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
            r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|ninety)")
_HOURWORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"

_TOMORROW = (r"(?:tomorrow|tomorow|tommorow|tommorrow|tomorrrow|tommorw|tomorrw|tomoro|tmrw|"
             r"tmrow|tmrrw|tmr|tmw|tmro|tmoro|2moro|2morrow|2mrw|2mrow|tomoz|tomo)")
_TODAY = r"(?:today|tday|tdy|2day)"

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "tuseday": 1, "teusday": 1,
    "wednesday": 2, "weds": 2, "wed": 2, "wensday": 2, "wednsday": 2, "wedsday": 2,
    "wendsday": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "thrusday": 3,
    "thurday": 3, "thursady": 3, "friday": 4, "fri": 4, "firday": 4, "saturday": 5,
    "sat": 5, "saterday": 5, "sunday": 6, "sun": 6, "sundy": 6,
}
# Short forms that are also ordinary words need a cue ("on sat", "sun at 3").
_AMBIGUOUS_WEEKDAYS = {"wed", "sat", "sun", "mon"}
_WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "febuary": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"

# Words after a number that show it counts something rather than naming an hour.
_NOT_AN_HOUR = (
    r"(?!\s*(?:people|ppl|persons?|kids?|children|child|guests?|adults?|of\b|dollars?|bucks|"
    r"usd|cents?|percent|pct|%|x\b|times?\b|items?|pieces?|pcs|units?|box(?:es)?|teeth|tooth|"
    r"years?|yrs?|yo\b|months?|weeks?|wks?|days?|hours?|hrs?|hr\b|h\b|minutes?|mins?|m\b|"
    r"seconds?|secs?|miles?|mi\b|km|lbs?|pounds?|kgs?|points?|pts|stars?|floors?|rooms?|"
    r"bedrooms?|beds?|baths?|bathrooms?|k\b|grand|st\b|nd\b|rd\b|th\b|more|less|different|"
    r"other|others|locations?|places?|stores?|calls|messages|texts|emails|patients|clients|"
    r"customers|jobs|meetings|appointments|sessions|visits|steps|feet|ft\b|inches|"
    r"in\b(?!\s+the\s+(?:morning|afternoon|evening|arvo))|cm\b|mm\b|sq|square|members|"
    r"employees|staff|cars|dogs|cats|pets|ones|left|total|each|per\b|a\s+(?:day|week|month|"
    r"year|piece|pop)|/|[-.]?\d))"
)
# After a weak cue ("around 3", "at three") the number must be followed by something
# that fits a time: the end, punctuation, am/pm, a day word, "works"...
_LOOKS_LIKE_TIME_AFTER = (
    r"(?=\s*(?:$|[.,!?;:)\-]|ish|oclock|o\s*clock|or\b|and\b|to\b|then\b|today|tonight|"
    + _TOMORROW + r"|this\b|on\b|next\b|please|pls|plz|thanks|thx|works|work\b|is\b|would|"
    r"should|if\b|my\b|your\b|[ecmp][sd]?t\b|gmt|bst|utc|in\s+the\s+(?:morning|afternoon|"
    r"evening)|\w+day\b|morning|afternoon|evening|night|so\b|ok\b|okay\b|instead|at\s+the\s+"
    r"latest|latest|sharp|[ap]\.?m\b))"
)

# --- Phrases that look like times but are not requests -----------------------------

_IGNORED = re.compile(r"\b(?:" + "|".join((  # `\b` written once: the engine skips by first letter
    r"good\s*(?:morning|mornin|afternoon|evening|night|nite|day)\b",
    r"(?:have|enjoy|had|hope\s+you\s+(?:have|had))\s+(?:a|an|the|your)?\s*"
    r"(?:good|nice|great|lovely|wonderful|fantastic|relaxing|safe|blessed|awesome)?\s*"
    r"(?:day|weekend|week|evening|night|morning|afternoon|one)\b",
    r"(?:good|nice|great|happy|lovely)\s+(?:weekend|week|evening|night|morning|afternoon)\b",
    r"every\s+(?:other\s+)?\w+",
    r"24\s*/\s*7\b", r"\d{1,2}\s*-\s*\d{1,2}\s+(?:job|shift)\b",
    r"night\s+shifts?\b", r"nights\b",
    r"not\s+(?:" + _TODAY + "|" + _TOMORROW + r"|tonight|now|right\s+now|this\s+week"
    r"|this\s+(?:morning|afternoon|evening))\b",
    r"cant\s+(?:do\s+)?(?:" + _TODAY + "|" + _TOMORROW + r"|tonight)\b",
    # Unresolvable spans: "later today", "sometime this week", "this month".
    r"(?:later|sometime|some\s+time|anytime|any\s+time)\s+(?:" + _TODAY + r"|this\s+week"
    r"|this\s+month|in\s+the\s+(?:day|week|month))\b",
    r"(?<!of\s)(?:this|the)\s+week\b(?!\s*end|\s+after)", r"(?<!of\s)this\s+month\b",
    # A state, not a request: "busy today", "in meetings this morning", "at lunch".
    r"(?:busy|meetings?|working|work|tied\s+up|swamped|slammed|occupied|unavailable|"
    r"not\s+available|not\s+free|booked(?:\s+up)?|packed|away|traveling|travelling|"
    r"driving|class|hectic|crazy|out)\s+(?:all\s+|for\s+|for\s+the\s+rest\s+of\s+|the\s+"
    r"rest\s+of\s+)?(?:" + _TODAY + r"|this\s+morning|this\s+afternoon|this\s+evening|"
    r"tonight|the\s+day|day|this\s+week|right\s+now|now|rn|atm|at\s+the\s+moment)\b",
    r"(?:im|i\s+am|currently|still|just|out|went|gone|going|heading)\s+(?:at|to|for|on)\s+"
    r"(?:my\s+|a\s+)?lunch(?:\s+break)?\b",
    r"(?:having|eating|grabbing|getting|on)\s+(?:my\s+|a\s+|some\s+)?lunch(?:\s+break)?\b",
    r"lunch\s+break\b", r"at\s+lunch\s+(?:now|rn|right\s+now|atm)\b",
)) + ")")

# --- Relative offsets --------------------------------------------------------------

_QTY = (r"(?P<qty>\d+(?:\.\d+)?|" + _NUMWORD + r"|a\s+couple(?:\s+of)?|couple(?:\s+of)?|"
        r"a\s+few|few|a\s+half|half\s+an?|half|an?)")
_HALF = r"(?P<half>\s+and\s+a\s+half)?"
_UNIT = (r"(?P<unit>minutes?|mins?|mns?|hours?|hrs?|hr|days?|weeks?|wks?|wk|months?|"
         r"fortnights?|(?<=\d)\s?[mhdw])\b")
_RANGE_TAIL = r"(?:\s*(?:-|to|or)\s*(?:\d+|" + _NUMWORD + r"))?"
_HALF_AFTER = r"(?P<half2>\s+and\s+a\s+half)?"
_OFFSETS = (
    re.compile(
        r"\b(?:in|within|after|give\s+me|gimme|give\s+it|wait|another)\s+"
        r"(?:(?:like|about|around|maybe|roughly|approx|approximately|just|another|an?\s+other|"
        r"the\s+next|a\s+good|abt|bout|say|only)\s+)*"
        + _QTY + _HALF + _RANGE_TAIL + r"\s*" + _UNIT + _HALF_AFTER
    ),
    re.compile(r"\b" + _QTY + _HALF + r"\s*" + _UNIT + _HALF_AFTER + r"\s+from\s+now\b"),
)
# "call me in 10": a contact verb, "in" and a count of minutes with no unit.
_BARE_MINUTES = re.compile(
    r"\b(?:call|text|txt|ring|ping|message|msg|back|me|you|u|us|talk|chat|free|done|there|"
    r"available|out|finished)\s+in\s+(?:like\s+|about\s+|around\s+|maybe\s+)?"
    r"(?P<qty>\d{1,2}|five|ten|fifteen|twenty|thirty|forty[\s-]?five)"
    r"(?=\s*(?:$|[.,!?;)]|please|pls|thanks|thx|ok\b|or\s+so|ish|and\b|if\b|then\b|or\b))"
)

# --- Dates -------------------------------------------------------------------------

_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+" + _TOMORROW + r"\b|\bovermorrow\b")
_TOMORROW_RE = re.compile(r"\b" + _TOMORROW + r"\b")
_TODAY_RE = re.compile(r"\b" + _TODAY + r"\b")
_YESTERDAY = re.compile(r"\b(?:yesterday|yday|ystrdy|earlier\s+today|last\s+(?:night|week|month|"
                        r"year|weekend|time|" + _WEEKDAY + r"))\b")
_WEEKDAY_RE = re.compile(
    r"\b(?:(?P<mod>next|this|this\s+coming|coming|on|by|until|till|til|before|after|or|and|"
    r"from|say|maybe)\s+)?(?P<day>" + _WEEKDAY + r")(?:s\b|\b)\.?"
)
_WEEKDAY_CONTEXT = re.compile(r"\s*(?:at\b|@|\d|morning|afternoon|evening|night|am\b|pm\b|"
                              r"works|is\b|[?!.,;]|$)")
_NEXT_WEEK = re.compile(r"\b(?:next|nxt)\s+(?:week|wk)\b|\bweek\s+after\s+next\b")
_END_OF_WEEK = re.compile(r"\bend\s+of\s+(?:the\s+|this\s+|next\s+)?(?:week|wk)\b|\beow\b")
_WEEKEND = re.compile(r"\b(?P<mod>next|this|the|coming|this\s+coming)?\s*weekend\b")
_NEXT_MONTH = re.compile(
    r"\b(?:(?:the\s+)?(?:beginning|start|early|first|1st)\s+(?:of\s+)?)?(?:next|nxt)\s+month\b")
_END_OF_MONTH = re.compile(
    r"\bend\s+of\s+(?:the\s+|this\s+|(?P<next>next)\s+)?month\b|\bmonth\s*-?\s*end\b|\beom\b")
_NEXT_YEAR = re.compile(r"\bnext\s+year\b")
_MONTH_DAY = re.compile(
    r"\b(?P<mon>" + _MONTH + r")\.?\s+(?:the\s+)?(?P<day>\d{1,2})(?P<ord>st|nd|rd|th)?(?!\d)"
    r"(?!\s*(?:[ap]\.?m\b|:\d))(?:\s*,?\s*(?P<year>\d{4})\b)?"
)
_DAY_MONTH = re.compile(
    r"\b(?P<day>\d{1,2})(?P<ord>st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>" + _MONTH + r")\b\.?"
    r"(?:\s*,?\s*(?P<year>\d{4})\b)?"
)
_SLASH_DATE = re.compile(
    r"(?<![\d/.$])(?P<mon>\d{1,2})/(?P<day>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?(?![\d/])"
    r"(?!\s*(?:an?\s+)?(?:hours?|hrs?|way|price|off)\b)"
)
_ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})\b")
_DAY_OF_MONTH = re.compile(
    r"\b(?:(?:on|by|until|till|before|after)\s+(?:the\s+)?|the\s+)(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th)\b(?P<next>\s+of\s+(?:the\s+)?(?:next|nxt)\s+month)?"
    r"(?!\s+(?:of\s+)?(?:the\s+)?month\b)"
    r"(?!\s+(?:time|times|floor|one|ones|place|visit|try|attempt|person|grade|street|st|"
    r"ave|avenue|row|round|item|option|week|day|year|birthday|anniversary)\b)"
)
_FIRST_OF_MONTH = re.compile(r"\b(?:the\s+)?(?:1st|first)\s+of\s+(?:the\s+)?month\b")
# "same time tomorrow": the current local time of day on another day.
_SAME_TIME = re.compile(r"\b(?:same|this|around\s+this|about\s+this|at\s+this|at\s+the\s+same|"
                        r"around\s+the\s+same)\s+time\s+(?:(?P<tomorrow>" + _TOMORROW
                        + r")|next\s+week)\b")

# --- Times of day ------------------------------------------------------------------

_NUM_START = r"(?<![\w$\u00a3\u20ac:/.#-])"
_RANGE_MERIDIEM = re.compile(
    _NUM_START + r"(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s*(?:-|to|or|and|til|till|until)\s*"
    r"(?P<h2>\d{1,2})(?::[0-5]\d)?\s*(?P<mer>[ap])\.?\s?m?\b\.?"
)
_MERIDIEM = re.compile(
    _NUM_START + r"(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?:\s*(?P<mer>[ap])\.?\s?m\b\.?"
    r"|(?P<mer1>p)\b)"
)
_COLON = re.compile(_NUM_START + r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
_OCLOCK = re.compile(r"\b(?P<h>\d{1,2}|" + _HOURWORD + r")\s*(?:oclock|o\s+clock)\b"
                     r"|" + _NUM_START + r"(?P<h2>\d{1,2})\s*-?\s*ish\b")
# "half past 4", "quarter to 5", and the British "half 4" (4:30).
_HALF_PAST = re.compile(r"\b(?P<frac>half|quarter)\s+(?:(?P<rel>past|after|to|til|till|before)\s+"
                        r"|(?<=half\s))(?P<h>\d{1,2}|" + _HOURWORD + r")\b" + _NOT_AN_HOUR)
_STRONG_CUE = (r"(?:(?<![\w])@\s*|\b(?:at|after|by|before|till|til|until|between|from|"
               r"sometime\s+after|any\s*time\s+after)\s+)")
_WEAK_CUE = r"\b(?:around|round|about|abt|bout|approx|approximately|how\s+about|what\s+about|hbu)\s+"
_FILLER = r"(?:(?:like|maybe|around|about|say|roughly|approx|approximately|just|exactly|after)\s+)*"
_CUED_HOUR = re.compile(
    _STRONG_CUE + _FILLER + r"(?P<h>\d{1,2})(?:\.(?P<m>[0-5]\d))?(?!\d)" + _NOT_AN_HOUR
)
_WEAKLY_CUED_HOUR = re.compile(
    _WEAK_CUE + _FILLER + r"(?P<h>\d{1,2})(?:\.(?P<m>[0-5]\d))?(?!\d)" + _LOOKS_LIKE_TIME_AFTER
)
_WORD_HOUR = re.compile(
    r"(?:" + _STRONG_CUE + "|" + _WEAK_CUE + ")" + _FILLER + r"(?P<h>" + _HOURWORD + r")"
    r"(?:\s+(?P<m>thirty|fifteen|forty[\s-]?five))?" + _LOOKS_LIKE_TIME_AFTER
)
# An hour with no other cue next to a day word: "8 tonight", "monday 10", "tmrw 3"
# (not "3 tomorrow": "I have 3 tomorrow" counts things).
_HOUR_BEFORE_DAY = re.compile(
    _NUM_START + r"(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?(?=\s+(?:tonight|tonite|this\s+(?:morning|"
    r"afternoon|evening)|in\s+the\s+(?:morning|afternoon|evening)|at\s+night)\b)"
)
_HOUR_AFTER_DAY = re.compile(
    r"\b(?:" + _TOMORROW + "|" + _TODAY + "|tonight|tonite|" + _WEEKDAY + r")\s+(?P<h>\d{1,2})"
    r"(?::(?P<m>[0-5]\d))?(?!\d)" + _NOT_AN_HOUR
)
# A greeting, not a time: "Morning!", "evening".
_GREETING = re.compile(r"^(?:good\s*)?(?:morning|mornin|evening|afternoon)\s*(?:[!.,]|$)")
# Only when the last outbound asked "when?": "3", "4 works", "maybe 10".
_BARE_HOUR = re.compile(_NUM_START + r"(?P<h>\d{1,2}|" + _HOURWORD + r")(?![\d:/%])"
                        + _NOT_AN_HOUR)

# Parts of the day: (pattern, clock, am/pm hint for a bare hour said with it).
_PARTS = [
    (r"end\s+of\s+(?:the\s+)?(?:business\s+|work\s+)?day|end\s+of\s+business|close\s+of\s+"
     r"business|eod|cob|eob|after\s+work", time(17), None),
    (r"first\s+thing(?:\s+in\s+the\s+morning)?|mornings?|mornin|morn|(?:in\s+)?the\s+am",
     time(9), "am"),
    (r"lunch\s*time|lunch|noon|midday|mid-day", time(12), None),
    (r"afternoons?|arvo|(?:in\s+)?the\s+pm", time(14), "pm"),
    (r"evenings?", time(18), "pm"),
    (r"tonight|tonite|2nite|2night|tonigt|(?:at\s+)?night|nite", time(19), "pm"),
    (r"midnight", time(0), None),
]
_PART_RE = re.compile("|".join(rf"\b(?P<p{i}>{p})\b" for i, (p, _, _) in enumerate(_PARTS)))
_DAY_AMPM = re.compile(r"\b(?:" + _TOMORROW + "|" + _TODAY + "|" + _WEEKDAY + r")\s+(?P<ap>am|pm)\b")


_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z]+")
_PAST_WORDS = frozenset({"yesterday", "yday", "ystrdy", "earlier", "last"})
_MONTH_WORDS = frozenset(_MONTHS)

# Cheap first look: a message with none of these cannot name a time, so skip the scan.
_MAY_NAME_A_TIME = re.compile(
    r"\d|" + _TOMORROW + "|" + _TODAY + "|" + _WEEKDAY + "|" + _MONTH + "|" + _NUMWORD
    + r"|week|wk|month|year|morn|noon|midday|mid-day|lunch|after|even|tonight|tonite|2nite|night|"
    r"nite|arvo|eod|cob|eob|end\s+of|first\s+thing|hour|min|couple|few|half|"
    r"quarter|clock|the\s+[ap]m|yday|overmorrow|day|fortnight"
)


@dataclass
class _Found:
    """What the scan found, positions kept so the first of several wins."""

    exact: timedelta | None = None  # "in 2 hours"
    day_shift: int | None = None  # "in 3 days": days later, same local time of day
    month_shift: int | None = None  # "in a month"
    dates: list = None  # [(position, date, is_past_marker)]
    clock: time | None = None  # explicit clock ("3pm", "at 3")
    clock_pos: int = 10**6
    bare_hour: tuple | None = None  # (h, m) still to apply the bare-hour rule
    part: tuple | None = None  # (clock, hint, name)


# A date without a year that passed less than this long ago was meant as that date.
_RECENTLY_PASSED = timedelta(days=60)


def _qty(text: str, half: str | None = None) -> float | None:
    t = _SPACES.sub(" ", text.strip())
    if t[0].isdigit():
        value = float(t)
    elif t in ("a", "an"):
        value = 1
    elif "couple" in t:
        value = 2
    elif "few" in t:
        value = 3
    elif "half" in t:
        value = 0.5
    else:
        parts = re.split(r"[\s-]+", t)
        value = sum(_NUMBER_WORDS.get(p, 0) for p in parts)
        if not value:
            return None
    return value + (0.5 if half else 0)


def _hour_value(token: str) -> int:
    return int(token) if token.isdigit() else _NUMBER_WORDS[token]


def _mask(s: str, m: re.Match, group: int | str = 0) -> str:
    a, b = m.span(group)
    return s[:a] + " " * (b - a) + s[b:]


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_without_year(month: int, day: int, today: date) -> date | None:
    """This year's date, unless it is well past: "Jan 10" said in December is next year,
    but "March 1" said on March 6 is the March 1 just gone (past, so not a request)."""
    this_year = _valid_date(today.year, month, day)
    if this_year and today - this_year <= _RECENTLY_PASSED:
        return this_year
    return _valid_date(today.year + 1, month, day) or this_year


def _scan(s: str, today: date, bare_hours: bool) -> _Found:
    f = _Found(dates=[])
    s = _IGNORED.sub(lambda m: " " * len(m.group()), s)
    if not bare_hours:
        s = _GREETING.sub(lambda m: " " * len(m.group()), s)
    # Cheap tests that let most messages skip most regexes below.
    digits = _DIGIT.search(s) is not None
    words = set(_WORD.findall(s))

    def clock(m, value, bare=False, group=0):
        """Record a clock (the first in the text wins) and hide its text from later rules."""
        nonlocal s
        if m.start(group) < f.clock_pos:
            f.clock_pos = m.start(group)
            if bare:
                f.bare_hour, f.clock = value, None
            else:
                f.clock, f.bare_hour = value, None
        s = _mask(s, m, group)

    # Relative offsets.
    m = _OFFSETS[0].search(s) or _OFFSETS[1].search(s)
    qty = m and _qty(m["qty"], m["half"] or m["half2"])
    if qty is not None:
        unit = m["unit"].strip()
        if unit[0] == "m" and not unit.startswith("mo"):
            f.exact = timedelta(minutes=qty)
        elif unit[0] == "h":
            f.exact = timedelta(hours=qty)
        elif unit[0] == "d":
            f.day_shift = round(qty)
        elif unit[0] == "w":
            f.day_shift = round(qty * 7)
        elif unit.startswith("fortnight"):
            f.day_shift = round(qty * 14)
        else:
            f.month_shift = max(1, round(qty))
        s = _mask(s, m)
    elif digits or not words.isdisjoint(_NUMBER_WORDS):
        if m := _BARE_MINUTES.search(s):
            f.exact = timedelta(minutes=_qty(m.group("qty")))
            s = _mask(s, m, "qty")

    if "time" in words and f.exact is None and f.day_shift is None \
            and (m := _SAME_TIME.search(s)):
        f.day_shift = 1 if m["tomorrow"] else 7
        s = _mask(s, m)

    # "tmrw am": the am/pm is a part of the day here, not a clock.
    if ("am" in words or "pm" in words) and (m := _DAY_AMPM.search(s)):
        f.part = (time(9), "am", "morning") if m.group("ap") == "am" else (time(14), "pm", "afternoon")
        s = _mask(s, m, "ap")

    # Bare hours beside a day word, before the day words are consumed below.
    for regex in (_HOUR_BEFORE_DAY, _HOUR_AFTER_DAY) if digits else ():
        for m in regex.finditer(s):
            h = int(m["h"])
            if 1 <= h <= 12:
                clock(m, (h, int(m["m"] or 0)), bare=True, group="h")
            elif 13 <= h <= 23:
                clock(m, time(h, int(m["m"] or 0)), group="h")

    # Dates, each with its position.
    def add(m, d, past=False):
        nonlocal s
        if d is not None:
            f.dates.append((m.start(), d, past))
        s = _mask(s, m)

    if "after" in words or "overmorrow" in words:
        for m in _DAY_AFTER_TOMORROW.finditer(s):
            add(m, today + timedelta(days=2))
    if not words.isdisjoint(_PAST_WORDS):
        for m in _YESTERDAY.finditer(s):
            add(m, today - timedelta(days=1), past=True)
    for m in _ISO_DATE.finditer(s) if digits and "-" in s else ():
        add(m, _valid_date(int(m["year"]), int(m["mon"]), int(m["day"])))
    for regex in (_MONTH_DAY, _DAY_MONTH) if digits and not words.isdisjoint(_MONTH_WORDS) else ():
        for m in regex.finditer(s):
            if m["mon"] == "may" and not m["ord"] and not m["year"] and regex is _DAY_MONTH \
                    and not re.match(r"\s*(?:$|[,.!?]|at\b|@)", s[m.end():]):
                continue  # "at 3 may work"
            if m["mon"] in ("mar", "may") and regex is _MONTH_DAY and not m["ord"] \
                    and re.search(r"\b(?:i|we|you|it|that|this|they|he|she)\s+$", s[:m.start()]):
                continue  # "I may 2..."
            day, month = int(m["day"]), _MONTHS[m["mon"]]
            if m["year"]:
                add(m, _valid_date(int(m["year"]), month, day))
            else:
                add(m, _date_without_year(month, day, today))
    for m in _SLASH_DATE.finditer(s) if "/" in s else ():
        month, day = int(m["mon"]), int(m["day"])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue  # "24/7" is not a date
        if m["year"]:
            year = int(m["year"]) + (2000 if len(m["year"]) == 2 else 0)
            add(m, _valid_date(year, month, day))
        else:
            add(m, _date_without_year(month, day, today))
    month_words = "month" in words or "eom" in words or "end" in words
    for m in _FIRST_OF_MONTH.finditer(s) if month_words else ():
        add(m, ("dom", 1))
    for m in _DAY_OF_MONTH.finditer(s) if digits else ():
        day = int(m["day"])
        if 1 <= day <= 31:
            if m["next"]:
                month = _add_months(today.replace(day=1), 1)
                add(m, _valid_date(month.year, month.month, day))
            else:
                add(m, ("dom", day))
    for m in _END_OF_MONTH.finditer(s) if month_words else ():
        base = _add_months(today.replace(day=1), 1 if m["next"] else 0)
        add(m, base.replace(day=calendar.monthrange(base.year, base.month)[1]))
    for m in _NEXT_MONTH.finditer(s) if month_words else ():
        add(m, _add_months(today.replace(day=1), 1))
    for m in _NEXT_YEAR.finditer(s) if "year" in words else ():
        add(m, date(today.year + 1, 1, 1))
    week_words = not words.isdisjoint(("week", "wk", "eow", "weekend"))
    for m in _END_OF_WEEK.finditer(s) if week_words else ():
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        add(m, friday + timedelta(days=7) if "next" in m.group() else friday)
    next_week = None
    for m in _NEXT_WEEK.finditer(s) if week_words else ():
        monday = today + timedelta(days=7 - today.weekday())
        next_week = monday + timedelta(days=7) if "after" in m.group() else monday
        add(m, next_week)
    for m in _WEEKEND.finditer(s) if week_words else ():
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if m["mod"] == "next":
            saturday = today + timedelta(days=7 - today.weekday() + 5)
        add(m, saturday)
    for m in _WEEKDAY_RE.finditer(s):
        name, mod = m["day"], m["mod"]
        if name in _AMBIGUOUS_WEEKDAYS and not mod and not _WEEKDAY_CONTEXT.match(s, m.end()):
            continue
        index = _WEEKDAYS[name]
        if next_week is not None:
            # "next week on Tuesday" / "Tuesday next week": that week's Tuesday.
            f.dates = [d for d in f.dates if d[1] != next_week]
            add(m, next_week + timedelta(days=index))
        else:
            add(m, today + timedelta(days=(index - today.weekday()) % 7 or 7))
    for m in _TOMORROW_RE.finditer(s):
        add(m, today + timedelta(days=1))
    for m in _TODAY_RE.finditer(s):
        add(m, today)

    # Clocks: the first explicit one wins; a part of the day gives a default and a hint.
    for m in _RANGE_MERIDIEM.finditer(s) if digits else ():
        h, h2, minute = int(m["h"]), int(m["h2"]), int(m["m"] or 0)
        if 1 <= h <= 12 and 1 <= h2 <= 12:
            pm = m["mer"] == "p"
            if h > h2 and h != 12:
                pm = not pm  # "11-1pm" starts at 11am
            clock(m, time(h % 12 + (12 if pm else 0), minute))
    for m in _MERIDIEM.finditer(s) if digits else ():
        h, minute = int(m["h"]), int(m["m"] or 0)
        mer = m["mer"] or m["mer1"]
        if 1 <= h <= 12:
            clock(m, time(h % 12 + (12 if mer == "p" else 0), minute))
        elif 13 <= h <= 23 and mer == "p":
            clock(m, time(h, minute))
    for m in _HALF_PAST.finditer(s) if "half" in words or "quarter" in words else ():
        h = _hour_value(m["h"])
        if 1 <= h <= 12:
            minute = 30 if m["frac"] == "half" else 15
            if m["rel"] in ("to", "til", "till", "before"):
                h, minute = (h - 1 or 12), 60 - minute
            clock(m, (h, minute), bare=True)
    for m in _COLON.finditer(s) if ":" in s else ():
        h, minute = int(m["h"]), int(m["m"])
        if 1 <= h <= 12:
            clock(m, (h, minute), bare=True)
        else:
            clock(m, time(h, minute))
    for m in _OCLOCK.finditer(s) if "clock" in s or "ish" in s else ():
        h = _hour_value(m["h"] or m["h2"])
        if 1 <= h <= 12:
            clock(m, (h, 0), bare=True)
    hour_regexes = (_CUED_HOUR, _WEAKLY_CUED_HOUR) if digits else ()
    if not words.isdisjoint(_NUMBER_WORDS):
        hour_regexes += (_WORD_HOUR,)
    for regex in hour_regexes:
        for m in regex.finditer(s):
            h = _hour_value(m["h"])
            minute = m["m"] or 0
            if isinstance(minute, str):
                minute = int(minute) if minute.isdigit() else _qty(minute.replace("-", " "))
            if 1 <= h <= 12:
                clock(m, (h, int(minute)), bare=True)
            elif 13 <= h <= 23 and regex is _CUED_HOUR:
                clock(m, time(h, int(minute)))
    for m in _PART_RE.finditer(s):
        i = int(m.lastgroup[1:])
        value, hint = _PARTS[i][1], _PARTS[i][2]
        if m.group() in ("noon", "midday", "mid-day", "midnight") and f.clock is None \
                and f.bare_hour is None:
            clock(m, value)
        elif f.part is None or f.part[1] is None:
            f.part = (value, hint, m.group())
        s = _mask(s, m)
    if bare_hours and f.clock is None and f.bare_hour is None:
        if m := _BARE_HOUR.search(s):
            h = _hour_value(m["h"])
            if 1 <= h <= 12:
                clock(m, (h, 0), bare=True)
            elif 13 <= h <= 23:
                clock(m, time(h))
    return f


def _apply_bare_hour(h: int, minute: int, hint: str | None) -> time:
    """The contract's bare-hour rule (1-7 PM, 8-11 AM, 12 noon), unless a part of the day
    says otherwise ("8 tonight", "6 in the morning")."""
    if hint == "pm" and h < 12:
        h += 12
    elif hint is None and 1 <= h <= 7:
        h += 12
    return time(h, minute)


def _pick_date(dates: list, today: date, clock: time, tz: ZoneInfo, now_utc: datetime):
    """The first date that is not "today" or a past marker, else the first of those."""
    if not dates:
        return None
    dates = sorted(dates, key=lambda d: d[0])
    chosen = next((d for d in dates if not d[2] and d[1] != today), None) \
        or next((d for d in dates if not d[2]), None) or dates[0]
    value = chosen[1]
    if isinstance(value, tuple):  # ("dom", n): the next month with day n still ahead
        first = today.replace(day=1)
        for k in range(0, 14):
            month = _add_months(first, k)
            d = _valid_date(month.year, month.month, value[1])
            if d and at_local(d, clock, tz) > now_utc:
                return d
        return None
    return value


def find_requested_time(text: str, now: datetime, tz: ZoneInfo, *,
                        bare_hours: bool = False) -> Resolution | None:
    """The time named in `text`, resolved at `now` in `tz`, or None when it names none.

    `bare_hours` also reads a lone number as an hour ("3" answering "What time works?").
    The result may be in the past (`past=True`): the caller decides what that means.
    """
    try:
        return _find(text, now, tz, bare_hours)
    except (OverflowError, ValueError):
        return None  # "in 99999999999 days": past the calendar's end, not a time we can keep


def _find(text: str, now: datetime, tz: ZoneInfo, bare_hours: bool) -> Resolution | None:
    now_utc = now.astimezone(UTC)
    local_now = now.astimezone(tz)
    today = local_now.date()
    text = normalize_text(text)
    if not _MAY_NAME_A_TIME.search(text):
        return None
    f = _scan(text, today, bare_hours)

    if f.exact is not None:
        return Resolution((now_utc + f.exact).astimezone(tz), past=f.exact <= timedelta(0))

    hint = f.part[1] if f.part else None
    if f.clock is not None:
        clock = f.clock
    elif f.bare_hour is not None:
        clock = _apply_bare_hour(*f.bare_hour, hint)
    elif f.part is not None:
        clock = f.part[0]
    else:
        clock = None

    if f.day_shift is not None or f.month_shift is not None:
        day = today + timedelta(days=f.day_shift) if f.day_shift is not None \
            else _add_months(today, f.month_shift)
        if clock is None:  # "in 3 days": the same local time of day
            when = add_local_days(now, (day - today).days, tz)
        else:
            when = at_local(day, clock, tz)
    elif f.dates:
        day = _pick_date(f.dates, today, clock or time(9), tz, now_utc)
        if day is None:
            return None
        if clock == time(0):
            day += timedelta(days=1)  # "Tuesday at midnight" is the night after Tuesday
        when = at_local(day, clock or time(9), tz)
    elif clock is not None:
        # No date: today if still ahead, else tomorrow.
        when = at_local(today, clock, tz)
        if when <= now_utc:
            when = at_local(today + timedelta(days=1), clock, tz)
    else:
        return None
    when = when.astimezone(UTC)
    return Resolution(when.astimezone(tz), past=when <= now_utc)


def resolve_requested_time(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The future instant (aware, in `tz`) that `text` asks for, else None."""
    found = find_requested_time(text, now, tz)
    return None if found is None or found.past else found.when
