from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("api.webhook_urls")),
    path("api/", include("api.urls")),
    path("", include("console.urls")),
]
