"""Bulk test data with INSERT ... SELECT generate_series: one contact, one conversation,
two messages and one pending follow-up per number n, spread over many bots, so the tables
look like production's (and the unique "one pending follow-up per conversation" holds).

A fixed slice of them (`due`, spread over the first rows) is due now; every other
follow-up is due 1 to 8 days from now, so nothing else falls due during a run. The
population grows in place (10k -> 100k -> 1M) and `reset` puts the due slice back as it
was before a run, so every run at every size sends the very same rows.
"""

from dataclasses import dataclass, field

from benchmarks.common import pg_connect

BOTS = 100
TIMEZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Australia/Sydney",
    "UTC",
]
# (table, column that marks a row created by a run: anything above the seeded max id)
RUN_CREATED = [
    "scheduling_followup",
    "conversations_message",
    "scheduling_engineevent",
    "conversations_optout",
    "conversations_conversation",
    "conversations_contact",
]


@dataclass
class Population:
    due: int  # follow-ups due now, the same rows at every size
    stride: int  # due rows are ids stride, 2*stride, ... (spread, not one block)
    url: str | None = None  # None: DATABASE_URL
    size: int = 0
    bots: list = field(default_factory=list)
    seeded_max: dict = field(default_factory=dict)  # table -> max id after seeding

    def due_where(self, alias: str = "scheduling_followup") -> str:
        return f"{alias}.id <= {self.due * self.stride} AND {alias}.id % {self.stride} = 0"


def create_bots(count: int = BOTS) -> list[int]:
    """Bots through the ORM (their scenarios come from the post_save signal), open all
    week, with no contact hours and no daily limit (a new bot's defaults since contract v2),
    so a due follow-up is never deferred or skipped whatever the time of day of the run."""
    from datetime import time

    from accounts.models import Account
    from bots.models import Bot, Scenario, WorkingWindow

    ids = []
    for i in range(count):
        bot = Bot.objects.create(
            account=Account.objects.create(name=f"Business {i}"),
            name=f"Clinic {i}",
            timezone=TIMEZONES[i % len(TIMEZONES)],
            booking_link=f"https://book.example.com/{i}",
            contact_hours_enabled=False,
            max_follow_ups_per_day=None,
        )
        WorkingWindow.objects.bulk_create(WorkingWindow(bot=bot, weekday=d, start=time(0), end=None) for d in range(7))
        if i % 5 == 0:  # some bots write their own text
            Scenario.objects.filter(bot=bot).update(
                use_custom_message=True, custom_messages=["Hi {first_name}, {business_name} here: {booking_link}"]
            )
        ids.append(bot.pk)
    return ids


