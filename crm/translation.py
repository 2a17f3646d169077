"""Tenant-configured names that are translatable per field (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from crm.models import CustomFieldChoice, CustomFieldDefinition


@register(CustomFieldDefinition)
class CustomFieldDefinitionTranslation(TranslationOptions):
    fields = ("label",)


@register(CustomFieldChoice)
class CustomFieldChoiceTranslation(TranslationOptions):
    fields = ("label",)
