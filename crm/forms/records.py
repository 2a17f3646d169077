"""Contact and company forms. Fields are listed explicitly; the services validate and
normalise again (phones to E.164, countries, languages, custom fields), and their errors are
put back on the form with ``add_service_errors``.

Companies are picked by name from a ``<datalist>`` (filled as you type), never from a select
of every company: the value is ``"Name (#id)"`` or a name, resolved inside the tenant.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.models import Company, CustomFieldDefinition, CustomFieldType, LifecycleStage
from crm.models.core import CompanySize
from crm.services import rights
from crm.services.custom_fields import form_initial
from crm.services.validation import country_choices, time_zone_names

_REF_RE = re.compile(r"\(#(\d+)\)\s*$")


def company_ref(company: Company | None) -> str:
    return f"{company.name} (#{company.pk})" if company else ""


def resolve_company_ref(value: str) -> Company | None:
    """``"Acme (#12)"``, ``"12"`` or an exact name → the active company of the bound tenant."""
    text = (value or "").strip()
    if not text:
        return None
    match = _REF_RE.search(text)
    queryset = Company.objects.filter(deleted_at__isnull=True)
    if match:
        company = queryset.filter(pk=int(match.group(1))).first()
    elif text.isdigit():
        company = queryset.filter(pk=int(text)).first()
    else:
        matches = list(queryset.filter(name__iexact=text)[:2])
        if len(matches) > 1:
            raise ValidationError(_("Several companies have this name; pick one from the list."))
        company = matches[0] if matches else None
    if company is None:
        raise ValidationError(_("Select a valid company."))
    return company


def owner_choices(
    *, members: list[Any], role: str | None, user: Any, current: Any = None
) -> list[tuple[str, str]]:
    """Everyone for managers and admins; yourself (and the current owner) for reps."""
    choices = [("", _("Nobody"))]
    for member in members:
        if rights.can_assign_anyone(role) or member.pk in (user.pk, getattr(current, "pk", None)):
            choices.append((str(member.pk), member.get_full_name() or member.email))
    return choices


class CustomFieldsMixin:
    """Adds one ``cf_<key>`` field per custom field definition and collects their raw values."""

    custom_prefix = "cf_"

    def add_custom_fields(
        self, definitions: list[CustomFieldDefinition], values: dict[str, Any]
    ) -> None:
        self.custom_definitions = definitions
        for definition in definitions:
            name = self.custom_prefix + definition.key
            kind = definition.field_type
            label = definition.label
            attrs: dict[str, Any] = {}
            field: forms.Field
            if kind == CustomFieldType.BOOLEAN:
                field = forms.BooleanField(label=label, required=False)
            elif kind == CustomFieldType.CHOICE:
                field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—")] + [(c.value, c.label) for c in definition.choices.all()],
                )
            elif kind == CustomFieldType.MULTI_CHOICE:
                field = forms.MultipleChoiceField(
                    label=label,
                    required=False,
                    choices=[(c.value, c.label) for c in definition.choices.all()],
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                widget: forms.Widget = forms.TextInput()
                if kind == CustomFieldType.DATE:
                    widget = forms.DateInput(attrs={"type": "date"})
                elif kind == CustomFieldType.URL:
                    widget = forms.URLInput()
                elif kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
                    attrs = {"inputmode": "decimal"}
                    widget = forms.TextInput(attrs=attrs)
                field = forms.CharField(label=label, required=False, widget=widget)
                if kind == CustomFieldType.MONEY:
                    field.help_text = definition.currency or _(
                        "Amount, optionally with a currency code (12.50 EUR)"
                    )
            if definition.required and kind != CustomFieldType.BOOLEAN:
                field.widget.attrs["required"] = "required"
                field.label = f"{label} *"
            field.initial = form_initial(definition, values.get(definition.key))
            self.fields[name] = field  # type: ignore[attr-defined]

    def custom_raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for definition in getattr(self, "custom_definitions", []):
            value = self.cleaned_data.get(self.custom_prefix + definition.key)  # type: ignore[attr-defined]
            if definition.field_type == CustomFieldType.BOOLEAN:
                raw[definition.key] = "true" if value else "false"
            else:
                raw[definition.key] = value if value is not None else ""
        return raw

    def custom_field_names(self) -> list[str]:
        return [self.custom_prefix + d.key for d in getattr(self, "custom_definitions", [])]

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)  # type: ignore[attr-defined]
            return
        for name, messages in error.message_dict.items():
            field = (
                self.custom_prefix + name.removeprefix("custom.")
                if name.startswith("custom.")
                else name
            )
            if field not in self.fields:  # type: ignore[attr-defined]
                field = None
            for message in messages:
                self.add_error(field, message)  # type: ignore[attr-defined]


class _RecordForm(CustomFieldsMixin, forms.Form):
    owner = forms.ChoiceField(label=_l("owner"), required=False)
    tags = forms.CharField(
        label=_l("tags"),
        required=False,
        max_length=1000,
        help_text=_l("Separate tags with commas; new tags are created."),
        widget=forms.TextInput(attrs={"list": "tag-options", "autocomplete": "off"}),
    )
    street = forms.CharField(label=_l("street"), required=False, max_length=200)
    postal_code = forms.CharField(label=_l("postal code"), required=False, max_length=20)
    city = forms.CharField(label=_l("city"), required=False, max_length=100)
    region = forms.CharField(label=_l("region"), required=False, max_length=100)
    country = forms.ChoiceField(label=_l("country"), required=False)

    def __init__(
        self,
        *args: Any,
        members: list[Any],
        role: str | None,
        user: Any,
        definitions: list[CustomFieldDefinition],
        instance: Any = None,
        **kwargs: Any,
    ) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices()]
        current = getattr(instance, "owner", None) if instance else None
        self.fields["owner"].choices = owner_choices(
            members=members, role=role, user=user, current=current
        )
        if instance is None:
            self.fields["owner"].initial = str(user.pk)
        self.add_custom_fields(definitions, getattr(instance, "custom", None) or {})

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.service_fields}
        data["owner"] = self.cleaned_data["owner"] or None
        data["custom"] = self.custom_raw()
        return data


class ContactForm(_RecordForm):
    first_name = forms.CharField(label=_l("first name"), required=False, max_length=100)
    last_name = forms.CharField(label=_l("last name"), required=False, max_length=100)
    email = forms.EmailField(label=_l("email"), required=False)
    secondary_emails = forms.CharField(
        label=_l("other emails"),
        required=False,
        max_length=1000,
        help_text=_l("Separate addresses with commas."),
    )
    phone = forms.CharField(
        label=_l("phone"),
        required=False,
        max_length=40,
        help_text=_l("With country code (+49 30 1234567), or set the country."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label=_l("mobile"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    job_title = forms.CharField(label=_l("job title"), required=False, max_length=150)
    company = forms.CharField(
        label=_l("company"),
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"list": "company-options", "autocomplete": "off"}),
    )
    lifecycle_stage = forms.ChoiceField(label=_l("lifecycle stage"), choices=LifecycleStage.choices)
    preferred_language = forms.CharField(
        label=_l("preferred language"),
        required=False,
        max_length=10,
        help_text=_l("e.g. en, de, fr"),
    )
    time_zone = forms.ChoiceField(label=_l("time zone"), required=False)

    field_order = [
        "first_name", "last_name", "email", "phone", "mobile", "job_title", "company", "lifecycle_stage",
        "owner", "tags", "secondary_emails", "preferred_language", "time_zone",
        "street", "postal_code", "city", "region", "country",
    ]  # fmt: skip
    service_fields = (
        "first_name", "last_name", "email", "secondary_emails", "phone", "mobile", "job_title",
        "lifecycle_stage", "preferred_language", "time_zone", "street", "postal_code", "city", "region",
        "country", "tags",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "—")] + [(z, z) for z in time_zone_names()]
        self.fields["lifecycle_stage"].initial = LifecycleStage.LEAD

    def clean_company(self) -> Company | None:
        return resolve_company_ref(self.cleaned_data.get("company", ""))

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["company"] = self.cleaned_data.get("company")
        return data

    @classmethod
    def initial_for(cls, contact: Any) -> dict[str, Any]:
        return {
            **{
                name: getattr(contact, name)
                for name in cls.service_fields
                if name not in ("tags", "secondary_emails")
            },
            "secondary_emails": ", ".join(contact.secondary_emails or []),
            "company": company_ref(contact.company),
            "owner": str(contact.owner_id or ""),
            "tags": ", ".join(link.tag.name for link in contact.tag_links.all()),
        }


class CompanyForm(_RecordForm):
    name = forms.CharField(label=_l("name"), max_length=200)
    domain = forms.CharField(
        label=_l("domain"), required=False, max_length=200, help_text=_l("e.g. example.com")
    )
    industry = forms.CharField(label=_l("industry"), required=False, max_length=100)
    size = forms.ChoiceField(
        label=_l("size"), required=False, choices=[("", "—"), *CompanySize.choices]
    )
    phone = forms.CharField(
        label=_l("phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    parent = forms.CharField(
        label=_l("parent company"),
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"list": "company-options", "autocomplete": "off"}),
    )

    field_order = [
        "name", "domain", "industry", "size", "phone", "parent", "owner", "tags",
        "street", "postal_code", "city", "region", "country",
    ]  # fmt: skip
    service_fields = (
        "name", "domain", "industry", "size", "phone", "street", "postal_code", "city", "region", "country", "tags",
    )  # fmt: skip

    def clean_parent(self) -> Company | None:
        parent = resolve_company_ref(self.cleaned_data.get("parent", ""))
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise ValidationError(_("A company cannot be its own parent."))
        return parent

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["parent"] = self.cleaned_data.get("parent")
        return data

    @classmethod
    def initial_for(cls, company: Any) -> dict[str, Any]:
        return {
            **{name: getattr(company, name) for name in cls.service_fields if name != "tags"},
            "parent": company_ref(company.parent),
            "owner": str(company.owner_id or ""),
            "tags": ", ".join(link.tag.name for link in company.tag_links.all()),
        }


class CompanyLinkForm(forms.Form):
    company = forms.CharField(
        label=_l("company"),
        max_length=250,
        widget=forms.TextInput(attrs={"list": "company-options", "autocomplete": "off"}),
    )
    role = forms.CharField(
        label=_l("role"), required=False, max_length=100, help_text=_l("e.g. CFO, board member")
    )
    make_primary = forms.BooleanField(label=_l("primary company"), required=False)

    def clean_company(self) -> Company | None:
        company = resolve_company_ref(self.cleaned_data.get("company", ""))
        if company is None:
            raise ValidationError(_("Select a valid company."))
        return company
