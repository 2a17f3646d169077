"""The tenant admin's form for a custom field definition."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.models import CustomFieldType, Entity
from crm.services.custom_fields import KEY_RE

CHOICE_TYPES = (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE)


class CustomFieldForm(forms.Form):
    entity = forms.ChoiceField(label=_l("record type"), choices=Entity.choices)
    key = forms.CharField(
        label=_l("key"),
        max_length=50,
        help_text=_l(
            "Lowercase letters, digits and underscores; used in imports, exports and filters."
        ),
    )
    field_type = forms.ChoiceField(label=_l("type"), choices=CustomFieldType.choices)
    required = forms.BooleanField(label=_l("required"), required=False)
    position = forms.IntegerField(
        label=_l("position"), required=False, min_value=0, max_value=32767, initial=0
    )
    currency = forms.ChoiceField(
        label=_l("currency"),
        required=False,
        help_text=_l("For money fields; empty means the workspace currency."),
    )
    choices = forms.CharField(
        label=_l("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_l("For choice fields: one per line, as value | English label | German label."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", "—")] + [(c, c) for c in settings.CURRENCIES]
        for code, name in settings.LANGUAGES:
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Label (%(language)s)") % {"language": _(name)},
                max_length=100,
                required=code == settings.MODELTRANSLATION_DEFAULT_LANGUAGE,
            )
        self.order_fields(
            ["entity", "key", *[f"label_{c}" for c, _n in settings.LANGUAGES], "field_type"]
        )
        if editing:
            for name in ("entity", "key", "field_type"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Cannot be changed once the field exists.")

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip().lower()
        if not KEY_RE.match(key):
            raise ValidationError(
                _("Use lowercase letters, digits and single underscores, starting with a letter.")
            )
        return key

    def clean_choices(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        seen: set[str] = set()
        languages = [code for code, _n in settings.LANGUAGES]
        for number, line in enumerate(self.cleaned_data.get("choices", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            value = parts[0].lower().replace(" ", "-")
            if not value or len(value) > 50 or not all(ch.isalnum() or ch in "-_" for ch in value):
                raise ValidationError(
                    _("Line %(line)d: the value must be letters, digits, - or _.")
                    % {"line": number}
                )
            if value in seen:
                raise ValidationError(
                    _("Line %(line)d: the value “%(value)s” appears twice.")
                    % {"line": number, "value": value}
                )
            seen.add(value)
            item = {"value": value}
            for index, code in enumerate(languages, start=1):
                item[f"label_{code}"] = (parts[index] if len(parts) > index else "")[:100]
            items.append(item)
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("field_type") in CHOICE_TYPES and not data.get("choices"):
            self.add_error("choices", _("Add at least one choice."))
        return data

    @staticmethod
    def initial_for(definition: Any) -> dict[str, Any]:
        lines = []
        for choice in definition.choices.all():
            labels = [getattr(choice, f"label_{code}", "") or "" for code, _n in settings.LANGUAGES]
            lines.append(" | ".join([choice.value, *labels]))
        initial = {
            "entity": definition.entity,
            "key": definition.key,
            "field_type": definition.field_type,
            "required": definition.required,
            "position": definition.position,
            "currency": definition.currency,
            "choices": "\n".join(lines),
        }
        for code, _n in settings.LANGUAGES:
            initial[f"label_{code}"] = getattr(definition, f"label_{code}", "") or ""
        return initial
