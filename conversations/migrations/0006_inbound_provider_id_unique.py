"""One inbound message per provider id in a conversation, kept by a unique constraint:
Twilio's retries of a webhook are then told apart by the insert itself.

The handlers always checked under the conversation's lock, so no duplicates are expected;
should any exist (written outside the handlers), the later rows keep their text and lose
the provider id, the first keeps it. Backwards: the constraint goes, nothing else.
"""

from django.db import migrations, models
from django.db.models import Count, Min


def forget_repeated_ids(apps, schema_editor):
    Message = apps.get_model("conversations", "Message")
    inbound = Message.objects.filter(direction="inbound").exclude(provider_id="")
    repeated = (
        inbound.values("conversation_id", "provider_id").annotate(n=Count("id"), first=Min("id")).filter(n__gt=1)
    )
    for row in repeated:
        inbound.filter(conversation_id=row["conversation_id"], provider_id=row["provider_id"]).exclude(
            id=row["first"]
        ).update(provider_id="")


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_contact_phones_e164"),
    ]

    operations = [
        migrations.RunPython(forget_repeated_ids, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("direction", "inbound"), models.Q(("provider_id", ""), _negated=True)),
                fields=("conversation", "provider_id"),
                name="one_inbound_message_per_provider_id",
            ),
        ),
    ]
