from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The owner's console: the admin for every app, the Response Info page and the demo.
    The top layer: it may use every app below it, and none of them uses it."""

    name = "console"
    verbose_name = "Owner console"
