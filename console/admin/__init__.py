"""Every app's admin, registered here: the admin is the owner's console, the top layer.
Who sees and may change what: console/policy.py, applied by console/admin/access.py."""

from django.contrib import admin

from console.admin import accounts, bots, conversations, follow_ups, sending_numbers, workflows  # noqa: F401
from console.admin.access import agency_only

agency_only(admin.site)  # users, groups, Django Q, axes: the other apps' admins are registered by now
