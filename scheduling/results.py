"""Results of follow-ups over a period: the figures the Results page and the API show.

    results_for(bots, start, end) -> Results            # instants [start, end)
    results_for_days(bots, first, last) -> Results      # whole local days, first..last

What counts (rules/results.py has the definitions and their boundaries):

- A sent follow-up counts in the period of its send time (`finished_at` of a `sent` row);
  whether it was replied to, booked after or opted out after is its outcome columns, kept
  exact by the engine (scheduling/outcomes.py) whenever that came, even after the period.
- A skipped or failed follow-up counts in the period of the time it was skipped or failed
  (its `finished_at`), by reason: the reason's code, the part before the first ": " (a
  provider's failure carries its own words after it).
- Weeks start on Monday, in the zone of the bot when there is one bot, else UTC (also the
  zone `results_for_days` reads the days in). Every week that meets the period is listed,
  the first and last maybe partial, with zeros for a week without sends.
- Best and worst step: by reply rate among steps with at least MIN_SENT_TO_RANK sent, ties
  to the step with more sent; both None unless at least two steps qualify.

Three queries whatever the size: the bots' ids, the sent follow-ups grouped by (week,
scenario, step) with conditional counts (an index-only range scan of the partial index
`followup_results_sent`), and the skipped and failed ones grouped by status, scenario, step
and reason (`followup_results_unsent`).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from bots.models import Bot
from rules import results as rules
from scheduling.models import FollowUp
from vocabulary import Reason, ScenarioKind

MIN_SENT_TO_RANK = 20
FIGURES = ("sent", "replied", "booked", "opted_out", "skipped", "failed")
UNSENT = (FollowUp.Status.SKIPPED, FollowUp.Status.FAILED)


@dataclass(frozen=True)
class Figures:
    sent: int
    replied: int
    booked: int
    opted_out: int
    skipped: int
    failed: int

    @property
    def reply_rate(self) -> float | None:
        """replied / sent; None when nothing was sent."""
        return rules.rate(self.replied, self.sent)

    @property
    def booked_rate(self) -> float | None:
        return rules.rate(self.booked, self.sent)

    @property
    def opted_out_rate(self) -> float | None:
        return rules.rate(self.opted_out, self.sent)


@dataclass(frozen=True)
class StepFigures(Figures):
    kind: str  # a ScenarioKind value
    step: int  # 1-based

    @property
    def label(self) -> str:
        return f"{ScenarioKind(self.kind).label}, step {self.step}"


@dataclass(frozen=True)
class ScenarioFigures(Figures):
    kind: str
    steps: tuple[StepFigures, ...]  # by step; only steps with something in the period

    @property
    def label(self) -> str:
        return ScenarioKind(self.kind).label


@dataclass(frozen=True)
class WeekFigures:
    start: date  # the Monday
    sent: int
    replied: int

    @property
    def reply_rate(self) -> float | None:
        return rules.rate(self.replied, self.sent)


@dataclass(frozen=True)
class ReasonCount:
    reason: str  # the code (a vocabulary.Reason value, or a provider's code such as "twilio_error 21211")
    label: str  # what the owner reads
    count: int


@dataclass(frozen=True)
class Results:
    start: datetime  # inclusive
    end: datetime  # exclusive
    zone: str  # the zone of the weeks (and of results_for_days' days)
    total: Figures
    scenarios: tuple[ScenarioFigures, ...]  # the three scenarios, in the vocabulary's order
    weeks: tuple[WeekFigures, ...]
    skipped: tuple[ReasonCount, ...]  # most first
    failed: tuple[ReasonCount, ...]
    best: StepFigures | None
    worst: StepFigures | None


def zone_of(bots: QuerySet[Bot]) -> tzinfo:
    """The bot's zone when `bots` is one bot, else UTC."""
    zones = list(bots.values_list("timezone", flat=True)[:2])
    return ZoneInfo(zones[0]) if len(zones) == 1 else UTC


def results_for_days(bots: QuerySet[Bot], first: date, last: date) -> Results:
    zone = zone_of(bots)
    start, end = rules.day_bounds(first, last, zone)
    return results_for(bots, start, end, zone=zone)


