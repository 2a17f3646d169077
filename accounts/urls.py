"""Tenant-scoped account URLs, mounted under /<tenant-slug>/."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.tenant_home, name="tenant_home"),
]
