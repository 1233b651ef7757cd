"""Results: each follow-up's bot (copied from its conversation), the outcome columns, their
indexes, and the outcomes of the history so far, by the pure definitions (rules/results.py)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery



def copy_bots(apps, schema_editor):
    FollowUp = apps.get_model("scheduling", "FollowUp")
    Conversation = apps.get_model("conversations", "Conversation")
    FollowUp.objects.filter(bot__isnull=True).update(
        bot_id=Subquery(Conversation.objects.filter(pk=OuterRef("conversation_id")).values("bot_id")[:1])
    )



class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0008_bot_account_required'),
        ('conversations', '0005_contact_phones_e164'),
        ('scheduling', '0005_console_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='followup',
            name='booked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='followup',
            name='bot',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='bots.bot'),
        ),
        migrations.AddField(
            model_name='followup',
            name='opted_out_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='followup',
            name='replied_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(copy_bots, migrations.RunPython.noop),
    ]