def results_for(bots: QuerySet[Bot], start: datetime, end: datetime, *, zone: tzinfo | None = None) -> Results:
    zone = zone if zone is not None else zone_of(bots)
    bot_ids = list(bots.values_list("pk", flat=True))
    in_period = Q(bot_id__in=bot_ids, finished_at__gte=start, finished_at__lt=end)
    sent_rows = (
        FollowUp.objects.filter(in_period, status=FollowUp.Status.SENT)
        .annotate(week=TruncWeek("finished_at", tzinfo=zone))
        .values("week", "kind", "step")
        .annotate(
            sent=Count("*"),
            # COUNT(column) counts the rows where it is set: all from the index.
            replied=Count("replied_at"),
            booked=Count("booked_at"),
            opted_out=Count("opted_out_at"),
        )
        .order_by()
    )
    unsent_rows = (
        FollowUp.objects.filter(in_period, status__in=UNSENT)
        .values("status", "kind", "step", "reason")
        .annotate(n=Count("*"))
        .order_by()
    )
    steps: dict[tuple[str, int], list[int]] = {}  # sent, replied, booked, opted out, skipped, failed
    weeks: dict[date, list[int]] = {}
    for row in sent_rows:
        figures = steps.setdefault((row["kind"], row["step"]), [0] * 6)
        for i, name in enumerate(("sent", "replied", "booked", "opted_out")):
            figures[i] += row[name]
        week = weeks.setdefault(_as_date(row["week"], zone), [0, 0])
        week[0] += row["sent"]
        week[1] += row["replied"]
    reasons: dict[str, dict[str, int]] = {FollowUp.Status.SKIPPED: {}, FollowUp.Status.FAILED: {}}
    for row in unsent_rows:
        figures = steps.setdefault((row["kind"], row["step"]), [0] * 6)
        figures[4 if row["status"] == FollowUp.Status.SKIPPED else 5] += row["n"]
        code = reason_code(row["reason"])
        reasons[row["status"]][code] = reasons[row["status"]].get(code, 0) + row["n"]

    step_figures = {
        key: StepFigures(**dict(zip(FIGURES, values, strict=True)), kind=key[0], step=key[1])
        for key, values in steps.items()
    }
    scenarios = tuple(
        _scenario(kind, [f for (k, _), f in sorted(step_figures.items()) if k == kind]) for kind in ScenarioKind.values
    )
    best, worst = best_and_worst(list(step_figures.values()))
    return Results(
        start=start,
        end=end,
        zone=str(zone),
        total=_sum(scenarios),
        scenarios=scenarios,
        weeks=_weeks(weeks, start, end, zone),
        skipped=_reasons(reasons[FollowUp.Status.SKIPPED]),
        failed=_reasons(reasons[FollowUp.Status.FAILED]),
        best=best,
        worst=worst,
    )


def reason_code(reason: str) -> str:
    return reason.split(": ", 1)[0].strip() or "unknown"


def reason_label(code: str) -> str:
    if code in Reason.values:
        return str(Reason(code).label)
    return f"The provider refused it: {code}." if code.startswith("twilio_error") else code


def best_and_worst(steps: list[StepFigures]) -> tuple[StepFigures | None, StepFigures | None]:
    ranked = [s for s in steps if s.sent >= MIN_SENT_TO_RANK]
    if len(ranked) < 2:
        return None, None
    best = max(ranked, key=lambda s: (s.replied / s.sent, s.sent, -ScenarioKind.values.index(s.kind), -s.step))
    worst = min(ranked, key=lambda s: (s.replied / s.sent, -s.sent, ScenarioKind.values.index(s.kind), s.step))
    return best, worst


def _scenario(kind: str, steps: list[StepFigures]) -> ScenarioFigures:
    return ScenarioFigures(**_totals(steps), kind=kind, steps=tuple(steps))


def _totals(parts) -> dict[str, int]:
    return {name: sum(getattr(p, name) for p in parts) for name in FIGURES}


def _sum(parts) -> Figures:
    return Figures(**_totals(parts))


def _as_date(week, zone: tzinfo) -> date:
    if isinstance(week, datetime):
        return (week.astimezone(zone) if week.tzinfo else week).date()
    return week


def _monday(at: datetime, zone: tzinfo) -> date:
    day = at.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def _weeks(found: dict[date, list[int]], start: datetime, end: datetime, zone: tzinfo) -> tuple[WeekFigures, ...]:
    if end <= start:
        return ()
    monday, last = _monday(start, zone), _monday(end - timedelta(microseconds=1), zone)
    out = []
    while monday <= last:
        sent, replied = found.get(monday, (0, 0))
        out.append(WeekFigures(start=monday, sent=sent, replied=replied))
        monday += timedelta(days=7)
    return tuple(out)


def _reasons(counts: dict[str, int]) -> tuple[ReasonCount, ...]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ReasonCount(reason=code, label=reason_label(code), count=n) for code, n in ordered)
