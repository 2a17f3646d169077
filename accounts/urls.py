"""Tenant-scoped account URLs, mounted under /<tenant-slug>/."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.tenant_home, name="tenant_home"),
    path("settings/", views.tenant_settings, name="tenant_settings"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("join/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_log, name="audit_log"),
]
