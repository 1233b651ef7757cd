"""The product's URLs plus the bare reference view (benchmarks/bare_inbound.py)."""

from django.urls import include, path

from benchmarks.bare_inbound import BARE_PATH, bare_inbound

urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare_inbound),
    path("", include("followup_project.urls")),
]
