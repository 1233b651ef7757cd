from django.urls import path

from console import conversation_page, results_page, views

urlpatterns = [
    path("contacts/<int:contact_id>/response-info/", views.response_info_page, name="response_info"),
    path("conversations/<int:conversation_id>/", conversation_page.conversation_page, name="conversation"),
    path("results/", results_page.results_page, name="results"),
]