# n -> its row in each table. Channel mix: 70% SMS, WhatsApp, live chat, Facebook,
# Instagram, email; 10% of contacts never wrote; the others wrote 2 to 71 hours ago (so
# some windowed channels are still open and others move to SMS).
_SEED = """
CREATE TEMP TABLE seed AS
SELECT n,
       (%(bots)s::bigint[])[1 + n %% %(nbots)s] AS bot_id,
       CASE WHEN n %% 20 < 14 THEN 'sms' ELSE (ARRAY['whatsapp','whatsapp','live_chat','facebook','instagram','email'])[n %% 20 - 13] END AS channel,
       CASE WHEN n %% 10 = 3 THEN NULL ELSE %(now)s - make_interval(hours => 2 + n %% 70) END AS last_inbound_at,
       CASE WHEN n %% 10 < 7 THEN 'stopped_replying' WHEN n %% 10 < 9 THEN 'busy' ELSE 'specific_time' END AS kind,
       (n <= %(due_max)s AND n %% %(stride)s = 0) AS due
FROM generate_series(%(lo)s, %(hi)s) AS n;

INSERT INTO conversations_contact (id, account_id, bot_id, first_name, last_name, phone, email, timezone, created_at)
SELECT n, (SELECT account_id FROM bots_bot b WHERE b.id = seed.bot_id), bot_id, (ARRAY['Ana','Ben','Chloe','Dev','Elif','Femi','Gus','Hana'])[1 + n %% 8], 'Doe',
       '+1555' || lpad(n::text, 7, '0'),
       CASE WHEN channel = 'email' OR n %% 4 = 0 THEN 'contact' || n || '@example.com' ELSE '' END,
       '', %(now)s - interval '30 days'
FROM seed;

INSERT INTO conversations_conversation (id, bot_id, contact_id, channel, stopped, stopped_reason, last_inbound_at, created_at)
SELECT n, bot_id, n, channel, false, '', last_inbound_at, %(now)s - interval '30 days' FROM seed;

-- The contact's last message (id 2n-1) and the bot's answer that started the follow-up (id 2n).
INSERT INTO conversations_message (id, conversation_id, direction, author, channel, text, at, is_follow_up,
                                   intent, requested_at, classified_by, provider_id)
SELECT 2 * n - 1, n, 'inbound', 'contact', channel, 'Hi, how much is a cleaning?', last_inbound_at, false,
       'other', NULL::timestamptz, 'rules', 'SMseed' || n
FROM seed WHERE last_inbound_at IS NOT NULL
UNION ALL
SELECT 2 * n, n, 'outbound', 'bot', channel, 'It is $90. Would you like to book? https://book.example.com',
       coalesce(last_inbound_at, %(now)s - interval '3 days') + interval '5 minutes', false, '', NULL, '', ''
FROM seed;

INSERT INTO scheduling_followup (id, conversation_id, bot_id, scenario_id, kind, step, steps_total, due_at, planned_at,
    late_from, attempts, channel, status, reason, trigger_message_id, text, text_source, created_at, claim_token,
    delivery_status, provider_id)
SELECT n, n, seed.bot_id, s.id, seed.kind,
       CASE WHEN seed.kind <> 'specific_time' AND n %% 3 = 0 THEN 2 ELSE 1 END,
       CASE WHEN seed.kind = 'specific_time' THEN 1 ELSE 2 END,
       t.planned_at, t.planned_at, t.planned_at, 0, CASE WHEN channel IN ('sms', 'email') THEN channel ELSE 'sms' END,
       'pending', '', 2 * n, '', '', coalesce(last_inbound_at, %(now)s - interval '3 days') + interval '5 minutes', '', '', ''
FROM seed
JOIN bots_scenario s ON s.bot_id = seed.bot_id AND s.kind = seed.kind
CROSS JOIN LATERAL (SELECT CASE
    WHEN due THEN %(now)s - make_interval(secs => 1 + n %% 600 + (n %% 997) / 1000.0)
    ELSE %(now)s + interval '1 day' + make_interval(secs => (n::bigint * 7919) %% 604800) END AS planned_at) t;

DROP TABLE seed;
"""


def grow(pop: Population, size: int, now) -> float:
    """Adds rows n = pop.size+1 .. size. Returns the seconds it took."""
    import time

    started = time.monotonic()
    with pg_connect(pop.url, autocommit=False) as conn:
        conn.execute(
            _SEED,
            {
                "bots": pop.bots,
                "nbots": len(pop.bots),
                "now": now,
                "lo": pop.size + 1,
                "hi": size,
                "due_max": pop.due * pop.stride,
                "stride": pop.stride,
            },
        )
        for table in RUN_CREATED:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        conn.commit()
    pop.size = size
    _remember_max(pop)
    vacuum(pop.url)
    return time.monotonic() - started


def _remember_max(pop: Population) -> None:
    with pg_connect(pop.url) as conn:
        for table in RUN_CREATED:
            pop.seeded_max[table] = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def reset(pop: Population) -> None:
    """Undo a run: drop what it created, put the due slice back to pending."""
    m = pop.seeded_max
    with pg_connect(pop.url, autocommit=False) as conn:
        conn.execute(f"DELETE FROM scheduling_followup WHERE id > {m['scheduling_followup']}")
        conn.execute(f"""UPDATE scheduling_followup SET status = 'pending', reason = '', claimed_at = NULL,
                         claim_token = '', finished_at = NULL, text = '', text_source = '', sent_message_id = NULL,
                         provider_id = '', delivery_status = '', handed_at = NULL, attempts = 0
                         WHERE {pop.due_where()} AND status <> 'pending'""")
        # Lateness counts from now: however long the whole run takes, the late cut-off (2 hours
        # by default) never skips the due slice as too_late.
        conn.execute(f"UPDATE scheduling_followup SET late_from = now() WHERE {pop.due_where()}")
        for table in RUN_CREATED[1:]:
            conn.execute(f"DELETE FROM {table} WHERE id > {m[table]}")
        conn.execute("DELETE FROM django_q_task; DELETE FROM django_q_ormq")
        conn.commit()
    vacuum(pop.url)


def vacuum(url: str | None = None) -> None:
    # A run leaves dead row versions (and dead entries in the partial index): clean them,
    # as autovacuum would between bursts, so every run starts from the same state.
    with pg_connect(url) as conn:
        conn.execute("VACUUM ANALYZE scheduling_followup, conversations_message, conversations_conversation")
        conn.execute("ANALYZE")
