from django.urls import path

from console import views

urlpatterns = [
    path("contacts/<int:contact_id>/response-info/", views.response_info_page, name="response_info"),
]
