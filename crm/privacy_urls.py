"""Privacy and record-history URLs, mounted under /<tenant-slug>/ (namespace ``crm_privacy``)."""

from django.urls import path

from crm.privacy import views

app_name = "crm_privacy"

urlpatterns = [
    path("contacts/<int:contact_id>/consents/", views.contact_consents, name="contact_consents"),
    path("contacts/<int:contact_id>/export/", views.contact_export, name="contact_export"),
    path("contacts/<int:contact_id>/erase/", views.contact_erase, name="contact_erase"),
    path("contacts/<int:contact_id>/history/", views.contact_history, name="contact_history"),
    path("companies/<int:company_id>/history/", views.company_history, name="company_history"),
]
