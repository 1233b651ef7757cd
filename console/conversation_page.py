"""One conversation, worked from the browser: its thread, a reply box, and its follow-ups
paused, resumed, cancelled or ended by a booking. Everything it does is an engine action
(scheduling/controls.py); this page only reads the form and says what happened.

Staff only, and scoped like Response Info: another business's conversation is as missing as
one that never existed, for a GET and a POST alike. A POST answers with a redirect back to
the page and a message (POST/redirect/GET), so a reload never repeats it.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from console import policy
from console.display import local, stop_reason
from conversations.models import Conversation, Message
from scheduling import controls, planning
from scheduling.clock import system_clock
from scheduling.models import FollowUp
from vocabulary import Channel


@dataclass(frozen=True)
class ThreadRow:
    message: Message
    at: str  # in the bot's time zone, its abbreviation shown
    author: str
    channel: str


@dataclass(frozen=True)
class LiveRow:
    follow_up: FollowUp
    scenario: str
    step: str
    planned: str
    channel: str
    status: str
    cancellable: bool  # pending, or claimed but not yet handed to the provider


def _draft_key(conversation_id: int) -> str:
    return f"reply-draft-{conversation_id}"


@staff_member_required
def conversation_page(request, conversation_id):
    conversations = policy.scope(
        Conversation.objects.select_related("bot", "contact", "assigned_to", "paused_by"),
        policy.allowed(request.user, "conversations", policy.VIEW),
    )
    conversation = get_object_or_404(conversations, pk=conversation_id)
    may_work = policy.may(request.user, "conversations", policy.CHANGE, conversation.bot.account_id)
    if request.method == "POST":
        if not may_work:
            raise PermissionDenied
        _act(request, conversation)
        return redirect("conversation", conversation.pk)
    return render(request, "console/conversation.html", _context(request, conversation, may_work))


def _act(request, conversation: Conversation) -> None:
    do, user = request.POST.get("do", ""), request.user
    if do == "reply":
        _reply(request, conversation)
    elif do == "pause":
        cancelled = controls.pause_follow_ups(conversation, user, system_clock)
        if cancelled is None:
            messages.info(request, "Follow-ups of this conversation were paused already.")
        else:
            messages.success(
                request, f"Follow-ups paused: {cancelled} cancelled, and none planned until they are resumed."
            )
    elif do == "resume":
        resumed, planned = controls.resume_follow_ups(conversation, user, system_clock)
        if not resumed:
            messages.info(request, "Follow-ups of this conversation were not paused.")
        elif planned is None:
            messages.success(request, "Follow-ups resumed; nothing to plan until the next message.")
        else:
            when = local(planned.planned_at, conversation.bot.tz)
            messages.success(request, f"Follow-ups resumed: {planned.get_kind_display()} step 1 planned for {when}.")
    elif do == "book":
        cancelled = controls.mark_booked(conversation, user, system_clock)
        messages.success(request, f"Appointment booked: follow-ups stopped, {cancelled} cancelled.")
    elif do == "cancel":
        chosen = _int(request.POST.get("follow_up"))
        follow_up = conversation.follow_ups.filter(pk=chosen).first() if chosen is not None else None
        if follow_up is not None and controls.cancel_follow_up(follow_up, user, system_clock):
            messages.success(request, f"{follow_up.get_kind_display()} step {follow_up.step} cancelled.")
        else:
            messages.warning(request, "That follow-up was no longer waiting to be sent: nothing was cancelled.")
    elif do == "cancel_contact":
        cancelled = controls.cancel_contact_follow_ups(conversation.contact, user, system_clock)
        messages.success(request, f"Cancelled {cancelled} follow-up(s) of {conversation.contact}.")
    else:
        messages.error(request, "Nothing was done: the form named no action.")


def _reply(request, conversation: Conversation) -> None:
    text, token = request.POST.get("text", ""), request.POST.get("token", "")
    if not token:
        messages.error(request, "This form has expired: nothing was sent. Send it again from this page.")
        request.session[_draft_key(conversation.pk)] = text
        return
    try:
        message = controls.send_agent_reply(conversation, text, request.user, system_clock, token=token)
    except controls.AlreadySubmitted as exc:
        messages.info(request, str(exc))
    except controls.NotSent as exc:
        messages.error(request, str(exc))
        if not exc.unknown:  # kept for the next try; not when it may have gone out
            request.session[_draft_key(conversation.pk)] = text
    else:
        messages.success(request, f"Sent on {message.get_channel_display()}.")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _context(request, conversation: Conversation, may_work: bool) -> dict:
    bot, contact = conversation.bot, conversation.contact
    tz = bot.tz
    thread = [
        ThreadRow(
            message=m,
            at=local(m.at, tz),
            author=_author(m),
            channel=m.get_channel_display(),
        )
        for m in conversation.messages.select_related("agent_reply__by").order_by("at", "id")
    ]
    live = [
        LiveRow(
            follow_up=f,
            scenario=f.get_kind_display(),
            step=f"{f.step} of {f.steps_total}",
            planned=local(f.planned_at, tz),
            channel=f.get_channel_display() if f.channel else "",
            status=f.get_status_display(),
            cancellable=f.status == FollowUp.Status.PENDING or f.handed_at is None,
        )
        for f in planning.live_follow_ups(conversation).order_by("planned_at", "id")
    ]
    try:
        reply_channel, reply_refusal = controls.reply_channel(conversation, system_clock.now()), ""
    except controls.NotSent as exc:
        reply_channel, reply_refusal = "", str(exc)
    return {
        **admin.site.each_context(request),  # the admin's header and sidebar
        "title": f"Conversation: {conversation}",
        "opts": Conversation._meta,
        "conversation": conversation,
        "contact": contact,
        "bot": bot,
        "bot_zone": bot.timezone,
        "thread": thread,
        "live": live,
        "paused_at": local(conversation.paused_at, tz) if conversation.paused_at else "",
        "paused_by": controls.who(conversation.paused_by) if conversation.paused_at else "",
        "stopped_reason": stop_reason(conversation.stopped_reason),
        "opted_out": contact.opted_out,
        "reply_channel": Channel(reply_channel).label if reply_channel else "",
        "reply_refusal": reply_refusal,
        "reply_token": controls.new_reply_token(),
        "draft": request.session.pop(_draft_key(conversation.pk), ""),
        "may_work": may_work,
        "max_length": controls.MAX_REPLY_LENGTH,
    }


def _author(message: Message) -> str:
    author = message.get_author_display()
    reply = getattr(message, "agent_reply", None) if message.author == Message.Author.AGENT else None
    if reply is not None and reply.by is not None:
        return f"{author} ({controls.who(reply.by)})"
    return author
