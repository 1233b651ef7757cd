"""Every contact and tag has its business, and the database holds one contact per business
and phone, and per business and e-mail (0002 merged the duplicates). A migration of its
own: on PostgreSQL a table whose rows were just updated can't be altered in the same
transaction."""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0002_contacts_per_business'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contact',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='accounts.account', verbose_name='business'),
        ),
        migrations.AlterField(
            model_name='tag',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tags', to='accounts.account', verbose_name='business'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='bot',
            field=models.ForeignKey(help_text='The bot that met the contact first.', on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='bots.bot'),
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.UniqueConstraint(condition=models.Q(('phone', ''), _negated=True), fields=('account', 'phone'), name='one_contact_per_phone'),
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.UniqueConstraint(models.F('account'), django.db.models.functions.text.Lower('email'), condition=models.Q(('email', ''), _negated=True), name='one_contact_per_email'),
        ),
        migrations.AddConstraint(
            model_name='tag',
            constraint=models.UniqueConstraint(fields=('account', 'name'), name='one_tag_name_per_account'),
        ),
    ]
