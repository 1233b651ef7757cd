"""Every bot has its Auto Follow-Up goal's three scenarios, created with the bot."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from bots.models import DEFAULT_CADENCES, Bot, Scenario
from vocabulary import ScenarioKind


@receiver(post_save, sender=Bot)
def create_scenarios(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    for kind in ScenarioKind:
        Scenario.objects.get_or_create(bot=instance, kind=kind, defaults={"cadence": DEFAULT_CADENCES[kind]})
