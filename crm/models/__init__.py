"""The contacts core. Every model here is tenant-owned."""

from crm.models.activities import Activity
from crm.models.core import (
    Company,
    CompanyTag,
    Contact,
    ContactCompany,
    ContactTag,
    LifecycleStage,
    Tag,
)
from crm.models.custom_fields import (
    CustomFieldChoice,
    CustomFieldDefinition,
    CustomFieldType,
    Entity,
)
from crm.models.history import FieldChange
from crm.models.imports import ColumnMappingMemory, ImportJob
from crm.models.privacy import Consent, ConsentPurpose, LawfulBasis, Suppression
from crm.models.saved_views import SavedView

__all__ = [
    "Activity",
    "ColumnMappingMemory",
    "Company",
    "CompanyTag",
    "Consent",
    "ConsentPurpose",
    "Contact",
    "ContactCompany",
    "ContactTag",
    "CustomFieldChoice",
    "CustomFieldDefinition",
    "CustomFieldType",
    "Entity",
    "FieldChange",
    "ImportJob",
    "LawfulBasis",
    "LifecycleStage",
    "SavedView",
    "Suppression",
    "Tag",
]
