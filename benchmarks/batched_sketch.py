"""An experiment, not the product: the dispatcher with each claimed batch recorded in a
constant number of statements instead of ~7 per follow-up. Same claim, same checks, same
text, same (no-op) send, same next-step rules; only the recording differs:

- the claim is renewed once per batch, not once per row;
- one transaction per batch: lock its conversations in one SELECT ... FOR UPDATE (ordered
  by id, so two dispatchers can't deadlock), which also reads what _refresh_conversation
  re-reads today; one INSERT of the messages; one UPDATE ... FROM (VALUES ...) of the
  follow-ups, still conditional on the claim token (Django's bulk_update builds a CASE per
  field and row: it cost more than everything else together); one SELECT of the
  conversations that already have a pending follow-up; one INSERT of the next steps.

It measures how fast the engine could go if scheduling/dispatch.py did this (see
docs/performance.md). Rows the checks don't send take the product's own path.

    python -m benchmarks.batched_sketch worker --batch 100
"""

import argparse
import time
import uuid

from benchmarks.common import NoopSender, process_cpu_seconds, run_workers, worker_done, worker_wait_for_go


def handle_batch(follow_ups, token, clock, sender) -> int:
    from django.db import connection, transaction

    from channels_out import routing
    from channels_out.compose import compose
    from channels_out.senders.base import Outgoing
    from conversations.models import Conversation, Message
    from scheduling import dispatch, planning
    from scheduling.models import FollowUp
    from scheduling.rules import steps
    from scheduling.rules.send_checks import decide

    Status = FollowUp.Status
    now = clock.now()
    FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups], claim_token=token,
                            status=Status.SENDING).update(claimed_at=now)
    sent = []
    for f in follow_ups:
        decision = decide(dispatch.due_state(f, now))
        if decision.action != "send":
            dispatch._finish_unsent(f, token, decision, now)
            continue
        text, source = compose(f)
        result = sender.send(Outgoing(
            follow_up_id=f.pk, bot_id=f.conversation.bot_id, conversation_id=f.conversation_id,
            channel=decision.channel, to=routing.address(decision.channel, f.conversation.contact), text=text))
        sent.append((f, decision.channel, text, source, result, clock.now()))
    if not sent:
        return 0
    with transaction.atomic():
        locked = {row["id"]: row for row in Conversation.objects.select_for_update()
                  .filter(pk__in=sorted({f.conversation_id for f, *_ in sent})).order_by("pk")
                  .values("id", "stopped", "channel", "last_inbound_at")}
        messages = Message.objects.bulk_create(
            Message(conversation_id=f.conversation_id, direction=Message.Direction.OUTBOUND,
                    author=Message.Author.FOLLOW_UP, channel=channel, text=text, at=at, is_follow_up=True,
                    provider_id=result.provider_id)
            for f, channel, text, source, result, at in sent)
        rows = [(f.pk, token, at, channel, text, source, message.pk, result.provider_id, result.delivery_status)
                for (f, channel, text, source, result, at), message in zip(sent, messages)]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE scheduling_followup f SET status = 'sent', reason = '', finished_at = v.at, "
                "channel = v.channel, text = v.text, text_source = v.source, sent_message_id = v.message, "
                "provider_id = v.provider_id, delivery_status = v.delivery FROM (VALUES "
                + ", ".join(["(%s::bigint, %s, %s::timestamptz, %s, %s, %s, %s::bigint, %s, %s)"] * len(rows))
                + ") AS v(id, token, at, channel, text, source, message, provider_id, delivery) "
                "WHERE f.id = v.id AND f.claim_token = v.token AND f.status <> 'sent'",
                [value for row in rows for value in row])
        has_pending = set(FollowUp.objects.filter(conversation_id__in=list(locked), status=Status.PENDING)
                          .values_list("conversation_id", flat=True))
        next_steps = []
        for f, channel, text, source, result, at in sent:
            conversation, scenario = f.conversation, f.scenario
            row = locked[f.conversation_id]
            conversation.stopped, conversation.channel = row["stopped"], row["channel"]
            conversation.last_inbound_at = row["last_inbound_at"]
            # The rules of planning.plan_next_step, without its per-row queries.
            if (conversation.stopped or not scenario.enabled or not conversation.bot.auto_follow_up
                    or f.conversation_id in has_pending
                    or (conversation.last_inbound_at is not None and conversation.last_inbound_at > f.created_at)):
                continue
            due_at = steps.next_due(scenario.kind, scenario.delays, f.step, at, conversation.bot.tz)
            if due_at is None:
                continue
            planned_at, predicted = planning._timing(conversation, due_at)
            next_steps.append(FollowUp(
                conversation=conversation, scenario=scenario, kind=scenario.kind, step=f.step + 1,
                steps_total=steps.steps_total(scenario.kind, scenario.delays), due_at=due_at,
                planned_at=planned_at, channel=predicted, trigger_message_id=f.trigger_message_id, previous=f,
                created_at=at))
        FollowUp.objects.bulk_create(next_steps)
    return len(sent)


def worker(batch: int) -> None:
    from benchmarks.common import setup_django

    setup_django()
    from django.db import connection

    from scheduling import dispatch
    from scheduling.clock import system_clock

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    sender = NoopSender()
    start = worker_wait_for_go()
    cpu, pg_cpu = time.process_time(), process_cpu_seconds(backend)
    sent = 0
    while True:
        token = uuid.uuid4().hex
        ids = dispatch.claim(system_clock.now(), token, batch)
        if not ids:
            break
        sent += handle_batch(dispatch._load(ids), token, system_clock, sender)
    worker_done({"start": start, "end": time.time(), "sent": sent, "cpu_seconds": time.process_time() - cpu,
                 "pg_cpu_seconds": process_cpu_seconds(backend) - pg_cpu})


def run(pop, workers: int, batch: int) -> dict:
    from benchmarks.dispatch_bench import verify

    wall, results = run_workers("benchmarks.batched_sketch", workers, ["worker", "--batch", str(batch)])
    sent = sum(r["sent"] for r in results)
    return {"workers": workers, "wall": wall, "sent": sent, "rate": sent / wall if wall else 0.0,
            "cpu_us_per_fu": sum(r["cpu_seconds"] for r in results) * 1e6 / max(sent, 1),
            "pg_cpu_us_per_fu": sum(r["pg_cpu_seconds"] for r in results) * 1e6 / max(sent, 1),
            "check": verify(pop, sent)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["worker"])
    parser.add_argument("--batch", type=int, default=100)
    worker(parser.parse_args().batch)
