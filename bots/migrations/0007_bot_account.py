"""Bots belong to a business (accounts.Account). An installation that has bots or staff
gets one business, "My business", holding every existing bot; its staff members who are
not superusers become its owners, so nobody loses what they could see before the upgrade
(they saw everything: there was one business). Superusers are the agency: no membership."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def put_bots_in_one_business(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Membership = apps.get_model("accounts", "Membership")
    Bot = apps.get_model("bots", "Bot")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    staff = User.objects.filter(is_staff=True, is_superuser=False)
    if not Bot.objects.exists() and not staff.exists():
        return
    account = Account.objects.create(name="My business")
    Bot.objects.update(account=account)
    Membership.objects.bulk_create([Membership(account=account, user=user, role="owner") for user in staff])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('bots', '0006_workflows_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='bot',
            name='account',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bots', to='accounts.account', verbose_name='business'),
        ),
        migrations.RunPython(put_bots_in_one_business, migrations.RunPython.noop),
    ]
