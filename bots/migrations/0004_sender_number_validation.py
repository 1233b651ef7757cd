# Sender numbers are checked: E.164, or a 5-6 digit short code for SMS. No data changes.

import bots.numbers
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bots', '0003_contact_hours_daily_limit_custom_texts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='bot',
            name='sms_from',
            field=models.CharField(blank=True, help_text='E.164 number (+15551234567) or a 5-6 digit short code; empty uses the TWILIO_SMS_FROM setting.', max_length=32, validators=[bots.numbers.validate_sms_sender], verbose_name='SMS sender number'),
        ),
        migrations.AlterField(
            model_name='bot',
            name='whatsapp_from',
            field=models.CharField(blank=True, help_text='E.164 number (+15551234567); empty uses the TWILIO_WHATSAPP_FROM setting.', max_length=32, validators=[bots.numbers.validate_whatsapp_sender], verbose_name='WhatsApp sender number'),
        ),
    ]
