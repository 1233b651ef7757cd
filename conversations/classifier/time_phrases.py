"""The words and patterns `requested_time` reads times with: data only, compiled once.

Every pattern is written for text that went through `requested_time.normalize_text`
(lower case, apostrophes dropped: "o'clock" -> "oclock", "I'm" -> "im") and, for the
scanner, through the typo fixer (`TYPO_TARGETS`), so "tomorow" reads as "tomorrow".

Grouped as the scanner reads them: what to ignore, durations, dates, weekdays and weeks,
clock times, parts of the day, and the words that say whether a time is a request to be
contacted or only describes a state ("in a meeting till 11").
"""

import re
from datetime import time, timedelta

# --- Normalising -------------------------------------------------------------------

APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u0060\u00b4']")
DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-"})
# Emojis that carry a word; every other non-ASCII character becomes a space.
EMOJI_WORDS = {"\U0001f44d": " ok ", "\U0001f44c": " ok ", "\u2705": " done ", "\u2714": " done ", "\u2611": " done "}
EMOJI = re.compile("|".join(map(re.escape, EMOJI_WORDS)))
NON_ASCII = re.compile(r"[^\x00-\x7f]+")
SPACES = re.compile(r"\s+")

# --- Typos a reader fixes at once ----------------------------------------------------

# Words a misspelling is read as: within one edit (two for words of 8+ letters), counting a
# swap of neighbouring letters as one edit ("wednsday", "tommorow", "thrusday", "mintues").
# Only words of 6+ letters: short ones have real-word neighbours ("march"/"match").
TYPO_TARGETS = (
    "tomorrow",
    "tonight",
    "morning",
    "afternoon",
    "evening",
    "weekend",
    "minutes",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "september",
    "october",
    "november",
    "december",
)
# Real words one edit away from a target, and forms the patterns already read.
NOT_TYPOS = frozenset(
    {
        "sundae",
        "sundays",
        "mondays",
        "tuesdays",
        "fridays",
        "saturdays",
        "thursdays",
        "wednesdays",
        "mornings",
        "evenings",
        "afternoons",
        "weekends",
        "minute",
        "mourning",
        "tonite",
        "tomorow",
        "tommorow",
        "tomorrw",
        "weekday",
        "weekly",
        "weekender",
        "evenly",
        "minuet",
        "minuets",
        "friday",
        "mooring",
        "moaning",
        "morning",
    }
)

# --- Numbers -----------------------------------------------------------------------

UNITS_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
NUMBER_WORDS = {
    **UNITS_WORDS,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
NUMWORD = (
    r"(?:(?:twenty|thirty|forty|fourty|fifty)(?:[\s-]?(?:one|two|three|four|five|six|"
    r"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|ninety)"
)
HOURWORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"

# --- Day words ---------------------------------------------------------------------

TOMORROW = (
    r"(?:tomorrow|tomorow|tommorow|tommorrow|tomorrrow|tommorw|tomorrw|tomoro|tmrw|"
    r"tmrow|tmrrw|tmr|tmw|tmro|tmoro|2moro|2morow|2morrow|2mrw|2mrow|tomoz|tomo)"
)
TODAY = r"(?:today|tday|tdy|2day)"

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "tuseday": 1,
    "teusday": 1,
    "wednesday": 2,
    "weds": 2,
    "wed": 2,
    "wensday": 2,
    "wednsday": 2,
    "wedsday": 2,
    "wendsday": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "thrus": 3,
    "thrusday": 3,
    "thurday": 3,
    "thursady": 3,
    "friday": 4,
    "fri": 4,
    "firday": 4,
    "saturday": 5,
    "sat": 5,
    "saterday": 5,
    "sunday": 6,
    "sun": 6,
    "sundy": 6,
}
# Short forms that are also ordinary words need a cue ("on sat", "sun at 3").
AMBIGUOUS_WEEKDAYS = frozenset({"wed", "sat", "sun", "mon"})
WEEKDAY = "(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "febuary": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
MONTH_WORDS = frozenset(MONTHS)
PAST_WORDS = frozenset({"yesterday", "yday", "ystrdy", "earlier", "last"})

# --- Guards on numbers -------------------------------------------------------------

