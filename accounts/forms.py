"""Forms for identity and tenancy. Fields are listed explicitly; none drives access."""

from __future__ import annotations

from typing import Any

from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import RESERVED_SLUGS, AuditEvent, Invitation, Tenant, User, slug_validator
from accounts.roles import ASSIGNABLE_BY, Role
from accounts.selectors import invitation_in_session
from accounts.services import tenant_create


class WorkspaceSignupForm(forms.Form):
    """Extra fields on allauth's sign-up: the new tenant the user will own.

    When the visitor came through an invitation (its token is in the session), there is no
    new tenant: the workspace fields are dropped, the email must be the invited one, and
    after confirming it the user is sent back to the invitation to join.
    """

    workspace_name = forms.CharField(label=_("Company name"), max_length=200)
    workspace_slug = forms.CharField(
        label=_("Workspace address"), max_length=40, required=False,
        help_text=_("Lowercase letters, digits and hyphens; leave empty to derive it from the name."),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = allauth_context.request
        found = invitation_in_session(request) if request is not None else None
        self.invitation: Invitation | None = found[0] if found else None
        if self.invitation is not None:
            del self.fields["workspace_name"]
            del self.fields["workspace_slug"]
            if "email" in self.fields:
                self.fields["email"].initial = self.invitation.email
            self.initial.setdefault("email", self.invitation.email)
            self.fields["language"].initial = self.invitation.tenant.default_language

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if self.invitation is not None:
            email = (cleaned.get("email") or "").strip().lower()
            if email and email != self.invitation.email.lower():
                self.add_error(
                    "email",
                    _("Your invitation was sent to %(email)s. Please sign up with that address.")
                    % {"email": self.invitation.email},
                )
            return cleaned
        slug = (cleaned.get("workspace_slug") or slugify(cleaned.get("workspace_name") or ""))[:40]
        slug = slug.strip("-")
        try:
            slug_validator(slug)
        except forms.ValidationError as error:
            self.add_error("workspace_slug", error)
            return cleaned
        if slug in RESERVED_SLUGS or Tenant.objects.filter(slug=slug).exists():
            self.add_error(
                "workspace_slug", _("This address is already taken. Please pick another.")
            )
        cleaned["workspace_slug"] = slug
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["language"])
        if self.invitation is not None:
            return  # joins the invitation's tenant after confirming the email address
        tenant_create(
            name=self.cleaned_data["workspace_name"],
            slug=self.cleaned_data["workspace_slug"],
            owner=user,
            default_language=self.cleaned_data["language"],
        )


class TenantSettingsForm(forms.ModelForm):
    enabled_languages = forms.MultipleChoiceField(
        label=_("Enabled languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages your team can pick and translate content into."),
    )

    class Meta:
        model = Tenant
        fields = [
            "name",
            "default_language",
            "enabled_languages",
            "default_currency",
            "reporting_currency",
            "time_zone",
            "fiscal_year_start_month",
        ]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        default = cleaned.get("default_language")
        enabled = cleaned.get("enabled_languages")
        if default and enabled is not None and default not in enabled:
            self.add_error(
                "default_language", _("The default language must be one of the enabled languages.")
            )
        return cleaned


class InvitationForm(forms.ModelForm):
    """Email and role; the role choices are the ones the inviting member may hand out."""

    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def __init__(self, *args: Any, actor_role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ASSIGNABLE_BY.get(actor_role, set())
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        self.fields["role"].initial = Role.SALES_REP
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, actor_role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ASSIGNABLE_BY.get(actor_role, set())
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("All events")), *AuditEvent.Action.choices],
    )


class PersonalSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "time_zone"]
        labels = {"language": _("Language"), "time_zone": _("Time zone")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Workspace default")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = [
            ("", _("Workspace time zone")),
            *[c for c in self.fields["time_zone"].choices if c[0]],
        ]
