"""Event handling: inbound messages through scheduling.events.record_inbound (classify,
cancel, plan; real database), and the rule classifier alone, in this process."""

import json
import time
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


def record_inbound_rate(pop, count: int) -> dict:
    """Replies from contacts who have a pending follow-up (so each one cancels it, and
    busy / specific-time replies plan a new one), one conversation each."""
    from django.db import connection

    from benchmarks.dispatch_bench import QueryCounter
    from conversations.models import Conversation
    from scheduling.events import record_inbound
    from scheduling.models import FollowUp

    first = pop.due * pop.stride + 1  # past the due slice: the dispatch runs don't touch these
    conversations = list(Conversation.objects.filter(pk__gte=first).order_by("pk")[:count])
    bodies = [t["text"] for t in texts()]
    queries = QueryCounter()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(queries):
        for i, conversation in enumerate(conversations):
            record_inbound(
                conversation, bodies[i % len(bodies)], channel=conversation.channel, provider_id=f"SMevents{i:08d}"
            )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    ids = [c.pk for c in conversations]
    cancelled = FollowUp.objects.filter(conversation_id__in=ids, reason="contact_replied").count()
    planned = FollowUp.objects.filter(
        conversation_id__in=ids, status="pending", trigger_message__provider_id__startswith="SMevents"
    ).count()
    return {
        "messages": len(conversations),
        "seconds": elapsed,
        "rate": len(conversations) / elapsed,
        "cancelled": cancelled,
        "planned": planned,
        "queries_per_message": queries.count / len(conversations),
        "cpu_us_per_message": cpu * 1e6 / len(conversations),
    }
