"""Forms of the list pages: bulk actions and saved views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _l

from crm.services.records import BULK_MAX, BulkAction


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=_l("action"), choices=BulkAction.choices)
    ids = forms.TypedMultipleChoiceField(label=_l("records"), coerce=int, choices=[])
    tag = forms.CharField(label=_l("tag"), required=False, max_length=60)
    owner = forms.ChoiceField(label=_l("owner"), required=False)

    def __init__(self, *args: Any, owner_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices

    def clean_ids(self) -> list[int]:
        return self.cleaned_data["ids"]

    def full_clean(self) -> None:
        # Ids are checked against the tenant by the service (scoped queryset), not by choices.
        raw = (
            self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        )
        valid: list[tuple[str, str]] = []
        for value in raw[: BULK_MAX + 1]:
            if str(value).isdigit():
                valid.append((str(value), str(value)))
        self.fields["ids"].choices = valid
        super().full_clean()


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_l("name"), max_length=100)
    entity = forms.ChoiceField(
        choices=[("contact", "contact"), ("company", "company")], widget=forms.HiddenInput
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
