"""Contacts' phone numbers in E.164, as the admin and the API now store them.

A number typed in the admin before was stored as typed ("(312) 555-0199"); it becomes
"+13125550199", read in the DEFAULT_PHONE_REGION setting's country when it has no country
code. A row is left as it is when its number can't be read as a phone number, or when its
E.164 form is already another contact's number in the same business (the unique
(account, phone) constraint): merging two contacts is a person's decision, so both stay,
and the migration prints each row it left. Backwards: nothing to undo.
"""

from django.db import migrations


def to_e164(apps, schema_editor):
    from bots.numbers import to_e164 as parse

    Contact = apps.get_model("conversations", "Contact")
    taken = set(Contact.objects.exclude(phone="").values_list("account_id", "phone"))
    left = []
    for contact in Contact.objects.exclude(phone="").order_by("id").iterator():
        number = parse(contact.phone)
        if number is None:
            left.append(f"contact {contact.pk}: {contact.phone!r} is no phone number")
            continue
        if number == contact.phone:
            continue
        if (contact.account_id, number) in taken:
            left.append(f"contact {contact.pk}: {contact.phone!r} is {number}, another contact's number")
            continue
        taken.discard((contact.account_id, contact.phone))
        taken.add((contact.account_id, number))
        Contact.objects.filter(pk=contact.pk).update(phone=number)
    for line in left:
        print(f"\n  Left as typed: {line}", end="")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_conversation_paused")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop, elidable=True)]