# Words after a number that show it counts something rather than naming an hour.
NOT_AN_HOUR = (
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
LOOKS_LIKE_TIME_AFTER = (
    r"(?=\s*(?:$|[.,!?;:)\-]|ish|oclock|o\s*clock|or\b|and\b|to\b|then\b|today|tonight|"
    + TOMORROW
    + r"|this\b|on\b|next\b|please|pls|plz|thanks|thx|works|work\b|is\b|would|"
    r"should|if\b|my\b|your\b|[ecmp][sd]?t\b|gmt|bst|utc|in\s+the\s+(?:morning|afternoon|"
    r"evening)|\w+day\b|morning|afternoon|evening|night|so\b|ok\b|okay\b|instead|at\s+the\s+"
    r"latest|latest|sharp|[ap]\.?m\b))"
)
NUM_START = r"(?<![\w$\u00a3\u20ac:/.#-])"

# --- Phrases that look like times but are not requests -----------------------------

IGNORED = re.compile(
    r"\b(?:"
    + "|".join(
        (  # `\b` written once: the engine skips by first letter
            r"good\s*(?:morning|mornin|afternoon|evening|night|nite|day)\b",
            r"(?:have|enjoy|had|hope\s+you\s+(?:have|had))\s+(?:a|an|the|your)?\s*"
            r"(?:good|nice|great|lovely|wonderful|fantastic|relaxing|safe|blessed|awesome)?\s*"
            r"(?:day|weekend|week|evening|night|morning|afternoon|one)\b",
            r"(?:good|nice|great|happy|lovely)\s+(?:weekend|week|evening|night|morning|afternoon)\b",
            r"every\s+(?:other\s+)?\w+",
            r"24\s*/\s*7\b",
            r"\d{1,2}\s*-\s*\d{1,2}\s+(?:job|shift)\b",
            r"night\s+shifts?\b",
            r"nights\b",
            # Negated times: "not today", "not at 3", "can't do 3".
            r"not\s+(?:" + TODAY + "|" + TOMORROW + r"|tonight|now|right\s+now|this\s+week"
            r"|this\s+(?:morning|afternoon|evening)|(?:on\s+)?" + WEEKDAY + r")\b",
            r"not\s+(?:at\s+|around\s+|by\s+|before\s+)?\d{1,2}(?:[:.][0-5]\d)?(?:\s*[ap]\.?m\b\.?)?"
            r"(?![\d:/])",
            r"cant\s+(?:do\s+|make\s+)?(?:it\s+)?(?:at\s+)?(?:"
            + TODAY
            + "|"
            + TOMORROW
            + r"|tonight|"
            + WEEKDAY
            + r"|\d{1,2}(?:[:.][0-5]\d)?(?:\s*[ap]\.?m\b\.?)?(?![\d:/]))",
            # Unresolvable spans: "later today", "sometime this week", "this month".
            r"(?:later|sometime|some\s+time|anytime|any\s+time)\s+(?:" + TODAY + r"|this\s+week"
            r"|this\s+month|in\s+the\s+(?:day|week|month))\b",
            r"(?<!of\s)(?:this|the)\s+week\b(?!\s*end|\s+after)",
            r"(?<!of\s)this\s+month\b",
            # A state, not a request: "busy today", "in meetings this morning", "at lunch".
            r"(?:busy|meetings?|working|work|tied\s+up|swamped|slammed|occupied|unavailable|"
            r"not\s+available|not\s+free|booked(?:\s+up)?|packed|away|traveling|travelling|"
            r"driving|class|hectic|crazy|out)\s+(?:all\s+|for\s+|for\s+the\s+rest\s+of\s+|the\s+"
            r"rest\s+of\s+)?(?:" + TODAY + r"|this\s+morning|this\s+afternoon|this\s+evening|"
            r"tonight|the\s+day|day|this\s+week|right\s+now|now|rn|atm|at\s+the\s+moment)\b",
            r"(?:im|i\s+am|currently|still|just|out|went|gone|going|heading)\s+(?:at|to|for|on)\s+"
            r"(?:my\s+|a\s+)?lunch(?:\s+break)?\b",
            r"(?:having|eating|grabbing|getting|on)\s+(?:my\s+|a\s+|some\s+)?lunch(?:\s+break)?\b",
            r"lunch\s+break\b",
            r"at\s+lunch\s+(?:now|rn|right\s+now|atm)\b",
        )
    )
    + ")"
)
# A greeting, not a time: "Morning!", "evening" (unless it answers "when?").
GREETING = re.compile(r"^(?:good\s*)?(?:morning|mornin|evening|afternoon)\s*(?:[!.,]|$)")

# --- Durations: "in 2 hours", "in a couple of days" ---------------------------------

QTY = (
    r"(?P<qty>\d+(?:\.\d+)?|" + NUMWORD + r"|a\s+couple(?:\s+of)?|couple(?:\s+of)?|"
    r"a\s+few|few|a\s+half|half\s+an?|half|an?)"
)
HALF = r"(?P<half>\s+and\s+a\s+half)?"
UNIT = (
    r"(?P<unit>minutes?|mins?|mns?|hours?|hrs?|hr|days?|weeks?|wks?|wk|months?|"
    r"fortnights?|years?|yrs?|yr|(?<=\d)\s?[mhdw])\b"
)
RANGE_TAIL = r"(?:\s*(?:-|to|or)\s*(?:\d+|" + NUMWORD + r"))?"
HALF_AFTER = r"(?P<half2>\s+and\s+a\s+half)?"
DURATIONS = (
    re.compile(
        r"\b(?:in|within|after|give\s+me|gimme|give\s+it|wait|another)\s+"
        r"(?:(?:like|about|around|maybe|roughly|approx|approximately|just|another|an?\s+other|"
        r"the\s+next|a\s+good|abt|bout|say|only)\s+)*" + QTY + HALF + RANGE_TAIL + r"\s*" + UNIT + HALF_AFTER
    ),
    re.compile(r"\b" + QTY + HALF + r"\s*" + UNIT + HALF_AFTER + r"\s+from\s+now\b"),
    # The whole message is a duration: "half an hour", "2 hours?", "maybe 20 mins".
    re.compile(
        r"^\W*(?:(?:like|about|around|maybe|roughly|approx|say|another|just)\s+)*"
        + QTY
        + HALF
        + r"\s*"
        + UNIT
        + HALF_AFTER
        + r"(?:\s*(?:or\s+so|ish|tops|max|or\s+less))?"
        r"\W*$"
    ),
)
# "call me in 10": a contact verb, "in" and a count of minutes with no unit.
BARE_MINUTES = re.compile(
    r"\b(?:call|text|txt|ring|ping|message|msg|back|me|you|u|us|talk|chat|free|done|there|"
    r"available|out|finished)\s+in\s+(?:like\s+|about\s+|around\s+|maybe\s+)?"
    r"(?P<qty>\d{1,2}|five|ten|fifteen|twenty|thirty|forty[\s-]?five)"
    r"(?=\s*(?:$|[.,!?;)]|please|pls|thanks|thx|ok\b|or\s+so|ish|and\b|if\b|then\b|or\b))"
)
# "same time tomorrow": the current local time of day on another day.
SAME_TIME = re.compile(
    r"\b(?:same|this|around\s+this|about\s+this|at\s+this|at\s+the\s+same|"
    r"around\s+the\s+same)\s+time\s+(?:(?P<tomorrow>" + TOMORROW + r")|next\s+week)\b"
)

# --- Dates -------------------------------------------------------------------------

DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+" + TOMORROW + r"\b|\bovermorrow\b")
TOMORROW_RE = re.compile(r"\b" + TOMORROW + r"\b")
TODAY_RE = re.compile(r"\b" + TODAY + r"\b")
YESTERDAY = re.compile(
    r"\b(?:yesterday|yday|ystrdy|earlier\s+today|last\s+(?:night|week|month|"
    r"year|weekend|time|" + WEEKDAY + r"))\b"
)
MONTH_DAY = re.compile(
    r"\b(?P<mon>" + MONTH + r")\.?\s+(?:the\s+)?(?P<day>\d{1,2})(?P<ord>st|nd|rd|th)?(?!\d)"
    r"(?!\s*(?:[ap]\.?m\b|:\d))(?:\s*,?\s*(?P<year>\d{4})\b)?"
)
DAY_MONTH = re.compile(
    r"\b(?P<day>\d{1,2})(?P<ord>st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>" + MONTH + r")\b\.?"
    r"(?:\s*,?\s*(?P<year>\d{4})\b)?"
)
# "at 3 may work", "I may 2...": "may" the verb, not the month.
MAY_VERB_AFTER = re.compile(r"\s*(?:$|[,.!?]|at\b|@)")
MAY_VERB_BEFORE = re.compile(r"\b(?:i|we|you|it|that|this|they|he|she)\s+$")
# 12/15 or 15/12: which is the month depends on the contact's country.
NUMERIC_DATE = re.compile(
    r"(?<![\d/.$])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?(?![\d/])"
    r"(?!\s*(?:an?\s+)?(?:hours?|hrs?|way|price|off)\b)"
)
ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})\b")
DAY_OF_MONTH = re.compile(
    r"\b(?:(?:on|by|until|till|before|after)\s+(?:the\s+)?|the\s+)(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th)\b(?P<next>\s+of\s+(?:the\s+)?(?:next|nxt)\s+month)?"
    r"(?!\s+(?:of\s+)?(?:the\s+)?month\b)"
    r"(?!\s+(?:time|times|floor|one|ones|place|visit|try|attempt|person|grade|street|st|"
    r"ave|avenue|row|round|item|option|week|day|year|birthday|anniversary)\b)"
)
FIRST_OF_MONTH = re.compile(r"\b(?:the\s+)?(?:1st|first)\s+of\s+(?:the\s+)?month\b")
NEXT_MONTH = re.compile(r"\b(?:(?:the\s+)?(?:beginning|start|early|first|1st)\s+(?:of\s+)?)?(?:next|nxt)\s+month\b")
END_OF_MONTH = re.compile(r"\bend\s+of\s+(?:the\s+|this\s+|(?P<next>next)\s+)?month\b|\bmonth\s*-?\s*end\b|\beom\b")
NEXT_YEAR = re.compile(r"\bnext\s+year\b")

