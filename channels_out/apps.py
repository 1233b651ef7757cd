from django.apps import AppConfig


class ChannelsOutConfig(AppConfig):
    name = "channels_out"
    verbose_name = "Outbound channels"

    def ready(self):
        from django.core import checks

        from channels_out.checks import sender_settings

        # A sender that can't send stops check, runserver and qcluster at start-up.
        checks.register(sender_settings)
