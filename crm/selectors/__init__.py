"""Reads of the contacts core that views, tasks and the benchmark share.

- ``lists``: contact_list_page, company_list_page, task_list_page, trash_page (keyset, counts)
- ``search``: contact_search (prefix + fuzzy)
- ``details``: contact_detail, company_detail, company_contacts, custom_field_rows
- ``timeline``: timeline_page
"""

from crm.selectors.details import company_detail, contact_detail
from crm.selectors.lists import company_list_page, contact_list_page, task_list_page
from crm.selectors.search import contact_search
from crm.selectors.timeline import timeline_page

__all__ = [
    "company_detail",
    "company_list_page",
    "contact_detail",
    "contact_list_page",
    "contact_search",
    "task_list_page",
    "timeline_page",
]
