"""Resolving the time a contact asks to be contacted at ("call me tomorrow at 3pm").

Pure functions: text, the current instant and the contact's time zone in; an aware
datetime out. No clock, no Django: `now` is passed in. The rules are the contract's
"Resolving a requested time" (follow-up-rules.md, version 2); the words and patterns are in
`time_phrases`. Every local wall-clock time becomes an instant through `at_local`, so DST
gaps move forward and overlaps take the first occurrence.

Reading a message:
1. normalise it and fix typos a reader fixes at once ("tomorow");
2. one scanner per kind of expression (durations, dates, weeks and weekdays, clock times,
   parts of the day) records each *mention* with its position and hides its text from the
   scanners after it;
3. each mention gets a role: a request ("call me at 11"), neutral ("at 11"), a state
   ("in a meeting till 10", "busy tomorrow") or an appointment's time ("cancel my cleaning
   on Monday"). States give way to the others, and appointments' times to all: of
   "in a meeting till 10, call me at 11" only 11:00 is kept;
4. the kept mentions combine into one instant: a duration wins; else a date (09:00 unless
   a clock or a part of the day says otherwise); else a clock, today if still ahead, else
   tomorrow.

A time needs a cue (at/after/by/@, am/pm, a colon, a day word, "in N unit", a part of the
day...), so "I have 3 kids", "$80" or "room 5" never become times.
"""

import bisect
import calendar
import importlib.resources
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from conversations.classifier import time_phrases as P
from rules.localtime import UTC, add_local_days, at_local

__all__ = [
    "APPOINTMENT",
    "NEUTRAL",
    "REQUEST",
    "STATE",
    "UNTIL",
    "Resolution",
    "find_requested_time",
    "month_first",
    "normalize_text",
    "resolve_requested_time",
]

# Roles of a time in a message, best first.
REQUEST = "request"  # said with a request for contact: "call me at 11", "3 works"
NEUTRAL = "neutral"  # nothing either way: "at 11", "tomorrow morning"
UNTIL = "until"  # how long they are busy: "in a meeting till 11"
STATE = "state"  # what they are doing then: "I'm busy tomorrow"
APPOINTMENT = "appointment"  # of an appointment cancelled or moved: "cancel my cleaning on Monday"
_RANK = {REQUEST: 0, NEUTRAL: 1, UNTIL: 2, STATE: 3, APPOINTMENT: 4}


@dataclass(frozen=True)
class Resolution:
    """A time expression found in a message, resolved.

    `when` is in the contact's zone (None only for a date beyond the calendar's range,
    "12/31/9999", which is then `too_far` or `past`). `past`: not after `now`. `too_far`:
    more than 365 days ahead. `role`: REQUEST, NEUTRAL, UNTIL, STATE or APPOINTMENT (see
    above).
    """

    when: datetime | None
    past: bool
    too_far: bool = False
    role: str = NEUTRAL

    @property
    def usable(self) -> bool:
        """In the future and at most 365 days ahead: a time follow-ups can be planned for."""
        return self.when is not None and not self.past and not self.too_far

    @property
    def is_state(self) -> bool:
        """The time only says how long they are busy, or what they are doing then."""
        return self.role in (UNTIL, STATE)

    @property
    def is_appointment(self) -> bool:
        """The time is an appointment's that they cancel or move, not a time for contact."""
        return self.role == APPOINTMENT

    @property
    def is_until(self) -> bool:
        """The time only says until when they are busy: when they will be free."""
        return self.role == UNTIL


# --- Normalising -------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Lower case, apostrophes dropped ("i'm" -> "im", "o'clock" -> "oclock"), emojis
    turned into spaces or words, whitespace collapsed. Idempotent."""
    s = P.APOSTROPHES.sub("", text.lower()).translate(P.DASHES)
    s = P.EMOJI.sub(lambda m: P.EMOJI_WORDS[m.group()], s)
    s = P.NON_ASCII.sub(" ", s)
    return P.SPACES.sub(" ", s).strip()


_LONG_WORD = re.compile(r"[a-z]{5,}")
_KNOWN = frozenset(P.TYPO_TARGETS) | P.NOT_TYPOS | frozenset(P.WEEKDAYS) | P.MONTH_WORDS


def fix_typos(text: str) -> str:
    """Misspelt day, month and time words replaced by the word meant ("wednsday")."""
    return _LONG_WORD.sub(lambda m: _meant(m.group()), text)


@lru_cache(maxsize=8192)
def _meant(word: str) -> str:
    if word in _KNOWN:
        return word
    best, best_distance, tie = word, 3, False
    for target in P.TYPO_TARGETS:
        limit = 2 if len(target) >= 8 else 1
        if target[0] != word[0] or abs(len(target) - len(word)) > limit:
            continue
        distance = _edit_distance(word, target, limit)
        if distance <= limit:
            if distance < best_distance:
                best, best_distance, tie = target, distance, False
            elif distance == best_distance:
                tie = True
    return word if tie else best


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), or limit + 1
    as soon as it must exceed `limit`."""
    previous2: list[int] = []  # the row before `previous`, read from the second row on
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


