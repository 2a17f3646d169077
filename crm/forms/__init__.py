"""Forms of the contacts core (explicit fields only)."""

from crm.forms.activities import ActivityForm, TaskForm
from crm.forms.custom_fields import CustomFieldForm
from crm.forms.lists import BulkActionForm, SavedViewForm
from crm.forms.records import CompanyForm, CompanyLinkForm, ContactForm

__all__ = [
    "ActivityForm",
    "BulkActionForm",
    "CompanyForm",
    "CompanyLinkForm",
    "ContactForm",
    "CustomFieldForm",
    "SavedViewForm",
    "TaskForm",
]
