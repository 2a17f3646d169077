"""Roles per membership and what each may do. Views ask for a capability, never a role name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    SALES_REP = "sales_rep", _("Sales rep")
    SUPPORT_AGENT = "support_agent", _("Support agent")
    MARKETER = "marketer", _("Marketer")
    VIEWER = "viewer", _("Viewer")


class Capability(models.TextChoices):
    MANAGE_TENANT = "manage_tenant", _("Manage tenant settings")
    MANAGE_MEMBERS = "manage_members", _("Manage members and roles")
    READ_AUDIT_LOG = "read_audit_log", _("Read the audit log")
    VIEW_DASHBOARD = "view_dashboard", _("View KPI dashboards")
    VIEW_ALL_RECORDS = "view_all_records", _("See every record of the tenant")
    EDIT_ALL_RECORDS = "edit_all_records", _("Edit every record of the tenant")
    EDIT_OWN_RECORDS = "edit_own_records", _("Edit own and team records")
    READ_CONTACTS = "read_contacts", _("Read contacts")
    WORK_TICKETS = "work_tickets", _("Work tickets")
    RUN_CAMPAIGNS = "run_campaigns", _("Run campaigns")
    IMPORT_EXPORT = "import_export", _("Import and export")


_ALL = set(Capability)
ROLE_CAPABILITIES: dict[str, set[str]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL,
    Role.MANAGER: {
        Capability.VIEW_DASHBOARD,
        Capability.VIEW_ALL_RECORDS,
        Capability.EDIT_ALL_RECORDS,
        Capability.EDIT_OWN_RECORDS,
        Capability.READ_CONTACTS,
        Capability.IMPORT_EXPORT,
    },
    Role.SALES_REP: {
        Capability.EDIT_OWN_RECORDS,
        Capability.READ_CONTACTS,
        Capability.VIEW_ALL_RECORDS,
    },
    Role.SUPPORT_AGENT: {Capability.READ_CONTACTS, Capability.WORK_TICKETS},
    Role.MARKETER: {Capability.READ_CONTACTS, Capability.RUN_CAMPAIGNS, Capability.IMPORT_EXPORT},
    Role.VIEWER: {Capability.READ_CONTACTS},
}

# Roles an admin may hand out; only an owner may make another owner.
ASSIGNABLE_BY = {
    Role.OWNER: set(Role),
    Role.ADMIN: set(Role) - {Role.OWNER},
}


def has_capability(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, set())
