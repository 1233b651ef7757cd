from django.contrib import admin

from channels_out.models import SendingNumber
from channels_out.pacing import default_rate
from console.admin.access import SuperuserOnly


@admin.register(SendingNumber)
class SendingNumberAdmin(SuperuserOnly, admin.ModelAdmin):
    """Numbers appear here the first time a follow-up goes out from them; set a rate to
    override the one their type gives (e.g. a long code registered for more throughput).
    The installation's number pool: the agency's alone."""

    list_display = ("number", "segments_per_second", "rate_in_use")
    search_fields = ("number",)
    fields = ("number", "segments_per_second")

    @admin.display(description="Rate in use (segments/s)")
    def rate_in_use(self, obj):
        return obj.segments_per_second or default_rate(obj.number)
