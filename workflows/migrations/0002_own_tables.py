"""The tables taken over from bots get this app's names (see 0001)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0006_workflows_app'),
        ('workflows', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='workflow', table=None),
        migrations.AlterModelTable(name='workflowaction', table=None),
        migrations.AlterModelTable(name='actionrun', table=None),
    ]
