"""Import and export URLs, mounted under ``/<tenant-slug>/`` (namespace ``crm_import``)."""

from django.urls import path

from crm import import_views as views

app_name = "crm_import"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/<uuid:uuid>/", views.import_detail, name="import_detail"),
    path("imports/<uuid:uuid>/map/", views.import_map, name="import_map"),
    path("imports/<uuid:uuid>/preview/", views.import_preview, name="import_preview"),
    path("imports/<uuid:uuid>/progress/", views.import_progress, name="import_progress"),
    path("imports/<uuid:uuid>/retry/", views.import_retry, name="import_retry"),
    path("imports/<uuid:uuid>/rejected.csv", views.import_rejects, name="import_rejects"),
    path("exports/contacts/", views.export_contacts, name="export_contacts"),
    path("exports/companies/", views.export_companies, name="export_companies"),
]
