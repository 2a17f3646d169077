"""Writes of the contacts core (HackSoft style): keyword-only, typed, one transaction each.

- ``crm.services.contacts``: contact_create / _update / _soft_delete / _restore / _bulk_action,
  company links
- ``crm.services.companies``: company_create / _update / _soft_delete / _restore / _bulk_action
- ``crm.services.activities``: activity_log, task_create, task_set_done, activity_delete
- ``crm.services.tags``: tag_get_or_create, set_tags
- ``crm.services.custom_fields``: clean_custom_values (shared with imports), definitions
- ``crm.services.validation``: phone (E.164), email, country, language, time zone
- ``crm.services.rights``: who may edit what
"""
