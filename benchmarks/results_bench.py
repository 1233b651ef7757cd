"""Results at agency size: one bot with 1,000,000 follow-ups over 180 days, then the figures
of the Results page and API (scheduling/results.py) for the last 7, 30 and 90 days.

Rows get ids from 500,000,000 (clear of the other phases' rows) under a bot of their own,
and are deleted at the end. The mix: 85% sent (25% of those replied, 5% booked, 2% opted
out), 8% skipped, 2% failed, 5% cancelled; steps 1 to 3 of the three scenarios. Each
figure is the median of 5 runs, beside a reference measured the same way: a bare count of
the same bot's sent rows in the period.
"""

import statistics
import time
from datetime import timedelta

from benchmarks.common import pg_connect, scalar, sql

BASE = 500_000_000
CONVERSATIONS = 20_000

_SEED = """
INSERT INTO conversations_contact (id, account_id, bot_id, first_name, last_name, phone, email, timezone, created_at)
SELECT %(base)s + n, %(account)s, %(bot)s, 'Ana', 'Doe', '+1666' || lpad(n::text, 7, '0'), '', '', %(now)s - interval '200 days'
FROM generate_series(1, %(conversations)s) AS n;

INSERT INTO conversations_conversation (id, bot_id, contact_id, channel, stopped, stopped_reason, created_at)
SELECT %(base)s + n, %(bot)s, %(base)s + n, 'sms', false, '', %(now)s - interval '200 days'
FROM generate_series(1, %(conversations)s) AS n;

INSERT INTO scheduling_followup (id, conversation_id, bot_id, scenario_id, kind, step, steps_total, due_at,
    planned_at, late_from, attempts, channel, status, reason, text, text_source, created_at, claim_token,
    delivery_status, provider_id, finished_at, replied_at, booked_at, opted_out_at)
SELECT %(base)s + n, %(base)s + 1 + n %% %(conversations)s, %(bot)s, s.id, s.kind, 1 + n %% 3, 3,
       t.at, t.at, t.at, 0, 'sms', st.status,
       CASE st.status WHEN 'skipped' THEN (ARRAY['daily_limit','opted_out','no_sending_window'])[1 + n %% 3]
                      WHEN 'failed' THEN 'twilio_error 21211: invalid To' WHEN 'cancelled' THEN 'contact_replied'
                      ELSE '' END,
       '', '', t.at - interval '1 hour', '', '', '', t.at,
       CASE WHEN st.status = 'sent' AND n %% 4 = 0 THEN t.at + interval '2 hours' END,
       CASE WHEN st.status = 'sent' AND n %% 20 = 0 THEN t.at + interval '1 day' END,
       CASE WHEN st.status = 'sent' AND n %% 50 = 1 THEN t.at + interval '3 hours' END
FROM generate_series(1, %(rows)s) AS n
CROSS JOIN LATERAL (SELECT %(now)s - make_interval(secs => (n::bigint * 15552000) / %(rows)s) AS at) t
CROSS JOIN LATERAL (SELECT CASE WHEN n %% 100 < 85 THEN 'sent' WHEN n %% 100 < 93 THEN 'skipped'
                                WHEN n %% 100 < 95 THEN 'failed' ELSE 'cancelled' END AS status) st
JOIN bots_scenario s ON s.bot_id = %(bot)s
    AND s.kind = (ARRAY['stopped_replying','busy','specific_time'])[1 + (n / 3) %% 3];
"""


def _median_ms(run, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(rows: int, log) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings
    from django.utils import timezone

    from accounts.models import Account
    from bots.models import Bot
    from scheduling.results import results_for

    bot = Bot.objects.create(
        account=Account.objects.create(name="Results agency"), name="Results clinic", timezone="America/Chicago"
    )
    now = timezone.now()
    started = time.monotonic()
    with pg_connect(autocommit=False) as conn:
        conn.execute(
            _SEED,
            {
                "base": BASE,
                "account": bot.account_id,
                "bot": bot.pk,
                "now": now,
                "rows": rows,
                "conversations": CONVERSATIONS,
            },
        )
        conn.commit()
    sql("VACUUM ANALYZE scheduling_followup")
    seeded = time.monotonic() - started
    log(f"  seeded {rows:,} follow-ups in {seeded:.1f} s")
    bots = Bot.objects.filter(pk=bot.pk)
    # The page itself, as an owner's browser gets it: sign-in, scoping, figures, charts, HTML.
    owner = get_user_model().objects.create_superuser("results-bench", password=None)
    client = Client()
    client.force_login(owner)

    # Static file names as with DEBUG on: the benchmark runs without collectstatic.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    def page(days: int) -> None:
        with override_settings(STORAGES=plain_static):
            response = client.get(f"/results/?bot={bot.pk}&period={days}")
        assert response.status_code == 200, response.status_code

    periods: list[dict] = []
    out: dict = {"rows": rows, "seed_seconds": round(seeded, 1), "periods": periods}
    for days in (7, 30, 90):
        start = now - timedelta(days=days)
        results = results_for(bots, start, now)  # warm
        ms = _median_ms(lambda start=start: results_for(bots, start, now))
        ref = _median_ms(
            lambda start=start: scalar(
                "SELECT count(*) FROM scheduling_followup WHERE bot_id = %s AND status = 'sent' "
                "AND finished_at >= %s AND finished_at < %s",
                [bot.pk, start, now],
            )
        )
        page(days)  # warm
        page_ms = _median_ms(lambda days=days: page(days))
        periods.append(
            {
                "days": days,
                "sent": results.total.sent,
                "ms": round(ms, 1),
                "page_ms": round(page_ms, 1),
                "count_ms": round(ref, 1),
            }
        )
        log(
            f"  last {days} days: {results.total.sent:,} sent, page {page_ms:.0f} ms, "
            f"results_for {ms:.0f} ms, bare count {ref:.0f} ms"
        )
    worst = max(p["page_ms"] for p in periods)
    out["check"] = "ok" if worst < 1000 else f"FAILED: {worst:.0f} ms is over 1 s"
    sql(f"DELETE FROM scheduling_followup WHERE id > {BASE}")
    sql(f"DELETE FROM conversations_conversation WHERE id > {BASE}")
    sql(f"DELETE FROM conversations_contact WHERE id > {BASE}")
    bot.delete()
    owner.delete()
    return out
