from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("conversations.webhook_urls")),
    path("api/", include("conversations.api.urls")),
    path("", include("conversations.urls")),
]
