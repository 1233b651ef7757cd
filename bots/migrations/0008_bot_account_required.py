"""Every bot has its business (0007 gave existing bots one). A migration of its own: on
PostgreSQL a table whose rows were just updated can't be altered in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0007_bot_account'),
    ]

    operations = [
        migrations.AlterField(
            model_name='bot',
            name='account',
            field=models.ForeignKey(help_text='The business (location) this bot works for: only its members see the bot and its contacts.', on_delete=django.db.models.deletion.PROTECT, related_name='bots', to='accounts.account', verbose_name='business'),
        ),
    ]
