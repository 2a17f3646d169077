from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.admin_lockout import LockoutAdminAuthenticationForm
from accounts.models import Membership, Tenant, User

# Platform staff's admin login gets its own lockout (per username and per IP).
admin.site.login_form = LockoutAdminAuthenticationForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["first_name", "last_name", "language", "time_zone"]}),
        ("Platform", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "default_language", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
