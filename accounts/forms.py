from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import RESERVED_SLUGS, Tenant, User, slug_validator
from accounts.services import tenant_create


class WorkspaceSignupForm(forms.Form):
    """Extra fields on allauth's sign-up: the new tenant the user will own."""

    workspace_name = forms.CharField(label=_("Company name"), max_length=200)
    workspace_slug = forms.CharField(
        label=_("Workspace address"), max_length=40, required=False,
        help_text=_("Lowercase letters, digits and hyphens; leave empty to derive it from the name."),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        slug = (cleaned.get("workspace_slug") or slugify(cleaned.get("workspace_name") or ""))[:40]
        slug = slug.strip("-")
        try:
            slug_validator(slug)
        except forms.ValidationError as error:
            self.add_error("workspace_slug", error)
            return cleaned
        if slug in RESERVED_SLUGS or Tenant.objects.filter(slug=slug).exists():
            self.add_error("workspace_slug", _("This address is already taken. Please pick another."))
        cleaned["workspace_slug"] = slug
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["language"])
        tenant_create(
            name=self.cleaned_data["workspace_name"],
            slug=self.cleaned_data["workspace_slug"],
            owner=user,
            default_language=self.cleaned_data["language"],
        )
