"""Finding (or creating) the contact and conversation an incoming event belongs to."""

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from bots.models import Bot
from conversations.models import Contact, Conversation


def find_or_create_conversation(
    bot: Bot,
    *,
    channel: str,
    phone: str = "",
    email: str = "",
    contact_id: int | None = None,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "",
) -> Conversation:
    """The bot's conversation with the contact known by id, phone or email (in that order),
    created with the contact when new. A new conversation starts on `channel`. Contacts are
    the business's: one who wrote to another of its bots is the same contact.

    Safe under concurrent webhooks: the unique constraints decide, the loser re-reads.
    """
    contact = find_contact(bot, contact_id=contact_id, phone=phone, email=email)
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    account_id=bot.account_id,
                    bot=bot,
                    phone=phone,
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    timezone=timezone,
                )
                # A contact this request made has no conversation anywhere yet.
                return with_contacts_bot(Conversation.objects.create(bot=bot, contact=contact, channel=channel))
        except IntegrityError:  # the same new number or address, created by a concurrent request
            contact = find_contact(bot, contact_id=None, phone=phone, email=email)
            if contact is None:  # not a contact this lookup can find: not a race it can settle
                raise
    try:
        with transaction.atomic():
            conversation, _ = Conversation.objects.get_or_create(
                bot=bot, contact=contact, defaults={"channel": channel}
            )
    except IntegrityError:
        conversation = Conversation.objects.get(bot=bot, contact=contact)
    return with_contacts_bot(conversation)


def with_contacts_bot(conversation: Conversation) -> Conversation:
    """The contact's first bot (whose zone is theirs when they have none) is most often the
    conversation's: known without a query then."""
    contact = conversation.contact
    if contact.bot_id == conversation.bot_id and not Contact.bot.is_cached(contact):
        Contact.bot.field.set_cached_value(contact, conversation.bot)
    return conversation


def find_contact(bot, *, contact_id, phone, email):
    """The business's contact with this id; else the one with this phone, else the one with
    this e-mail (in any case); None if none. A new number with a known address finds the
    address's contact: creating another would break one_contact_per_email."""
    contacts = Contact.objects.filter(account_id=bot.account_id).order_by("id")
    if contact_id is not None:
        return contacts.filter(pk=contact_id).first()
    contact = contacts.filter(phone=phone).first() if phone else None
    if contact is None and email:
        # lower(), as the constraint reads it (and its index serves the lookup).
        contact = contacts.annotate(email_key=Lower("email")).filter(email_key=Lower(Value(email))).first()
    return contact
