"""Results, second part: the bot is required, the history's outcomes are worked out, and
the indexes the figures read are built (a migration of its own: PostgreSQL can't ALTER a
table with the previous migration's row updates still pending)."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def backfill_outcomes(apps, schema_editor):
    from scheduling.outcomes import recompute

    FollowUp = apps.get_model("scheduling", "FollowUp")
    Message = apps.get_model("conversations", "Message")
    EngineEvent = apps.get_model("scheduling", "EngineEvent")
    ids = list(FollowUp.objects.filter(status="sent").values_list("conversation_id", flat=True).distinct())
    for i in range(0, len(ids), BATCH):
        recompute(FollowUp, Message, EngineEvent, ids[i : i + BATCH])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_results")]

    operations = [
        migrations.AlterField(
            model_name='followup',
            name='bot',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='bots.bot'),
        ),
        migrations.RunPython(backfill_outcomes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('status', 'sent')), fields=['bot', 'finished_at', 'kind', 'step', 'replied_at', 'booked_at', 'opted_out_at'], name='followup_results_sent'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('status__in', ['skipped', 'failed'])), fields=['bot', 'finished_at'], name='followup_results_unsent'),
        ),
    ]
