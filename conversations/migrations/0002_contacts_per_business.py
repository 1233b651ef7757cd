"""Contacts and tags belong to a business: one contact per business and phone number, and
per business and e-mail address (case-insensitive), held by the database.

Contacts found twice before the constraints existed (the same e-mail written by concurrent
first messages, or the same number met by two bots of the business) are merged into the
oldest: its conversations, messages, follow-ups, notes, opt-outs and tags move over, and
blank details are filled from the duplicate. Two conversations with the same bot become
one: the duplicate's pending follow-up is cancelled (a conversation plans one step at a
time) and its history joins the kept conversation.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower

MERGED = "contacts_merged"


def give_every_contact_and_tag_its_business(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Contact = apps.get_model("conversations", "Contact")
    Tag = apps.get_model("conversations", "Tag")
    Bot = apps.get_model("bots", "Bot")
    for account_id, bot_ids in _bots_by_account(Bot).items():
        Contact.objects.filter(bot_id__in=bot_ids).update(account_id=account_id)
    if Tag.objects.exists():
        # Before this migration there was one business (bots 0007 made it), if any.
        account = Account.objects.order_by("id").first() or Account.objects.create(name="My business")
        Tag.objects.update(account=account)
    merge_duplicate_contacts(apps)
    if schema_editor.connection.vendor == "postgresql":
        # The merge deleted contacts that deferred foreign keys point at. Checked now, not at
        # commit: this migration's deferred CREATE INDEX on the contact table refuses to run
        # while the table has pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def _bots_by_account(Bot):
    grouped = {}
    for bot_id, account_id in Bot.objects.values_list("id", "account_id"):
        grouped.setdefault(account_id, []).append(bot_id)
    return grouped


def merge_duplicate_contacts(apps):
    Contact = apps.get_model("conversations", "Contact")
    by_phone = (
        Contact.objects.exclude(phone="")
        .values("account_id", "phone")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for group in by_phone:
        _merge(apps, list(Contact.objects.filter(account_id=group["account_id"], phone=group["phone"]).order_by("id")))
    by_email = (
        Contact.objects.exclude(email="")
        .annotate(email_key=Lower("email"))
        .values("account_id", "email_key")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
    )
    for group in by_email:
        same = Contact.objects.annotate(email_key=Lower("email")).filter(
            account_id=group["account_id"], email_key=group["email_key"]
        )
        _merge(apps, list(same.order_by("id")))


def _merge(apps, contacts):
    Conversation = apps.get_model("conversations", "Conversation")
    OptOut = apps.get_model("conversations", "OptOut")
    kept, *duplicates = contacts
    for duplicate in duplicates:
        for conversation in Conversation.objects.filter(contact=duplicate):
            existing = Conversation.objects.filter(contact=kept, bot_id=conversation.bot_id).first()
            if existing is None:
                Conversation.objects.filter(pk=conversation.pk).update(contact=kept)
            else:
                _merge_conversation(apps, existing, conversation)
        kept_channels = set(OptOut.objects.filter(contact=kept).values_list("channel", flat=True))
        OptOut.objects.filter(contact=duplicate).exclude(channel__in=kept_channels).update(contact=kept)
        kept.tags.add(*duplicate.tags.all())
        Contact = type(kept)
        duplicate.delete()  # first: kept may take its phone or e-mail below
        for name in ("first_name", "last_name", "timezone"):
            if not getattr(kept, name):
                setattr(kept, name, getattr(duplicate, name))
        # A phone or e-mail is taken over only when no other contact of the business has it.
        if not kept.phone and duplicate.phone and not Contact.objects.filter(account_id=kept.account_id, phone=duplicate.phone).exists():
            kept.phone = duplicate.phone
        if not kept.email and duplicate.email and not Contact.objects.filter(account_id=kept.account_id, email__iexact=duplicate.email).exists():
            kept.email = duplicate.email
        kept.save()


def _merge_conversation(apps, kept, duplicate):
    FollowUp = apps.get_model("scheduling", "FollowUp")
    EngineEvent = apps.get_model("scheduling", "EngineEvent")
    Message = apps.get_model("conversations", "Message")
    if FollowUp.objects.filter(conversation=kept, status="pending").exists():
        FollowUp.objects.filter(conversation=duplicate, status="pending").update(status="cancelled", reason=MERGED)
    FollowUp.objects.filter(conversation=duplicate).update(conversation=kept)
    Message.objects.filter(conversation=duplicate).update(conversation=kept)
    EngineEvent.objects.filter(conversation=duplicate).update(conversation=kept)
    if duplicate.last_inbound_at and (kept.last_inbound_at is None or duplicate.last_inbound_at > kept.last_inbound_at):
        kept.last_inbound_at = duplicate.last_inbound_at
        kept.save(update_fields=["last_inbound_at"])
    duplicate.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('bots', '0008_bot_account_required'),
        ('conversations', '0001_initial'),
        ('scheduling', '0003_handed_over_attempts_lateness'),
        ('workflows', '0002_own_tables'),
    ]

    operations = [
        migrations.AlterModelOptions(name='tag', options={'ordering': ['name']}),
        migrations.RemoveConstraint(model_name='contact', name='one_contact_per_phone'),
        migrations.AlterField(model_name='tag', name='name', field=models.CharField(max_length=100)),
        migrations.AddField(
            model_name='contact',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='accounts.account', verbose_name='business'),
        ),
        migrations.AddField(
            model_name='tag',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='tags', to='accounts.account', verbose_name='business'),
        ),
        migrations.RunPython(give_every_contact_and_tag_its_business, migrations.RunPython.noop),
    ]
