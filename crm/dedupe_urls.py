"""Duplicate suggestions and contact merge, mounted under /<tenant-slug>/ (namespace
``crm_dedupe``)."""

from django.urls import path

from crm.dedupe import views

app_name = "crm_dedupe"

urlpatterns = [
    path("contacts/duplicates/", views.contact_duplicates, name="contact_duplicates"),
    path(
        "contacts/<int:contact_id>/merge/<int:other_id>/", views.contact_merge, name="contact_merge"
    ),
]
