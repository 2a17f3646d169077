from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import ConsentPurpose, LawfulBasis


class ConsentForm(forms.Form):
    GRANTED, WITHDRAWN = "granted", "withdrawn"

    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(GRANTED, _("Granted")), (WITHDRAWN, _("Withdrawn or refused"))],
        widget=forms.RadioSelect,
    )
    lawful_basis = forms.ChoiceField(
        label=_("Lawful basis"), choices=LawfulBasis.choices, initial=LawfulBasis.CONSENT
    )
    source = forms.CharField(
        label=_("Source"), max_length=200, required=False,
        help_text=_("Where the decision came from, e.g. web form, phone call, event."),
    )  # fmt: skip
    proof = forms.CharField(
        label=_("Proof"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The wording the person agreed to, or a reference to it."),
    )  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("decision") == self.GRANTED
            and data.get("lawful_basis") == LawfulBasis.CONSENT
            and not (data.get("source") or "").strip()
        ):
            self.add_error("source", _("Say where the consent was given."))
        return data

    @property
    def granted(self) -> bool:
        return self.cleaned_data["decision"] == self.GRANTED
