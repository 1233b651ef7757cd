"""What a classifier takes and gives. Shared by the rules, the LLM classifier and callers."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class HistoryItem:
    direction: str  # "inbound" or "outbound"
    text: str


@dataclass(frozen=True)
class ClassifyInput:
    text: str
    now: datetime  # aware
    tz: ZoneInfo  # the contact's time zone, else the bot's
    history: tuple[HistoryItem, ...] = ()  # oldest first, without `text` itself
    booking_link: str = ""  # the bot's booking link, when known
    model: str = ""  # litellm model name; "" = rules only


@dataclass(frozen=True)
class Classification:
    intent: str
    follow_up_at: datetime | None = None  # set only when intent is specific_time
    source: str = "rules"  # "rules" or "llm:<model>", shown on Response Info
    note: str = field(default="", compare=False)  # e.g. why an LLM answer fell back to the rules
