from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import views

urlpatterns = [
    path("messages/inbound/", views.InboundView.as_view(), name="api-inbound"),
    path("messages/outbound/", views.OutboundView.as_view(), name="api-outbound"),
    path("appointments/", views.AppointmentView.as_view(), name="api-appointment"),
    path("contacts/<int:contact_id>/follow-ups/", views.ContactFollowUpsView.as_view(), name="api-contact-follow-ups"),
    path("results/", views.ResultsView.as_view(), name="api-results"),
    # The interface description only (no data): public, like the docs built from it.
    # No Redoc page: its template loads Google Fonts, and the app must work offline.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
