"""Results: what the follow-ups of a business's bots achieved over a period, in the admin's
shell. Per scenario and step: sent, replied, reply rate, booked, opted out; what was skipped
or failed, by reason; the reply rate week by week; the best and the worst step. Two charts
(console/charts.py, SVG drawn here), the same numbers as tables, and a CSV download.

The figures are scheduling/results.py's (`results_for`); this page chooses the bots and
the period, and shows them.

Staff only, and scoped like Response Info: the page is always about one business. Its bots
are those the user may see the history of (console/policy.py, "history"; owners and
agents); `?bot=` one of them, or `?account=` a business's bots all together (the default:
the user's first business); the picker sends `?bots=bot:<id>` or `?bots=account:<id>`. A bot or business the user doesn't reach is as missing as one
that never existed (404). A staff user of no business reaches none: 404 too.

The period: `?period=7|30|90` (the last days, today included; 30 by default) or
`?from=&to=` (YYYY-MM-DD, both included; at most MAX_PERIOD_DAYS days; with `period=dates`
or no `period`). Days are whole days
in the bots' time zone (UTC when they have several; rules/results.py). Input that makes no
sense is replaced by the default, and a message says so; it never fails the page.
`?format=csv` downloads the tables.
"""

import csv
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import capfirst, slugify
from django.views.decorators.http import require_GET

from accounts.models import Account
from bots.models import Bot
from console import charts, policy
from console.display import EMPTY, choice, coded, label
from rules.results import MAX_PERIOD_DAYS, PERIODS, day_bounds
from rules.results import last_days as last_local_days
from scheduling.clock import system_clock
from scheduling.results import MIN_SENT_TO_RANK, Results, StepFigures, results_for
from vocabulary import ScenarioKind

DEFAULT_PERIOD = 30
DATES = "dates"  # the picker's "chosen dates" period


@dataclass(frozen=True)
class Period:
    start: datetime  # included
    end: datetime  # excluded
    days: int | None  # the last `days` days; None: chosen dates
    first_day: date  # the dates shown (both included), in the bots' zone
    last_day: date

    @property
    def name(self) -> str:
        span = f"{_day(self.first_day)} – {_day(self.last_day)}"
        return f"Last {self.days} days ({span})" if self.days else span

    @property
    def slug(self) -> str:
        return f"{self.first_day:%Y-%m-%d}-to-{self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class StepLine:
    scenario: SafeString  # the label, the code in its tooltip
    scenario_label: str
    kind: str
    step: int
    sent: int
    replied: int
    reply_rate: str  # "25%", or "—" when nothing was sent
    booked: int
    opted_out: int
    skipped: int
    failed: int


@dataclass(frozen=True)
class ReasonLine:
    outcome: str  # "Skipped" or "Failed"
    reason: SafeString  # the label, the code in its tooltip
    code: str
    label: str
    count: int


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _rate(value: float | None) -> str:
    return EMPTY if value is None else charts.percent(value * 100)


# --- choosing the bots ------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _choose(request, bots: QuerySet[Bot]) -> tuple[Account, Bot | None]:
    """The business the page is about and its one bot (None: all its bots), from ?bot= or
    ?account=. One the user doesn't reach: 404."""
    raw_bot, raw_account = request.GET.get("bot", ""), request.GET.get("account", "")
    # The picker's one select: "bot:<id>" or "account:<id>".
    kind, _, value = request.GET.get("bots", "").partition(":")
    if kind == "bot":
        raw_bot, raw_account = value or "?", ""
    elif kind == "account":
        raw_bot, raw_account = "", value or "?"
    if raw_bot:
        bot_id = _int(raw_bot)
        if bot_id is None:
            messages.warning(request, f"“{raw_bot}” names no bot: showing all of the business's bots instead.")
        else:
            bot = bots.select_related("account").filter(pk=bot_id).first()
            if bot is None:
                raise Http404("No such bot.")
            return bot.account, bot
    reached = Account.objects.filter(pk__in=bots.values("account")).order_by("name", "pk")
    if raw_account:
        account_id = _int(raw_account)
        if account_id is None:
            messages.warning(request, f"“{raw_account}” names no business: showing your first business instead.")
        else:
            account = reached.filter(pk=account_id).first()
            if account is None:
                raise Http404("No such business.")
            return account, None
    account = reached.first()
    if account is None:
        raise Http404("No bot to show the results of.")
    return account, None


