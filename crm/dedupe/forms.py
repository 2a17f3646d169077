from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from crm.dedupe.services import CUSTOM_PREFIX, MERGED, SURVIVOR, choosable_fields, default_choices
from crm.models import Contact

A, B = "a", "b"


def display_value(contact: Contact, name: str) -> str:
    if name.startswith(CUSTOM_PREFIX):
        value = (contact.custom or {}).get(name.removeprefix(CUSTOM_PREFIX))
    else:
        model_field = Contact._meta.get_field(name)
        if model_field.is_relation:
            value = getattr(contact, name)
        elif model_field.choices:
            value = getattr(contact, f"get_{name}_display")() if getattr(contact, name) else ""
        else:
            value = getattr(contact, name)
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_label(name: str) -> str:
    if name.startswith(CUSTOM_PREFIX):
        return name.removeprefix(CUSTOM_PREFIX)
    try:
        return str(Contact._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


class MergeForm(forms.Form):
    """Which record survives (keeps its id and page) and, per differing field, whose value."""

    keep = forms.ChoiceField(
        label=_("Keep record"), choices=[(A, _("Left")), (B, _("Right"))], initial=A,
        widget=forms.RadioSelect,
    )  # fmt: skip

    def __init__(self, *args: Any, a: Contact, b: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.a, self.b = a, b
        defaults = default_choices(a, b)
        self.rows = []
        for name in choosable_fields(a, b):
            key = f"pick_{name}"
            self.fields[key] = forms.ChoiceField(
                label=field_label(name),
                choices=[(A, display_value(a, name) or "—"), (B, display_value(b, name) or "—")],
                initial=A if defaults.get(name) == SURVIVOR else B,
                widget=forms.RadioSelect,
                required=False,  # not sent: the default (the kept record's value unless empty)
            )
            self.rows.append(
                {
                    "name": name,
                    "label": field_label(name),
                    "a": display_value(a, name),
                    "b": display_value(b, name),
                    "field": self[key],
                }
            )

    def merge_arguments(self) -> tuple[Contact, Contact, dict[str, str]]:
        """(survivor, merged, choices) for ``contact_merge``."""
        keep = self.cleaned_data["keep"]
        survivor, merged = (self.a, self.b) if keep == A else (self.b, self.a)
        choices = {
            row["name"]: SURVIVOR if self.cleaned_data[f"pick_{row['name']}"] == keep else MERGED
            for row in self.rows
            if self.cleaned_data.get(f"pick_{row['name']}")
        }
        return survivor, merged, choices
