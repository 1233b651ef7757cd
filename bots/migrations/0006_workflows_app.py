"""Workflows moved to their own app (workflows 0001 took over the tables and copied each
scenario's workflow onto the workflow): drop the old link and forget the models here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0005_late_cutoff'),
        ('workflows', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(model_name='scenario', name='workflow'),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='ActionRun'),
            migrations.DeleteModel(name='WorkflowAction'),
            migrations.DeleteModel(name='Workflow'),
        ], database_operations=[]),
    ]