# --- Weekdays and weeks ------------------------------------------------------------

WEEKDAY_RE = re.compile(
    r"\b(?:(?P<mod>next|this|this\s+coming|coming|on|by|until|till|til|before|after|or|and|"
    r"from|say|maybe)\s+)?(?P<day>" + WEEKDAY + r")(?:s\b|\b)\.?"
)
# What must follow an ambiguous short form with no cue before it ("sat at 3").
WEEKDAY_CONTEXT = re.compile(
    r"\s*(?:at\b|@|\d|morning|afternoon|evening|night|am\b|pm\b|"
    r"works|is\b|[?!.,;]|$)"
)
NEXT_WEEK = re.compile(r"\b(?:next|nxt)\s+(?:week|wk)\b|\bweek\s+after\s+next\b")
END_OF_WEEK = re.compile(r"\bend\s+of\s+(?:the\s+|this\s+|next\s+)?(?:week|wk)\b|\beow\b")
WEEKEND = re.compile(r"\b(?P<mod>next|this|the|coming|this\s+coming)?\s*(?:weekend|wknd|wkend)\b")
WEEK_WORDS = frozenset({"week", "wk", "eow", "weekend", "wknd", "wkend"})

# --- Clock times -------------------------------------------------------------------

RANGE_MERIDIEM = re.compile(
    NUM_START + r"(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s*(?:-|to|or|and|til|till|until)\s*"
    r"(?P<h2>\d{1,2})(?::[0-5]\d)?\s*(?P<mer>[ap])\.?\s?m?\b\.?"
)
MERIDIEM = re.compile(
    NUM_START + r"(?P<h>\d{1,2})(?:[:.](?P<m>[0-5]\d))?(?:\s*(?P<mer>[ap])\.?\s?m\b\.?"
    r"|(?P<mer1>p)\b)"
)
COLON = re.compile(NUM_START + r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d:])")
# "3.30": a clock only with something else saying it is one (see the scanner).
DOTTED = re.compile(NUM_START + r"(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d.%]|\.\d)" + NOT_AN_HOUR)
OCLOCK = re.compile(
    r"\b(?P<h>\d{1,2}|" + HOURWORD + r")\s*(?:oclock|o\s+clock)\b"
    r"|" + NUM_START + r"(?P<h2>\d{1,2})\s*-?\s*ish\b"
)
# "half past 4", "quarter to 5", and the British "half 4" (4:30).
HALF_PAST = re.compile(
    r"\b(?P<frac>half|quarter)\s+(?:(?P<rel>past|after|to|til|till|before)\s+"
    r"|(?<=half\s))(?P<h>\d{1,2}|" + HOURWORD + r")\b" + NOT_AN_HOUR
)
STRONG_CUE = (
    r"(?:(?<![\w])@\s*|\b(?:at|after|by|before|till|til|until|untill|between|from|"
    r"sometime\s+after|any\s*time\s+after)\s+)"
)
WEAK_CUE = r"\b(?:around|round|about|abt|bout|approx|approximately|how\s+about|what\s+about|hbu)\s+"
FILLER = r"(?:(?:like|maybe|around|about|say|roughly|approx|approximately|just|exactly|after)\s+)*"
CUED_HOUR = re.compile(STRONG_CUE + FILLER + r"(?P<h>\d{1,2})(?:\.(?P<m>[0-5]\d))?(?!\d)" + NOT_AN_HOUR)
WEAKLY_CUED_HOUR = re.compile(WEAK_CUE + FILLER + r"(?P<h>\d{1,2})(?:\.(?P<m>[0-5]\d))?(?!\d)" + LOOKS_LIKE_TIME_AFTER)
WORD_HOUR = re.compile(
    r"(?:" + STRONG_CUE + "|" + WEAK_CUE + ")" + FILLER + r"(?P<h>" + HOURWORD + r")"
    r"(?:\s+(?P<m>thirty|fifteen|forty[\s-]?five))?" + LOOKS_LIKE_TIME_AFTER
)
# An hour with no other cue next to a day word: "8 tonight", "monday 10", "tmrw 3"
# (not "3 tomorrow": "I have 3 tomorrow" counts things).
HOUR_BEFORE_PART = re.compile(
    NUM_START + r"(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?(?=\s+(?:tonight|tonite|this\s+(?:morning|"
    r"afternoon|evening|arvo)|in\s+the\s+(?:morning|afternoon|evening|arvo)|at\s+night)\b)"
)
HOUR_AFTER_DAY = re.compile(
    r"\b(?:" + TOMORROW + "|" + TODAY + "|tonight|tonite|" + WEEKDAY + r")\s+(?P<h>\d{1,2})"
    r"(?::(?P<m>[0-5]\d))?(?!\d)" + NOT_AN_HOUR
)
# Only when the message answers "when?": "3", "4 works", "maybe 10".
BARE_HOUR = re.compile(NUM_START + r"(?P<h>\d{1,2}|" + HOURWORD + r")(?![\d:/%])" + NOT_AN_HOUR)
# "tmrw am": the am/pm is a part of the day here, not a clock.
DAY_AMPM = re.compile(r"\b(?:" + TOMORROW + "|" + TODAY + "|" + WEEKDAY + r")\s+(?P<ap>am|pm)\b")

