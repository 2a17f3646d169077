"""No crm model is registered in the Django admin, on purpose.

The admin is the platform staff's tool and runs outside any tenant: the tenant-owned models'
default manager fails closed there (``TenantNotBound``) and PostgreSQL row-level security hides
every row anyway. Tenant data is managed in the tenant UI (contacts, companies, custom fields
under ``/<tenant>/settings/custom-fields/``), where roles and the audit log apply.
"""
