"""URLs of the contacts core, mounted under ``/<tenant-slug>/`` (namespace ``crm``)."""

from django.urls import path

from crm.views import activities as activity_views
from crm.views import companies, contacts, custom_fields, lists, search, tasks

app_name = "crm"

urlpatterns = [
    # Contacts
    path("contacts/", lists.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_new, name="contact_create"),
    path("contacts/bulk/", lists.contact_bulk, name="contact_bulk"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/restore/", lists.contact_restore_view, name="contact_restore"),
    path("contacts/<int:pk>/timeline/", contacts.contact_timeline, name="contact_timeline"),
    path(
        "contacts/<int:pk>/activities/", contacts.contact_log_activity, name="contact_log_activity"
    ),
    path("contacts/<int:pk>/tasks/", contacts.contact_add_task, name="contact_add_task"),
    path("contacts/<int:pk>/companies/", contacts.contact_link_add, name="contact_link_add"),
    path(
        "contacts/<int:pk>/companies/<int:contactcompany_id>/remove/",
        contacts.contact_link_remove,
        name="contact_link_remove",
    ),
    # Companies
    path("companies/", lists.company_list, name="company_list"),
    path("companies/new/", companies.company_new, name="company_create"),
    path("companies/bulk/", lists.company_bulk, name="company_bulk"),
    path("companies/options/", companies.company_autocomplete, name="company_autocomplete"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", companies.company_delete, name="company_delete"),
    path("companies/<int:pk>/restore/", lists.company_restore_view, name="company_restore"),
    path("companies/<int:pk>/timeline/", companies.company_timeline, name="company_timeline"),
    path(
        "companies/<int:pk>/activities/",
        companies.company_log_activity,
        name="company_log_activity",
    ),
    path("companies/<int:pk>/tasks/", companies.company_add_task, name="company_add_task"),
    # Activities and tasks
    path("activities/<int:pk>/delete/", activity_views.activity_remove, name="activity_delete"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:activity_id>/done/", activity_views.task_done, name="task_done"),
    # Lists: saved views, trash, search
    path("views/save/", lists.savedview_create, name="savedview_create"),
    path("views/<int:pk>/delete/", lists.savedview_delete, name="savedview_delete"),
    path("trash/", lists.trash, name="trash"),
    path("search/", search.search, name="search"),
    # Custom fields (tenant admins)
    path("settings/custom-fields/", custom_fields.customfield_list, name="customfield_list"),
    path(
        "settings/custom-fields/new/", custom_fields.customfield_create, name="customfield_create"
    ),
    path(
        "settings/custom-fields/<int:customfielddefinition_id>/",
        custom_fields.customfield_edit,
        name="customfield_edit",
    ),
    path(
        "settings/custom-fields/<int:customfielddefinition_id>/delete/",
        custom_fields.customfield_delete,
        name="customfield_delete",
    ),
]