# --- Parts of the day: (pattern, clock, hint for a bare hour said with it) -----------
# Hints: "am" keeps 1-11 as they are ("7 in the morning"), "pm" adds 12 ("4 this
# afternoon"), "night" too, and reads 12 as midnight ("12 tonight").

PARTS = (
    (
        r"end\s+of\s+(?:the\s+)?(?:business\s+|work\s+)?day|end\s+of\s+business|close\s+of\s+"
        r"business|eod|cob|eob|after\s+work",
        time(17),
        None,
    ),
    (r"after\s+lunch(?:\s*time)?", time(13), None),
    (r"first\s+thing(?:\s+in\s+the\s+morning)?|mornings?|mornin|morn|(?:in\s+)?the\s+am", time(9), "am"),
    (r"lunch\s*time|lunch|noon|midday|mid-day", time(12), None),
    (r"afternoons?|arvo|(?:in\s+)?the\s+pm", time(14), "pm"),
    (r"evenings?", time(18), "pm"),
    (r"tonight|tonite|2nite|2night|tonigt|(?:at\s+)?night|nite", time(19), "night"),
    (r"midnight", time(0), None),
)
PART_RE = re.compile("|".join(rf"\b(?P<p{i}>{p})\b" for i, (p, _, _) in enumerate(PARTS)))

