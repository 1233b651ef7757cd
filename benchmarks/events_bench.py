"""Event handling: inbound messages through scheduling.events.record_inbound (classify,
cancel, plan; real database), and the rule classifier alone, in this process."""

import json
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from benchmarks.common import ROOT

# The repository's labelled messages: the same inputs on every machine. (The shared eval
# set beside a checkout is left out on purpose: with it, the figures would depend on
# whether that folder happens to be there.)
INTENTS = ROOT / "examples" / "intents.jsonl"


def texts() -> list[dict]:
    """Inputs as the labelled file has them: text, now, timezone (and history when given)."""
    return [json.loads(line)["input"] for line in INTENTS.read_text().splitlines() if line.strip()]


def classifier_rate(count: int) -> dict:
    from conversations.classifier.rules import classify_rules
    from conversations.classifier.types import ClassifyInput, HistoryItem

    inputs = [
        ClassifyInput(
            text=i["text"],
            now=datetime.fromisoformat(i["now"]),
            tz=ZoneInfo(i["timezone"]),
            history=tuple(HistoryItem(h["direction"], h["text"]) for h in i.get("history", ())),
        )
        for i in texts()
    ]
    batch = (inputs * (count // len(inputs) + 1))[:count]
    started = time.perf_counter()
    for inp in batch:
        classify_rules(inp)
    elapsed = time.perf_counter() - started
    return {"messages": count, "distinct": len(inputs), "seconds": elapsed, "rate": count / elapsed}


@dataclass(frozen=True)
class Call:
    """One record_inbound: its statements (SAVEPOINT / RELEASE not counted: see `savepoints`)
    and its CPU time in this process."""

    provider_id: str
    statements: int
    savepoints: int
    cpu: float  # seconds


def pending_conversations(pop, skip: int, count: int) -> list:
    """Conversations that have a pending follow-up and that the dispatch runs don't touch
    (past the due slice), in id order from the `skip`-th."""
    from conversations.directory import with_contacts_bot
    from conversations.models import Conversation

    first = pop.due * pop.stride + 1
    # With their bot and contact, as the webhook's lookup hands them over.
    rows = Conversation.objects.select_related("bot", "contact").filter(pk__gte=first).order_by("pk")
    return [with_contacts_bot(c) for c in rows[skip : skip + count]]


def record_each(conversations: list, bodies: list[str], prefix: str) -> tuple[list[Call], float, float]:
    """record_inbound once per conversation, bodies in turn; the calls, the wall and CPU seconds."""
    from django.db import connection

    from benchmarks.dispatch_bench import QueryCounter
    from scheduling.events import record_inbound

    queries = QueryCounter()
    calls = []
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(queries):
        for i, conversation in enumerate(conversations):
            provider_id = f"{prefix}{i:08d}"
            count, savepoints, cpu = queries.count, queries.savepoints, time.process_time()
            record_inbound(conversation, bodies[i % len(bodies)], channel=conversation.channel, provider_id=provider_id)
            savepoints = queries.savepoints - savepoints
            calls.append(Call(provider_id, queries.count - count - savepoints, savepoints, time.process_time() - cpu))
    return calls, time.perf_counter() - started, time.process_time() - cpu_started


def stored_intents(calls: list[Call]) -> dict[str, str]:
    """provider id -> the intent stored on its message (what the classifier made of it)."""
    from conversations.models import Message

    return dict(
        Message.objects.filter(provider_id__in=[c.provider_id for c in calls]).values_list("provider_id", "intent")
    )


def statements_of(calls: list[Call]) -> dict:
    """Statements (mean, max), savepoints (mean) and CPU µs (mean) per call."""
    return {
        "messages": len(calls),
        "queries_mean": sum(c.statements for c in calls) / len(calls),
        "queries_max": max(c.statements for c in calls),
        "savepoints_mean": sum(c.savepoints for c in calls) / len(calls),
        "cpu_us_mean": sum(c.cpu for c in calls) * 1e6 / len(calls),
    }


def by_intent(calls: list[Call], intents: dict[str, str]) -> dict[str, dict]:
    groups: dict[str, list[Call]] = {}
    for c in calls:
        groups.setdefault(intents.get(c.provider_id, "(not stored)"), []).append(c)
    return {intent: statements_of(group) for intent, group in sorted(groups.items(), key=lambda g: -len(g[1]))}


def cancelled_by_reply(conversations: list) -> int:
    from scheduling.models import FollowUp

    return FollowUp.objects.filter(conversation_id__in=[c.pk for c in conversations], reason="contact_replied").count()


# A reply the rule classifier calls `other` (checked: the row fails if it is stored as
# anything else): it only cancels the pending follow-up, the least any reply does.
PLAIN_REPLY = "ok thanks, what time do you open?"


def record_inbound_rate(pop, count: int, plain: int) -> dict:
    """Replies from contacts who have a pending follow-up (so each one cancels it, and
    busy / specific-time replies plan a new one), one conversation each: `count` with the
    labelled texts in turn, then `plain` more with PLAIN_REPLY."""
    from scheduling.models import FollowUp

    conversations = pending_conversations(pop, 0, count)
    calls, elapsed, cpu = record_each(conversations, [t["text"] for t in texts()], "SMevents")
    intents = stored_intents(calls)
    plain_conversations = pending_conversations(pop, count, plain)
    plain_calls, plain_elapsed, _ = record_each(plain_conversations, [PLAIN_REPLY], "SMplain")
    plain_intents = stored_intents(plain_calls)
    planned = FollowUp.objects.filter(
        conversation_id__in=[c.pk for c in conversations],
        status="pending",
        trigger_message__provider_id__startswith="SMevents",
    ).count()
    problems = []
    if len(intents) != len(calls) or len(plain_intents) != len(plain_calls):
        problems.append(
            f"{len(intents) + len(plain_intents)} messages stored for {len(calls) + len(plain_calls)} calls"
        )
    if set(plain_intents.values()) != {"other"}:
        problems.append(f"the plain reply was classified {sorted(set(plain_intents.values()))}, not other")
    return {
        "messages": len(calls),
        "seconds": elapsed,
        "rate": len(calls) / elapsed,
        "cancelled": cancelled_by_reply(conversations),
        "planned": planned,
        "queries_per_message": sum(c.statements for c in calls) / len(calls),
        "savepoints_per_message": sum(c.savepoints for c in calls) / len(calls),
        "cpu_us_per_message": cpu * 1e6 / len(calls),
        "by_intent": by_intent(calls, intents),
        "plain": {
            "text": PLAIN_REPLY,
            **statements_of(plain_calls),
            "seconds": plain_elapsed,
            "rate": len(plain_calls) / plain_elapsed,
            "cancelled": cancelled_by_reply(plain_conversations),
        },
        "check": "ok" if not problems else "FAILED: " + "; ".join(problems),
    }