# --- Which countries write the month first -------------------------------------------


@lru_cache(maxsize=1)
def _us_zones() -> frozenset:
    """Every zone name the tz database files under the United States, aliases included
    ("US/Eastern", "America/Indianapolis"), read from zone.tab and the link lines of
    tzdata.zi (the `tzdata` package, else the system's zoneinfo directory)."""
    zone_tab = links_text = None
    try:
        files = importlib.resources.files("tzdata.zoneinfo")
        zone_tab = files.joinpath("zone.tab").read_text(encoding="utf-8")
        links_text = files.joinpath("tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        for root in zoneinfo.TZPATH:
            try:
                zone_tab = (Path(root) / "zone.tab").read_text(encoding="utf-8")
            except OSError:
                continue
            try:
                links_text = (Path(root) / "tzdata.zi").read_text(encoding="utf-8")
            except OSError:
                links_text = ""
            break
    if zone_tab is None:
        canonical = set(P.US_ZONES_FALLBACK)
    else:
        canonical = {
            fields[2]
            for line in zone_tab.splitlines()
            if not line.startswith("#") and len(fields := line.split("\t")) >= 3 and fields[0] == "US"
        }
    zones = set(canonical) | P.US_LEGACY_ZONES
    links = {}
    for line in (links_text or "").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            links[name] = target
    for name in links:
        target, seen = name, set()
        while target in links and target not in seen:
            seen.add(target)
            target = links[target]
        if target in canonical:
            zones.add(name)
    return frozenset(zones)


def month_first(tz: ZoneInfo) -> bool:
    """Numeric dates are month/day for a contact in a United States zone, else day/month."""
    return getattr(tz, "key", None) in _us_zones()


# --- Scanning: one reader per kind of expression -----------------------------------


class _Hour(NamedTuple):
    """An hour said without am/pm ("at 3", "3:30"): the bare-hour rule or a part of the
    day said with it gives its half of the day."""

    hour: int
    minute: int


class _DayOfMonth(NamedTuple):
    """ "the 15th": the next month whose `day` is still ahead."""

    day: int


class _Coming(NamedTuple):
    """The next of these weekdays whose time is still ahead: "this weekend" (Saturday or
    Sunday), "end of the week" (Friday)."""

    weekdays: tuple[int, ...]


_WEEKEND = _Coming((5, 6))
_END_OF_WEEK = _Coming((4,))

# What a mention holds, by kind: "exact" a timedelta; "days" and "months" an int; "date" a
# date, a _DayOfMonth or a _Coming; "clock" and "part" a time; "bare" an _Hour.
_Value = timedelta | int | date | _DayOfMonth | _Coming | time | _Hour
_T = TypeVar("_T")


def _as(value: _Value, kind: type[_T]) -> _T:
    """`value` as the type its mention's kind holds (see `_Value`)."""
    if not isinstance(value, kind):
        raise TypeError(f"a mention holding {value!r} where a {kind.__name__} belongs")
    return value


@dataclass
class _Mention:
    pos: int
    kind: str  # "exact", "days", "months", "date", "clock", "bare", "part"
    value: _Value
    past: bool = False  # a date that says it is gone ("yesterday")
    hint: str | None = None  # a part of the day: "am"/"pm" for a bare hour said with it
    until: bool = False  # said after "till"/"until"
    role: str = NEUTRAL


class _Scan:
    """The text as the readers go through it: `s` loses each expression once read."""

    def __init__(self, text: str, today: date, us: bool, bare_hours: bool):
        self.text = text  # normalised and typo-fixed; positions refer to it
        self.s = text
        self.today = today
        self.us = us
        self.bare_hours = bare_hours
        self.mentions: list[_Mention] = []
        self.spans: list[tuple[int, int]] = []
        self.next_week: date | None = None
        self.digits = P.DIGIT.search(text) is not None
        self.words = frozenset(P.WORD.findall(text))

    def hide(self, m: re.Match[str], group: int | str = 0) -> None:
        a, b = m.span(group)
        self.s = self.s[:a] + " " * (b - a) + self.s[b:]

    def add(
        self,
        m: re.Match[str],
        kind: str,
        value: _Value | None,
        group: int | str = 0,
        *,
        past: bool = False,
        hint: str | None = None,
    ) -> None:
        """Record a mention (unless `value` is None: an impossible date) and hide it."""
        if value is not None:
            self.mentions.append(_Mention(m.start(group), kind, value, past=past, hint=hint))
            self.spans.append(m.span(group))
        self.hide(m, group)

    def has_numbers(self) -> bool:
        return self.digits or not self.words.isdisjoint(P.NUMBER_WORDS)


def _skip_ignored(sc: _Scan) -> None:
    """Greetings, habits, negations and states that look like times ("good morning",
    "every monday", "not today", "busy today") are never read as times."""
    sc.s = P.IGNORED.sub(lambda m: " " * len(m.group()), sc.s)
    if not sc.bare_hours:
        sc.s = P.GREETING.sub(lambda m: " " * len(m.group()), sc.s)


def _scan_durations(sc: _Scan) -> None:
    """ "in 2 hours" (exact), "in 3 days" / "in 2 weeks" (same local time), "in a month",
    "in a year", "half an hour" (the whole message), "call me in 10" (minutes), "same time
    tomorrow"."""
    m = next(filter(None, (regex.search(sc.s) for regex in P.DURATIONS)), None)
    qty = _quantity(m["qty"], m["half"] or m["half2"]) if m is not None else None
    if m is not None and qty is not None:
        unit = m["unit"].strip()
        if unit[0] == "m" and not unit.startswith("mo"):
            sc.add(m, "exact", _capped_minutes(qty))
        elif unit[0] == "h":
            sc.add(m, "exact", _capped_minutes(qty * 60))
        elif unit.startswith("fortnight"):
            sc.add(m, "days", _capped_days(qty * 14))
        elif unit[0] in "dw":
            sc.add(m, "days", _capped_days(qty * (7 if unit[0] == "w" else 1)))
        else:
            months = qty * (12 if unit[0] == "y" else 1)
            sc.add(m, "months", max(1, round(min(months, 10**4))))
    elif sc.has_numbers() and (m := P.BARE_MINUTES.search(sc.s)) and (minutes := _quantity(m["qty"])) is not None:
        sc.add(m, "exact", _capped_minutes(minutes), group="qty")

    if "time" in sc.words and (m := P.SAME_TIME.search(sc.s)):
        sc.add(m, "days", 1 if m["tomorrow"] else 7)


def _scan_hours_beside_days(sc: _Scan) -> None:
    """ "tmrw am" (a part of the day), and hours with no cue but a day word beside them:
    "8 tonight", "monday 10", read before the day words are taken."""
    if ("am" in sc.words or "pm" in sc.words) and (m := P.DAY_AMPM.search(sc.s)):
        if m["ap"] == "am":
            sc.add(m, "part", time(9), group="ap", hint="am")
        else:
            sc.add(m, "part", time(14), group="ap", hint="pm")
    if not sc.digits:
        return
    for regex in (P.HOUR_BEFORE_PART, P.HOUR_AFTER_DAY):
        for m in regex.finditer(sc.s):
            _add_hour(sc, m, int(m["h"]), int(m["m"] or 0), group="h")


def _scan_relative_days(sc: _Scan) -> None:
    """ "the day after tomorrow"; "yesterday", "last week" (gone: never a request)."""
    today = sc.today
    if "after" in sc.words or "overmorrow" in sc.words:
        for m in P.DAY_AFTER_TOMORROW.finditer(sc.s):
            sc.add(m, "date", today + timedelta(days=2))
    if not sc.words.isdisjoint(P.PAST_WORDS):
        for m in P.YESTERDAY.finditer(sc.s):
            sc.add(m, "date", today - timedelta(days=1), past=True)


def _scan_calendar_dates(sc: _Scan) -> None:
    """ "2026-03-10", "March 10", "10 March", "the 10th of March, 2026", "12/15" (month
    first in the United States, else day first) and "15/12/2026"."""
    if not sc.digits:
        return
    if "-" in sc.s:
        for m in P.ISO_DATE.finditer(sc.s):
            sc.add(m, "date", _valid_date(int(m["year"]), int(m["mon"]), int(m["day"])))
    if not sc.words.isdisjoint(P.MONTH_WORDS):
        for regex in (P.MONTH_DAY, P.DAY_MONTH):
            for m in regex.finditer(sc.s):
                if _may_the_verb(sc.s, m, regex):
                    continue
                day, month = int(m["day"]), P.MONTHS[m["mon"]]
                if m["year"]:
                    sc.add(m, "date", _valid_date(int(m["year"]), month, day))
                else:
                    sc.add(m, "date", _date_without_year(month, day, sc.today))
    if "/" in sc.s:
        for m in P.NUMERIC_DATE.finditer(sc.s):
            month_day = _numeric_month_day(int(m["a"]), int(m["b"]), sc.us)
            if month_day is None:
                continue  # "24/7", "5/40" are not dates
            month, day = month_day
            if m["year"]:
                year = int(m["year"]) + (2000 if len(m["year"]) == 2 else 0)
                sc.add(m, "date", _valid_date(year, month, day))
            else:
                sc.add(m, "date", _date_without_year(month, day, sc.today))


def _scan_month_relative(sc: _Scan) -> None:
    """ "the 15th" (the next one still ahead), "the 1st of the month", "the 3rd of next
    month", "end of the month", "next month" (the 1st), "next year" (January 1st)."""
    today = sc.today
    month_words = "month" in sc.words or "eom" in sc.words or "end" in sc.words
    if month_words:
        for m in P.FIRST_OF_MONTH.finditer(sc.s):
            sc.add(m, "date", _DayOfMonth(1))
    if sc.digits:
        for m in P.DAY_OF_MONTH.finditer(sc.s):
            day = int(m["day"])
            if not 1 <= day <= 31:
                continue
            if m["next"]:
                month = _add_months(today.replace(day=1), 1)
                sc.add(m, "date", _valid_date(month.year, month.month, day))
            else:
                sc.add(m, "date", _DayOfMonth(day))
    if month_words:
        for m in P.END_OF_MONTH.finditer(sc.s):
            base = _add_months(today.replace(day=1), 1 if m["next"] else 0)
            sc.add(m, "date", base.replace(day=calendar.monthrange(base.year, base.month)[1]))
        for m in P.NEXT_MONTH.finditer(sc.s):
            sc.add(m, "date", _add_months(today.replace(day=1), 1))
    if "year" in sc.words:
        for m in P.NEXT_YEAR.finditer(sc.s):
            sc.add(m, "date", date(today.year + 1, 1, 1))


def _scan_weeks(sc: _Scan) -> None:
    """Weeks start on Monday. "end of the week": the coming Friday (still ahead), "end of
    next week": Friday of next week; "next week": Monday of
    next week; "week after next"; "this weekend": the next Saturday or Sunday still ahead;
    "next weekend": Saturday of next week."""
    if sc.words.isdisjoint(P.WEEK_WORDS):
        return
    today = sc.today
    monday_next = today + timedelta(days=7 - today.weekday())
    for m in P.END_OF_WEEK.finditer(sc.s):
        if "next" in m.group():
            sc.add(m, "date", monday_next + timedelta(days=4))
        else:
            sc.add(m, "date", _END_OF_WEEK)
    for m in P.NEXT_WEEK.finditer(sc.s):
        sc.next_week = monday_next + timedelta(days=7) if "after" in m.group() else monday_next
        sc.add(m, "date", sc.next_week)
    for m in P.WEEKEND.finditer(sc.s):
        if m["mod"] == "next":
            sc.add(m, "date", monday_next + timedelta(days=5))
        else:
            sc.add(m, "date", _WEEKEND)


def _scan_weekdays(sc: _Scan) -> None:
    """ "Tuesday", "next Tuesday", "on Tue", "thurs": the next one after today.
    "Tuesday next week" / "next week on Tuesday": the Tuesday of next week."""
    today = sc.today
    for m in P.WEEKDAY_RE.finditer(sc.s):
        name, mod = m["day"], m["mod"]
        if name in P.AMBIGUOUS_WEEKDAYS and not mod and not P.WEEKDAY_CONTEXT.match(sc.s, m.end()):
            continue
        index = P.WEEKDAYS[name]
        if sc.next_week is not None:
            sc.mentions = [x for x in sc.mentions if not (x.kind == "date" and x.value == sc.next_week)]
            sc.add(m, "date", sc.next_week + timedelta(days=index))
        else:
            sc.add(m, "date", today + timedelta(days=(index - today.weekday()) % 7 or 7))


def _scan_today_tomorrow(sc: _Scan) -> None:
    """ "tomorrow" (the next calendar day, also after midnight) and "today"."""
    for m in P.TOMORROW_RE.finditer(sc.s):
        sc.add(m, "date", sc.today + timedelta(days=1))
    for m in P.TODAY_RE.finditer(sc.s):
        sc.add(m, "date", sc.today)


def _scan_clock_times(sc: _Scan) -> None:
    """ "2-4pm", "3pm", "3:45", "16:00", "half past 4", "quarter to 5", "5 o'clock",
    "5ish", "at 3", "around 3", "by 3", "at three"."""
    words = sc.words
    if sc.digits:
        for m in P.RANGE_MERIDIEM.finditer(sc.s):
            h, h2, minute = int(m["h"]), int(m["h2"]), int(m["m"] or 0)
            if 1 <= h <= 12 and 1 <= h2 <= 12:
                pm = m["mer"] == "p"
                if h > h2 and h != 12:
                    pm = not pm  # "11-1pm" starts at 11am
                sc.add(m, "clock", time(h % 12 + (12 if pm else 0), minute))
        for m in P.MERIDIEM.finditer(sc.s):
            h, minute = int(m["h"]), int(m["m"] or 0)
            pm = (m["mer"] or m["mer1"]) == "p"
            if 1 <= h <= 12:
                sc.add(m, "clock", time(h % 12 + (12 if pm else 0), minute))
            elif 13 <= h <= 23 and pm:
                sc.add(m, "clock", time(h, minute))
    if "half" in words or "quarter" in words:
        for m in P.HALF_PAST.finditer(sc.s):
            h = _hour_value(m["h"])
            if 1 <= h <= 12:
                minute = 30 if m["frac"] == "half" else 15
                if m["rel"] in ("to", "til", "till", "before"):
                    h, minute = (h - 1 or 12), 60 - minute
                sc.add(m, "bare", _Hour(h, minute))
    if ":" in sc.s:
        for m in P.COLON.finditer(sc.s):
            _add_hour(sc, m, int(m["h"]), int(m["m"]))
    if "clock" in sc.s or "ish" in sc.s:
        for m in P.OCLOCK.finditer(sc.s):
            h = _hour_value(m["h"] or m["h2"])
            if 1 <= h <= 12:
                sc.add(m, "bare", _Hour(h, 0))
    regexes: tuple[re.Pattern[str], ...] = (P.CUED_HOUR, P.WEAKLY_CUED_HOUR) if sc.digits else ()
    if not words.isdisjoint(P.NUMBER_WORDS):
        regexes += (P.WORD_HOUR,)
    for regex in regexes:
        for m in regex.finditer(sc.s):
            h = _hour_value(m["h"])
            if 1 <= h <= 12 or (13 <= h <= 23 and regex is P.CUED_HOUR):
                _add_hour(sc, m, h, _minute_value(m["m"]))


def _scan_parts_of_day(sc: _Scan) -> None:
    """Morning and "first thing" 09:00, noon/lunch 12:00, after lunch 13:00, afternoon
    ("arvo") 14:00, after work and end of day ("eod") 17:00, evening 18:00, tonight 19:00,
    midnight. One said with a bare hour sets its am/pm ("8 tonight")."""
    for m in P.PART_RE.finditer(sc.s):
        if m.lastgroup is None:  # never: every alternative is a named group "p<index>"
            continue
        _, value, hint = P.PARTS[int(m.lastgroup[1:])]
        sc.add(m, "part", value, hint=hint)


def _scan_dotted_time(sc: _Scan) -> None:
    """ "3.30" is 3:30 when something else says it is a time (a day, a part of the day, a
    contact word, a question about when) or it is the whole message: not "it's 12.40"."""
    if not sc.digits or "." not in sc.s:
        return
    for m in P.DOTTED.finditer(sc.s):
        if m["h"] in ("0", "00"):
            continue
        alone = not P.WORD.search(sc.s[: m.start()] + sc.s[m.end() :])
        if sc.bare_hours or alone or sc.mentions or P.CONTACT_WORDS.search(sc.text):
            _add_hour(sc, m, int(m["h"]), int(m["m"]))


def _scan_bare_hour(sc: _Scan) -> None:
    """A lone number ("3", "4 works") is an hour only when it answers a question about
    when, and when nothing else in the message is a clock."""
    if not sc.bare_hours or any(x.kind in ("clock", "bare") for x in sc.mentions):
        return
    if (m := P.BARE_HOUR.search(sc.s)) and _hour_value(m["h"]) > 0:
        _add_hour(sc, m, _hour_value(m["h"]), 0)


_SCANNERS = (
    _scan_durations,
    _scan_hours_beside_days,
    _scan_relative_days,
    _scan_calendar_dates,
    _scan_month_relative,
    _scan_weeks,
    _scan_weekdays,
    _scan_today_tomorrow,
    _scan_clock_times,
    _scan_parts_of_day,
    _scan_dotted_time,
    _scan_bare_hour,
)


def _scan(text: str, today: date, us: bool, bare_hours: bool) -> _Scan:
    sc = _Scan(text, today, us, bare_hours)
    _skip_ignored(sc)
    for scanner in _SCANNERS:
        scanner(sc)
    _assign_roles(sc)
    return sc


# --- Scanning helpers ----------------------------------------------------------------


def _add_hour(sc: _Scan, m: re.Match, h: int, minute: int, group: int | str = 0) -> None:
    """1-12 still needs the bare-hour rule (or a part of the day); 13-23 (and 0) is a
    24-hour clock."""
    if 1 <= h <= 12:
        sc.add(m, "bare", _Hour(h, minute), group=group)
    elif 0 <= h <= 23 and 0 <= minute <= 59:
        sc.add(m, "clock", time(h, minute), group=group)


def _quantity(text: str, half: str | None = None) -> float | None:
    t = P.SPACES.sub(" ", text.strip())
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
        value = sum(P.NUMBER_WORDS.get(p, 0) for p in re.split(r"[\s-]+", t))
        if not value:
            return None
    return value + (0.5 if half else 0)


# Counts past these are "too far ahead" before any date arithmetic can overflow.
_MAX_MINUTES = 2 * 366 * 24 * 60
_MAX_DAYS = 2 * 366


def _capped_minutes(qty: float) -> timedelta:
    return timedelta(minutes=min(qty, _MAX_MINUTES))


def _capped_days(qty: float) -> int:
    return round(min(qty, _MAX_DAYS))


def _hour_value(token: str) -> int:
    return int(token) if token.isdigit() else P.NUMBER_WORDS[token]


def _minute_value(token: str | None) -> int:
    """The minutes said after an hour: "30", "thirty", "forty-five"; none said: 0."""
    if not token:
        return 0
    if token.isdigit():
        return int(token)
    return int(_quantity(token.replace("-", " ")) or 0)


def _may_the_verb(s: str, m: re.Match, regex: re.Pattern) -> bool:
    """ "at 3 may work", "I may 2...": "may" and "mar" as words, not months."""
    if m["ord"] or m["year"]:
        return False
    if m["mon"] == "may" and regex is P.DAY_MONTH and not P.MAY_VERB_AFTER.match(s, m.end()):
        return True
    return m["mon"] in ("mar", "may") and regex is P.MONTH_DAY and P.MAY_VERB_BEFORE.search(s, 0, m.start()) is not None


def _numeric_month_day(a: int, b: int, us: bool) -> tuple[int, int] | None:
    """(month, day): 12/15 in the US, 15/12 elsewhere; when the zone's order cannot be a
    date but the other one can ("12/15" in London), the other one; None when neither can."""
    month, day = (a, b) if us else (b, a)
    if 1 <= month <= 12 and 1 <= day <= 31:
        return month, day
    if 1 <= day <= 12 and 1 <= month <= 31:
        return day, month
    return None


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
    """This year's date, unless it passed more than 60 days ago: "Jan 10" said in
    December is next year's, but "March 1" said on March 6 is the March 1 just gone
    (past, so not a request)."""
    this_year = _valid_date(today.year, month, day)
    if this_year and today - this_year <= P.RECENTLY_PASSED:
        return this_year
    return _valid_date(today.year + 1, month, day) or this_year


# --- Roles: which time is the request ------------------------------------------------


def _assign_roles(sc: _Scan) -> None:
    """A time after "till"/"until" in a message that says they are busy is UNTIL ("in a
    meeting till 11"), unless they add "call me then/after". Any other time takes its
    clause's role: APPOINTMENT when the clause cancels or moves an appointment, REQUEST with
    a word asking for contact, STATE with only a word saying they are busy, else NEUTRAL."""
    if not sc.mentions:
        return
    # The message with only the times hidden: "busy today" is ignored as a time but still
    # says they are busy.
    chars = list(sc.text)
    for a, b in sc.spans:
        chars[a:b] = " " * (b - a)
    text = "".join(chars)
    busy = P.STATE_WORDS.search(text) is not None
    then = P.UNTIL_THEN.search(text) is not None
    breaks = [0, *(m.start() for m in P.CLAUSE_BREAK.finditer(text)), len(text) + 1]
    roles = {}
    for m in sc.mentions:
        window = max(0, m.pos - 40)
        m.until = (
            P.UNTIL_BEFORE.search(sc.text, window, m.pos) is not None
            or P.UNTIL_AT.match(sc.text, m.pos) is not None
            or (P.CUE_AT.match(sc.text, m.pos) is not None and P.OFF_BEFORE.search(sc.text, window, m.pos) is not None)
        )
        if m.until and then:
            m.role = REQUEST
            continue
        if m.until and busy:
            m.role = UNTIL
            continue
        i = bisect.bisect_right(breaks, m.pos)
        start, end = breaks[i - 1], breaks[i]
        if (start, end) not in roles:
            roles[start, end] = _clause_role(text[start:end])
        m.role = roles[start, end]


def _clause_role(clause: str) -> str:
    # "cancel my cleaning on Monday", "reschedule my appointment to Friday": the appointment's
    # time (unless they also ask to be contacted: "call me at 3 to reschedule").
    if P.CANCELS.search(clause) and not P.CONTACT_ME.search(clause):
        return APPOINTMENT
    state = P.STATE_WORDS.search(clause)
    if state:
        clause = P.STATE_WORDS.sub(lambda m: " " * len(m.group()), clause)
    if P.CONTACT_WORDS.search(clause):
        return REQUEST
    return STATE if state else NEUTRAL


# --- Resolving ------------------------------------------------------------------------


def find_requested_time(text: str, now: datetime, tz: ZoneInfo, *, bare_hours: bool = False) -> Resolution | None:
    """The time named in `text`, resolved at `now` in `tz`, or None when it names none.

    `bare_hours` also reads a lone number as an hour ("3" answering "What time works?").
    The result may be past, too far ahead or only a state (see `Resolution`): the caller
    decides what that means. Never raises for any text.
    """
    text = fix_typos(normalize_text(text))
    if not P.MAY_NAME_A_TIME.search(text):
        return None
    local_now = now.astimezone(tz)
    role = NEUTRAL
    try:
        sc = _scan(text, local_now.date(), month_first(tz), bare_hours)
        if not sc.mentions:
            return None
        # Requests and neutral times first; else how long they are busy; else an
        # appointment's time.
        kept = (
            [m for m in sc.mentions if _RANK[m.role] < _RANK[UNTIL]]
            or [m for m in sc.mentions if _RANK[m.role] < _RANK[APPOINTMENT]]
            or sc.mentions
        )
        role = min((m.role for m in kept), key=_RANK.__getitem__)
        when = _combine(kept, now, local_now, tz)
    except (OverflowError, ValueError):
        return Resolution(None, past=False, too_far=True, role=role)  # past the calendar's end
    if when is None:
        return None
    if isinstance(when, Resolution):
        return Resolution(when.when, when.past, when.too_far, role)
    now_utc, when_utc = now.astimezone(UTC), when.astimezone(UTC)
    local_when = when_utc.astimezone(tz)
    too_far = (
        when_utc - now_utc > P.MAX_AHEAD
        and local_when.replace(tzinfo=None) - local_now.replace(tzinfo=None) > P.MAX_AHEAD
    )
    return Resolution(local_when, past=when_utc <= now_utc, too_far=too_far, role=role)


def _first(mentions: list[_Mention], *kinds: str) -> _Mention | None:
    return min((m for m in mentions if m.kind in kinds), key=lambda m: m.pos, default=None)


def _combine(kept: list[_Mention], now: datetime, local_now: datetime, tz: ZoneInfo) -> datetime | Resolution | None:
    """One instant from the kept mentions: a duration, else a date at a clock (09:00 by
    default), else a clock today if still ahead, else tomorrow. A Resolution when it is
    past the calendar's range; None when no day qualifies."""
    today = local_now.date()
    now_utc = now.astimezone(UTC)

    exact = _first(kept, "exact")
    if exact is not None:
        return now_utc + _as(exact.value, timedelta)

    clock = _clock(kept)
    shift = _first(kept, "days", "months")
    if shift is not None:
        count = _as(shift.value, int)
        if shift.kind == "days":
            if count > _MAX_DAYS - 1:
                return Resolution(None, past=False, too_far=True)
            day = today + timedelta(days=count)
        else:
            if count > 24:
                return Resolution(None, past=False, too_far=True)
            day = _add_months(today, count)
        if clock is None:  # "in 3 days": the same local time of day
            return add_local_days(now, (day - today).days, tz)
        return at_local(day, clock, tz)

    dates = [m for m in kept if m.kind == "date"]
    if dates:
        picked = _pick_date(dates, today, clock or time(9), tz, now_utc)
        if picked is None:
            return None
        if abs((picked - today).days) > _MAX_DAYS:  # "12/31/9999": no instant computed
            return Resolution(None, past=picked < today, too_far=picked > today)
        if clock == time(0):
            picked += timedelta(days=1)  # "Tuesday at midnight" is the night after Tuesday
        return at_local(picked, clock or time(9), tz)

    if clock is None:
        return None
    when = at_local(today, clock, tz)
    if when <= now_utc:
        when = at_local(today + timedelta(days=1), clock, tz)
    return when


def _clock(kept: list[_Mention]) -> time | None:
    """The first clock said; a bare hour takes the am/pm of a part of the day said with
    it, else 1-7 PM, 8-11 AM, 12 noon. No clock: the part of the day's own time."""
    parts = sorted((m for m in kept if m.kind == "part"), key=lambda m: m.pos)
    part = next((m for m in parts if m.hint), parts[0] if parts else None)
    said = _first(kept, "clock", "bare")
    if said is None:
        return _as(part.value, time) if part else None
    if said.kind == "clock":
        return _as(said.value, time)
    h, minute = _as(said.value, _Hour)
    hint = part.hint if part else None
    if hint == "night" and h == 12:
        h = 0
    elif (hint in ("pm", "night") and h < 12) or (hint is None and 1 <= h <= 7):
        h += 12
    return time(h, minute)


def _pick_date(dates: list[_Mention], today: date, clock: time, tz: ZoneInfo, now_utc: datetime) -> date | None:
    """The first date that is not "today" or a past marker, else the first of those."""
    dates = sorted(dates, key=lambda d: d.pos)
    chosen = (
        next((d for d in dates if not d.past and d.value != today), None)
        or next((d for d in dates if not d.past), None)
        or dates[0]
    )
    value = chosen.value
    if isinstance(value, _Coming):
        # "this weekend": the next Saturday or Sunday whose time is still ahead;
        # "end of the week": the coming Friday (today's while still ahead).
        for k in range(15):
            day = today + timedelta(days=k)
            if day.weekday() in value.weekdays and at_local(day, clock, tz) > now_utc:
                return day
        return None
    if isinstance(value, _DayOfMonth):  # "the 15th": the next month with that day still ahead
        first = today.replace(day=1)
        for k in range(0, 14):
            month = _add_months(first, k)
            valid = _valid_date(month.year, month.month, value.day)
            if valid and at_local(valid, clock, tz) > now_utc:
                return valid
        return None
    return _as(value, date)


def resolve_requested_time(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The future instant (aware, in `tz`), at most 365 days ahead, that `text` asks to
    be contacted at, else None (no time, a time gone or too far, only a state, or only an
    appointment's time)."""
    found = find_requested_time(text, now, tz)
    if found is None or not found.usable or found.is_state or found.is_appointment:
        return None
    return found.when