# --- Cheap first looks -------------------------------------------------------------

DIGIT = re.compile(r"\d")
WORD = re.compile(r"[a-z]+")
# A message with none of these cannot name a time, so the scan is skipped.
MAY_NAME_A_TIME = re.compile(
    r"\d|"
    + TOMORROW
    + "|"
    + TODAY
    + "|"
    + WEEKDAY
    + "|"
    + MONTH
    + "|"
    + NUMWORD
    + r"|week|wk|month|year|morn|noon|midday|mid-day|lunch|after|even|tonight|tonite|2nite|night|"
    r"nite|arvo|eod|cob|eob|end\s+of|first\s+thing|hour|min|couple|few|half|"
    r"quarter|clock|the\s+[ap]m|yday|overmorrow|day|fortnight|yr"
)

# --- Request or state: which of several times the contact asks to be contacted at ----

# A time right after these only says how long they are busy ("in a meeting till 11",
# "my shift ends at 3", "back at 2").
UNTIL_BEFORE = re.compile(
    r"\b(?:till|til|until|untill|up\s+(?:un)?till?|through|thru|ends?|ending|finish(?:es)?|"
    r"finishing|over|done|(?:off|back|home)\s+(?:at|by|around|about))\s+"
    r"(?:(?:about|around|like|maybe|at\s+least|at|the|on|after|roughly)\s+)*$"
)
# ...or as the mention's own cue: "till 11" read as one clock, "off" + "at 5".
UNTIL_AT = re.compile(r"(?:till|til|until|untill)\b")
CUE_AT = re.compile(r"(?:at|by|around|about)\b")
OFF_BEFORE = re.compile(r"\b(?:off|back|home)\s+(?:work\s+)?$")
# Clause boundaries: punctuation and the words that join two thoughts.
CLAUSE_BREAK = re.compile(
    r"[,;!?()]|\.(?=\s|$)|\s-\s|\b(?:but|so|though|although|however|"
    r"instead|otherwise|and|plus|also|or)\b"
)
# Saying they cannot engage, or what they are doing meanwhile.
STATE_WORDS = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"busy|bizzy|buzy|swamped|slammed|occupied|hectic|tied\s+up|booked\s+(?:up|solid|out)",
            r"fully\s+booked|unavailable|not\s+(?:available|free|around|home|in)",
            r"(?:cant|cannot|can\s+not|unable\s+to|not\s+able\s+to|couldnt|wont\s+be\s+able\s+to)\s+"
            r"(?:really\s+)?(?:talk|text|chat|speak|answer|respond|reply|call|do|make|be|take|pick)",
            r"driving|drivin|working|at\s+work|in\s+work|on\s+shift|at\s+the\s+office|in\s+the\s+office",
            r"(?:in|into|at|on|have|having|got)\s+(?:a\s+|the\s+|my\s+|another\s+|an\s+)?(?:meeting|"
            r"meetings|mtg|conference|class|lecture|seminar|interview|exam|surgery|church|shift|gym|"
            r"hospital|doctor|doctors|dentist|dentists|airport|plane|flight|funeral|wedding|school|"
            r"court|training|call|zoom|phone|practice|game|work)",
            r"meetings?|mtg|(?<!after\s)(?<!off\s)work(?!\s+for)|class|shift|surgery",
            r"away|out\s+of\s+(?:town|the\s+office|office|the\s+country)|ooo|on\s+(?:vacation|holiday|"
            r"leave|pto)|vacation|holiday|traveling|travelling|flying|abroad",
            r"sleeping|asleep|napping|sick|unwell|in\s+the\s+middle\s+of",
            r"with\s+(?:a\s+|my\s+)?(?:patient|patients|client|clients|customer|customers|kids|family)",
        )
    )
    + r")\b"
)
# Asking to be contacted, or saying a time suits them ("call me at 11", "3 works").
CONTACT_WORDS = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"call|ring|text|txt|message|msg|ping|reach|contact|hmu|email|e-mail|dm|phone|holler",
            r"talk|chat|speak|remind|reconnect|follow\s*up|catch\s+up|circle\s+back|touch\s+base",
            r"check\s+(?:in|back)|get\s+(?:back|in\s+touch|ahold)|hear\s+from|try\s+(?:me|again)",
            r"hit\s+me|buzz\s+me|free|available|works|work\s+for|good\s+for|better|best|fine|suits?",
            r"lets|let\s+us|how\s+about|what\s+about|can\s+we|could\s+we|shall\s+we|should\s+we",
        )
    )
    + r")\b"
)
# Asking, in so many words, to be contacted: "call me", "text us", "give me a call", "hmu".
# It outweighs a cancellation in the same clause ("call me at 3 to reschedule").
CONTACT_ME = re.compile(
    r"\b(?:call|ring|text|txt|message|msg|ping|email|e-mail|dm|phone|contact|reach|buzz|"
    r"remind|get\s+back\s+to|hit)\s+(?:me|us)\b"
    r"|\bgive\s+(?:me|us)\s+a\s+(?:call|ring|text|buzz|shout)\b|\bhmu\b"
)
# Cancelling or moving an appointment: a time said with it is the appointment's, not a time
# to be contacted at ("cancel my cleaning on Monday", "reschedule my appointment to Friday",
# "move tomorrow's session to next week"). Cancelling anything counts (a call too: its time
# is not wanted); moving counts unless what moves is a call ("reschedule our call to
# Friday" asks to be called then). Not the passive: "my 2pm got cancelled, call me then"
# says they are free.
_CONTACT_THING = r"(?:phone\s+)?(?:call|calls|chat|talk|conversation|convo)"
_WHOSE = r"(?:my|our|the|this|that|your|ur|a|an|todays|tomorrows|tonights|\w+days)"
CANCELS = re.compile(
    r"\b(?:"
    + "|".join(
        (
            r"(?<!got\s)(?<!get\s)(?<!gets\s)(?<!was\s)(?<!were\s)(?<!been\s)(?<!is\s)(?<!are\s)"
            r"(?<!be\s)(?<!being\s)"
            r"(?:cancel(?:s|led|ed|ling|ing|lation|ation|lations|ations)?|cxl|call(?:ing|ed|s)?\s+off)",
            r"(?:re-?schedul(?:e|es|ed|ing)|resched|postpon(?:e|es|ed|ing))"
            r"(?!\s+(?:" + _WHOSE + r"\s+)?(?:\w+\s+)?" + _CONTACT_THING + r"\b)",
            r"(?:move|moving|change|changing|switch|switching|bump|bumping|push|pushing|shift|"
            r"shifting|swap|swapping)\s+(?:" + _WHOSE + r"\s+)?(?:\w+\s+)?(?:appointments?|appts?|"
            r"bookings?|reservations?|cleaning|check-?up|visit|session|consultation|consult|lesson|"
            r"class|treatment|exam|haircut|massage|slot|spot|date)",
        )
    )
    + r")\b"
)
# A time said after "till" is the request after all when they add "call me then/after".
UNTIL_THEN = re.compile(
    r"\b(?:call|ring|text|txt|message|msg|ping|reach\s+out|contact|hmu|talk|chat|speak|"
    r"try|get\s+back)\b[^,.;!?]{0,25}?\b(?:then|after|afterwards?|after\s+that|after\s+then)"
    r"\s*(?:[,.;!?]|$|please|pls|thanks|thx|ok)"
    r"|\b(?:then|after\s+that|afterwards?)\s+(?:im\s+|i\s+am\s+|ill\s+be\s+|i\s+will\s+be\s+|"
    r"should\s+be\s+|you\s+can\s+|u\s+can\s+|feel\s+free\s+to\s+|please\s+|pls\s+)?"
    r"(?:free|available|good|around|all\s+yours|call|ring|text|txt|message|msg|ping|reach|"
    r"contact|hmu|hit\s+me|talk|chat|try)\b"
    r"|\b(?:free|available)\s+(?:after|afterwards?|then|after\s+that)\s*(?:[,.;!?]|$)"
)

