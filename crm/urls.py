from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views

# Tenant URLs live under /<tenant-slug>/; TenantMiddleware binds the tenant and strips the
# ``tenant_slug`` argument before the view runs.
tenant_patterns = [
    path("", include("accounts.urls")),
    path("", include("crm.app_urls")),
    path("", include("crm.privacy_urls")),
    path("", include("crm.dedupe_urls")),
    path("", include("crm.import_urls")),
]

urlpatterns = [
    path("", account_views.landing, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("switch/", account_views.workspaces, name="workspaces"),
    path("me/settings/", account_views.personal_settings, name="personal_settings"),
    path("<slug:tenant_slug>/", include(tenant_patterns)),
]

handler403 = "crm.error_views.permission_denied"
handler404 = "crm.error_views.page_not_found"
handler500 = "crm.error_views.server_error"