def _zone(bots: QuerySet[Bot]) -> ZoneInfo:
    """The bots' time zone, when they share one; UTC otherwise."""
    zones = set(bots.values_list("timezone", flat=True))
    return ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")


# --- choosing the period ----------------------------------------------------------------------


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def last_days(days: int, now: datetime, tz: ZoneInfo) -> Period:
    """The last `days` whole local days, today included (rules/results.py)."""
    first, last = last_local_days(days, now, tz)
    return Period(*day_bounds(first, last, tz), days, first, last)


def dates(first: date, last: date, tz: ZoneInfo) -> Period:
    return Period(*day_bounds(first, last, tz), None, first, last)


def period_of(request, now: datetime, tz: ZoneInfo) -> Period:
    """The period the query asks for, or the default with a message saying why: `period`
    7, 30 or 90 (the dates then ignored), or "dates" (or none) with `from` and `to`."""
    default = last_days(DEFAULT_PERIOD, now, tz)
    instead = f"showing the last {DEFAULT_PERIOD} days"
    raw = request.GET.get("period", "").strip()
    raw_from, raw_to = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    if raw in ("", DATES) and (raw_from or raw_to or raw == DATES):
        first, last = _parse_day(raw_from), _parse_day(raw_to)
        if first is None or last is None:
            wrong = raw_from if first is None else raw_to
            said = f"“{wrong}” is no date" if wrong else "Both dates are needed"
            messages.warning(request, f"{said} (YYYY-MM-DD): {instead}.")
            return default
        if first > last:
            messages.warning(request, f"The period can't start ({first}) after it ends ({last}): {instead}.")
            return default
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            messages.warning(request, f"A period is at most {MAX_PERIOD_DAYS} days: {instead}.")
            return default
        return dates(first, last, tz)
    if raw:
        days = _int(raw)
        if days not in PERIODS:
            messages.warning(request, f"“{raw}” is no period offered (7, 30 or 90 days): {instead}.")
            return default
        assert days is not None
        return last_days(days, now, tz)
    return default


# --- the page ---------------------------------------------------------------------------------


@staff_member_required
@require_GET
def results_page(request):
    bots = policy.scope(Bot.objects.all(), policy.allowed(request.user, "history", policy.VIEW)).order_by(
        "account__name", "name", "pk"
    )
    account, bot = _choose(request, bots)
    chosen = bots.filter(pk=bot.pk) if bot else bots.filter(account=account)
    tz = _zone(chosen)
    period = period_of(request, system_clock.now(), tz)
    results = results_for(chosen, period.start, period.end, zone=tz)
    subject = str(bot) if bot else f"All bots of {account}"
    if request.GET.get("format") == "csv":
        return _csv(results, bot or account, period)
    return render(
        request,
        "console/results.html",
        {
            **admin.site.each_context(request),  # the admin's header and sidebar
            "title": f"Results: {subject}",
            "subject": subject,
            "account": account,
            "bot": bot,
            "period": period,
            "zone": tz.key,
            "choices": _bot_choices(bots, account, bot),
            "periods": [
                *((str(days), f"Last {days} days", period.days == days) for days in PERIODS),
                (DATES, "Chosen dates", period.days is None),
            ],
            "csv_url": "?" + urlencode({**_query(account, bot, period), "format": "csv"}),
            **_figures(results),
        },
    )


def _query(account: Account, bot: Bot | None, period: Period) -> dict[str, str]:
    chosen = {"bot": str(bot.pk)} if bot else {"account": str(account.pk)}
    if period.days:
        return {**chosen, "period": str(period.days)}
    return {**chosen, "period": DATES, "from": period.first_day.isoformat(), "to": period.last_day.isoformat()}