# --- Limits ------------------------------------------------------------------------

# A date without a year that passed less than this long ago was meant as that date.
RECENTLY_PASSED = timedelta(days=60)
# A time further ahead than this is not a request.
MAX_AHEAD = timedelta(days=365)

# --- Which countries write the month first ------------------------------------------

# Zones named after United States time that the tz database files under no country (or,
# for "EST", under Panama's fixed offset): a business that picked one of them is in the US.
US_LEGACY_ZONES = frozenset({"EST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"})
# Used only when neither the `tzdata` package nor the system holds zone.tab: the
# canonical zones zone.tab files under US (tzdata 2026).
US_ZONES_FALLBACK = frozenset(
    {
        "America/New_York",
        "America/Detroit",
        "America/Kentucky/Louisville",
        "America/Kentucky/Monticello",
        "America/Indiana/Indianapolis",
        "America/Indiana/Vincennes",
        "America/Indiana/Winamac",
        "America/Indiana/Marengo",
        "America/Indiana/Petersburg",
        "America/Indiana/Vevay",
        "America/Chicago",
        "America/Indiana/Tell_City",
        "America/Indiana/Knox",
        "America/Menominee",
        "America/North_Dakota/Center",
        "America/North_Dakota/New_Salem",
        "America/North_Dakota/Beulah",
        "America/Denver",
        "America/Boise",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Juneau",
        "America/Sitka",
        "America/Metlakatla",
        "America/Yakutat",
        "America/Nome",
        "America/Adak",
        "Pacific/Honolulu",
    }
)
