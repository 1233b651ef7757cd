"""Every app's admin, registered here: the admin is the owner's console, the top layer."""

from console.admin import bots, conversations, follow_ups, sending_numbers, workflows  # noqa: F401