def _bot_choices(bots: QuerySet[Bot], account: Account, bot: Bot | None) -> list[dict]:
    """The picker's options: per business, all its bots, then each bot."""
    groups: dict[int, dict] = {}
    for each in bots.select_related("account"):
        group = groups.setdefault(
            each.account_id,
            {
                "name": str(each.account),
                "options": [
                    {
                        "name": "account",
                        "value": each.account_id,
                        "label": f"All bots of {each.account}",
                        "selected": bot is None and each.account_id == account.pk,
                    }
                ],
            },
        )
        group["options"].append(
            {"name": "bot", "value": each.pk, "label": str(each), "selected": bot is not None and each.pk == bot.pk}
        )
    return list(groups.values())


def _figures(results: Results) -> dict:
    steps = [step for scenario in results.scenarios for step in scenario.steps]
    total = results.total
    bars = [
        (scenario.label, [(f"Step {step.step}", _percent(step.reply_rate)) for step in scenario.steps])
        for scenario in results.scenarios
    ]
    weeks = [(f"{week.start.day} {week.start:%b}", _percent(week.reply_rate)) for week in results.weeks]
    return {
        "steps": [_step_line(step) for step in steps],
        "reasons": _reason_lines(results),
        "weeks": [
            {
                "start": _day(week.start),
                "sent": week.sent,
                "replied": week.replied,
                "reply_rate": _rate(week.reply_rate),
            }
            for week in results.weeks
        ],
        "summary": {
            "sent": total.sent,
            "replied": total.replied,
            "reply_rate": _rate(total.reply_rate),
            "booked": total.booked,
            "opted_out": total.opted_out,
            "skipped": total.skipped,
            "failed": total.failed,
        },
        "best": _step_line(results.best) if results.best else None,
        "worst": _step_line(results.worst) if results.worst else None,
        "min_sent_to_rank": MIN_SENT_TO_RANK,
        "bars": charts.bar_chart(bars, title="Reply rate per step, by scenario"),
        "lines": charts.line_chart(weeks, title="Reply rate per week (weeks start on Monday)"),
    }


def _percent(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


def _step_line(step: StepFigures) -> StepLine:
    return StepLine(
        scenario=choice(ScenarioKind, step.kind),
        scenario_label=label(ScenarioKind, step.kind),
        kind=step.kind,
        step=step.step,
        sent=step.sent,
        replied=step.replied,
        reply_rate=_rate(step.reply_rate),
        booked=step.booked,
        opted_out=step.opted_out,
        skipped=step.skipped,
        failed=step.failed,
    )


def _reason_lines(results: Results) -> list[ReasonLine]:
    return [
        ReasonLine(outcome, coded(capfirst(count.label), count.reason), count.reason, count.label, count.count)
        for outcome, counts in (("Skipped", results.skipped), ("Failed", results.failed))
        for count in counts
    ]


# --- CSV ----------------------------------------------------------------------------------------

STEP_HEADER = [
    "scenario",
    "scenario_label",
    "step",
    "sent",
    "replied",
    "reply_rate_percent",
    "booked",
    "opted_out",
    "skipped",
    "failed",
]
REASON_HEADER = ["outcome", "reason", "reason_label", "count"]


def _csv(results: Results, about: Bot | Account, period: Period) -> HttpResponse:
    """Two tables, a blank line between them: per scenario and step, then not sent by reason.
    Rates in percent, one decimal; empty when nothing was sent."""
    name = f"results-{slugify(str(about)) or about.pk}-{period.slug}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(STEP_HEADER)
    for scenario in results.scenarios:
        for s in scenario.steps:
            rate = "" if s.reply_rate is None else f"{s.reply_rate * 100:.1f}"
            writer.writerow(
                [s.kind, scenario.label, s.step, s.sent, s.replied, rate, s.booked, s.opted_out, s.skipped, s.failed]
            )
    writer.writerow([])
    writer.writerow(REASON_HEADER)
    for line in _reason_lines(results):
        writer.writerow([line.outcome.lower(), line.code, line.label, line.count])
    return response
