"""factory_boy factories for the contacts core (crm).

All of these are tenant-owned: call them inside ``tenant_context(tenant)`` (the ``in_tenant``
fixture). The row's tenant is the bound one (``TenantOwned.save`` fills it in), so never pass
``tenant=`` for a tenant other than the bound one.

    with in_tenant(tenant_a):
        acme = CompanyFactory(name="Acme")
        ada = ContactFactory(company=acme, tags=["vip", "newsletter"])
        ActivityFactory(contact=ada, kind=Activity.Kind.CALL)
"""

from __future__ import annotations

import factory
from django.utils import timezone

from crm.models import (
    Activity,
    Company,
    CompanyTag,
    Contact,
    ContactCompany,
    ContactTag,
    CustomFieldChoice,
    CustomFieldDefinition,
    CustomFieldType,
    Entity,
    LifecycleStage,
    SavedView,
    Tag,
)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


def _tags_for(obj, names_or_tags, link_model, fk_name: str) -> None:  # type: ignore[no-untyped-def]
    for item in names_or_tags:
        tag = item
        if isinstance(item, str):
            tag = Tag.objects.filter(name__iexact=item).first() or Tag.objects.create(name=item)
        link_model.objects.get_or_create(**{fk_name: obj, "tag": tag})


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n:05d}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    country = "DE"
    city = "Berlin"

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """``CompanyFactory(tags=["vip", tag_obj])`` — names are created on the fly."""
        if create and extracted:
            _tags_for(self, extracted, CompanyTag, "company")


class ContactFactory(factory.django.DjangoModelFactory):
    """A contact. ``company=`` sets the primary company *and* creates the ContactCompany link."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.test")
    phone = ""
    country = "DE"
    lifecycle_stage = LifecycleStage.LEAD

    @factory.post_generation
    def company_link(self, create: bool, extracted, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Link the primary company (pass ``company_link=False`` to skip)."""
        if create and extracted is not False and self.company_id:
            ContactCompany.objects.get_or_create(
                contact=self, company_id=self.company_id, defaults={"is_primary": True}
            )

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """``ContactFactory(tags=["vip", tag_obj])`` — names are created on the fly."""
        if create and extracted:
            _tags_for(self, extracted, ContactTag, "contact")


class ContactCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactCompany

    contact = factory.SubFactory(ContactFactory)
    company = factory.SubFactory(CompanyFactory)
    role = ""
    is_primary = False


class ActivityFactory(factory.django.DjangoModelFactory):
    """A logged activity (a note by default). Pass ``kind=Activity.Kind.TASK, due_at=…`` for a task."""

    class Meta:
        model = Activity

    kind = Activity.Kind.NOTE
    subject = factory.Sequence(lambda n: f"Activity {n}")
    body = ""
    occurred_at = factory.LazyFunction(timezone.now)
    contact = factory.SubFactory(ContactFactory)
    company = None
    author = None


class CustomFieldDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomFieldDefinition

    entity = Entity.CONTACT
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    field_type = CustomFieldType.TEXT


class CustomFieldChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomFieldChoice

    definition = factory.SubFactory(CustomFieldDefinitionFactory, field_type=CustomFieldType.CHOICE)
    value = factory.Sequence(lambda n: f"choice-{n}")
    label = factory.Sequence(lambda n: f"Choice {n}")


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedView

    entity = "contact"
    name = factory.Sequence(lambda n: f"View {n}")
    query = ""
