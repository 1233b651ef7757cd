"""Workflows become their own app (they sit above the engine, which never imports them).

The three models move from bots with their rows: here the state takes over bots' tables
as they are, and a scenario's single workflow becomes a link on the workflow
(Workflow.scenarios), copied before bots 0006 drops Scenario.workflow and forgets the
models; 0002 then renames the tables (after bots 0006, so undoing it stays consistent).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_scenario_workflows(apps, schema_editor):
    Scenario = apps.get_model("bots", "Scenario")
    Link = apps.get_model("workflows", "Workflow").scenarios.through
    Link.objects.bulk_create(
        Link(workflow_id=workflow_id, scenario_id=scenario_id)
        for scenario_id, workflow_id in Scenario.objects.exclude(workflow=None).values_list("id", "workflow_id")
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('bots', '0005_late_cutoff'),
        ('scheduling', '0003_handed_over_attempts_lateness'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Bots' tables, taken over as they are.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Workflow',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200)),
                    ('bot', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workflows', to='bots.bot')),
                ],
                options={'ordering': ['bot', 'name'], 'db_table': 'bots_workflow'},
            ),
            migrations.CreateModel(
                name='WorkflowAction',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveIntegerField(default=0)),
                    ('kind', models.CharField(choices=[('add_tag', 'Add tag'), ('remove_tag', 'Remove tag'), ('assign', 'Assign the conversation to a user'), ('notify', 'Notify a user'), ('webhook', 'POST a signed JSON webhook')], max_length=32)),
                    ('tag', models.CharField(blank=True, max_length=100)),
                    ('webhook_url', models.URLField(blank=True)),
                    ('webhook_secret', models.CharField(blank=True, max_length=200)),
                    ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                    ('workflow', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='workflows.workflow')),
                ],
                options={'ordering': ['workflow', 'position', 'id'], 'db_table': 'bots_workflowaction'},
            ),
            migrations.CreateModel(
                name='ActionRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(max_length=32)),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=16)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('detail', models.CharField(blank=True, max_length=300)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('follow_up', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='action_runs', to='scheduling.followup')),
                    ('action', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='runs', to='workflows.workflowaction')),
                ],
                options={
                    'ordering': ['follow_up', 'id'],
                    'constraints': [models.UniqueConstraint(fields=('follow_up', 'action'), name='one_run_per_action')],
                    'db_table': 'bots_actionrun',
                },
            ),
        ], database_operations=[]),
        migrations.AddField(
            model_name='workflow',
            name='scenarios',
            field=models.ManyToManyField(blank=True, help_text='Runs whenever a follow-up of one of these scenarios (of the same bot) is sent.', related_name='workflows', to='bots.scenario'),
        ),
        migrations.RunPython(copy_scenario_workflows, migrations.RunPython.noop),
    ]
