from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The machine interfaces: the JSON API and the Twilio webhooks. A top layer beside the
    console: they take events in and hand them to the engine's handlers."""

    name = "api"
    verbose_name = "API"
