"""Views for identity and tenancy. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

import copy

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import (
    AuditFilterForm,
    InvitationForm,
    MembershipRoleForm,
    PersonalSettingsForm,
    TenantSettingsForm,
)
from accounts.middleware import tenant_public
from accounts.models import AuditEvent, Invitation
from accounts.permissions import require_capability
from accounts.roles import ASSIGNABLE_BY, Capability, Role
from accounts.selectors import INVITATION_SESSION_KEY, home_url_for, memberships_of
from accounts.signals import client_ip
from accounts.urls_util import tenant_reverse

HOME_TEMPLATES = {
    Role.OWNER: "accounts/home/admin.html",
    Role.ADMIN: "accounts/home/admin.html",
    Role.MANAGER: "accounts/home/manager.html",
    Role.SALES_REP: "accounts/home/sales_rep.html",
    Role.SUPPORT_AGENT: "accounts/home/support_agent.html",
    Role.MARKETER: "accounts/home/marketer.html",
    Role.VIEWER: "accounts/home/viewer.html",
}


def landing(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_for(request.user))


@login_required
def workspaces(request: HttpRequest) -> HttpResponse:
    """The tenant switcher: every workspace this user belongs to."""
    return render(
        request, "accounts/workspaces.html", {"memberships": memberships_of(request.user)}
    )


def tenant_home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own home page."""
    template = HOME_TEMPLATES.get(request.membership.role, "accounts/home/viewer.html")
    return render(request, template)


# --- Tenant settings ----------------------------------------------------------------------


@require_capability(Capability.MANAGE_TENANT)
@require_http_methods(["GET", "POST"])
def tenant_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    # Bind the form to a copy: a rejected form must not leave values on request.tenant.
    form = TenantSettingsForm(request.POST or None, instance=copy.copy(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.tenant_settings_update(
                tenant=tenant, actor=request.user, data=form.cleaned_data,
                ip_address=client_ip(request),
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("Workspace settings saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(tenant_reverse("tenant_settings", tenant))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/tenant_settings.html", {"form": form}, status=status)


# --- Members ------------------------------------------------------------------------------


@require_capability(Capability.MANAGE_MEMBERS)
def member_list(request: HttpRequest) -> HttpResponse:
    actor = request.membership
    members = list(selectors.members_of(request.tenant))
    assignable = ASSIGNABLE_BY.get(actor.role, set())
    role_choices = [(value, label) for value, label in Role.choices if value in assignable]
    rows = [
        {
            "membership": m,
            # Admins may neither change nor remove an owner.
            "editable": m.role != Role.OWNER or actor.role == Role.OWNER,
        }
        for m in members
    ]
    return render(
        request,
        "accounts/member_list.html",
        {"rows": rows, "role_choices": role_choices, "owner_count": _owners(members)},
    )


def _owners(members: list) -> int:
    return sum(1 for m in members if m.role == Role.OWNER)


def _membership_or_404(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    membership = selectors.membership_in_tenant(request.tenant, pk)
    if membership is None:
        raise Http404
    return membership


def _after_member_change(request: HttpRequest) -> HttpResponse:
    """Back to the members page, unless the actor just gave away their own access."""
    actor = selectors.membership_in_tenant(request.tenant, request.membership.pk)
    if actor is None:
        return redirect("workspaces")
    if not actor.can(Capability.MANAGE_MEMBERS):
        return redirect(tenant_reverse("tenant_home", request.tenant))
    return redirect(tenant_reverse("member_list", request.tenant))


@require_capability(Capability.MANAGE_MEMBERS)
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    form = MembershipRoleForm(request.POST, actor_role=request.membership.role)
    if not form.is_valid():
        services.audit_record(
            tenant=request.tenant, action=AuditEvent.Action.PERMISSION_DENIED, actor=request.user,
            target=membership.user.email, ip_address=client_ip(request),
            details={"attempted_role": str(request.POST.get("role", ""))[:20]},
        )  # fmt: skip
        messages.error(request, _("You may not give this role. Only an owner can make an owner."))
        return redirect(tenant_reverse("member_list", request.tenant))
    try:
        services.membership_change_role(
            membership=membership, actor=request.membership, role=form.cleaned_data["role"],
            ip_address=client_ip(request),
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(tenant_reverse("member_list", request.tenant))
    messages.success(
        request,
        _("%(person)s is now %(role)s.")
        % {"person": membership.user, "role": membership.get_role_display()},
    )
    return _after_member_change(request)


@require_capability(Capability.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if request.method == "GET":
        return render(request, "accounts/member_remove.html", {"target": membership})
    try:
        services.membership_remove(
            membership=membership, actor=request.membership, ip_address=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(tenant_reverse("member_list", request.tenant))
    messages.success(
        request, _("%(person)s was removed from the workspace.") % {"person": membership.user}
    )
    return _after_member_change(request)


# --- Invitations --------------------------------------------------------------------------


@require_capability(Capability.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest) -> HttpResponse:
    """Pending invitations and the form to invite someone."""
    actor = request.membership
    form = InvitationForm(request.POST or None, actor_role=actor.role)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    tenant=request.tenant, actor=actor, email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"], base_url=request.build_absolute_uri("/"),
                    ip_address=client_ip(request),
                )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect(tenant_reverse("invitation_list", request.tenant))
        status = 400
    invitations = list(selectors.pending_invitations())
    assignable = ASSIGNABLE_BY.get(actor.role, set())
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "form": form,
            "invitations": invitations,
            "assignable": assignable,
            "invitation_valid_days": services.INVITATION_VALIDITY.days,
        },
        status=status,
    )


def _invitation_or_404(pk: int) -> Invitation:
    # Looked up inside the bound tenant's scope: another tenant's invitation is a 404.
    return get_object_or_404(Invitation.objects, pk=pk)


@require_capability(Capability.MANAGE_MEMBERS)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_or_404(pk)
    try:
        services.invitation_revoke(
            invitation=invitation, actor=request.membership, ip_address=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect(tenant_reverse("invitation_list", request.tenant))


@require_capability(Capability.MANAGE_MEMBERS)
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation_or_404(pk)
    try:
        services.invitation_resend(
            invitation=invitation, actor=request.membership,
            base_url=request.build_absolute_uri("/"), ip_address=client_ip(request),
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s was sent again.") % {"email": invitation.email}
        )
    return redirect(tenant_reverse("invitation_list", request.tenant))


@tenant_public
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation mail. GET shows it; only a POST joins (mail scanners GET)."""
    template = "accounts/invitation_accept.html"
    invitation = selectors.invitation_by_token(token)
    problem = services.invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410
        return render(request, template, {"problem": problem}, status=status)
    assert invitation is not None
    context = {"invitation": invitation, "tenant_name": request.tenant.name}
    user = request.user
    if not user.is_authenticated:
        # Come back here after logging in or signing up (see AccountAdapter).
        request.session[INVITATION_SESSION_KEY] = {"tenant_id": request.tenant.pk, "token": token}
        here = request.path
        context["signup_url"] = (
            reverse("account_signup") + "?" + urlencode({"email": invitation.email, "next": here})
        )
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        return render(request, template, context)
    if request.membership is not None:
        request.session.pop(INVITATION_SESSION_KEY, None)
        context["problem"] = _("You are already a member of this workspace.")
        context["home_url"] = tenant_reverse("tenant_home", request.tenant)
        return render(request, template, context)
    email_matches = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not email_matches:
        context["problem"] = _(
            "This invitation was sent to %(email)s, but you are logged in as %(me)s. Log out "
            "and log in (or sign up) with the invited address to accept it."
        ) % {"email": invitation.email, "me": user.email}
        return render(request, template, context, status=403 if request.method == "POST" else 200)
    if request.method == "POST":
        try:
            services.invitation_accept(
                tenant=request.tenant, token=token, user=user, ip_address=client_ip(request)
            )
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
            return render(request, template, context, status=400)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(request, _("Welcome to %(name)s!") % {"name": request.tenant.name})
        return redirect(tenant_reverse("tenant_home", request.tenant))
    context["can_accept"] = True
    return render(request, template, context)


# --- Audit log ----------------------------------------------------------------------------


@require_capability(Capability.READ_AUDIT_LOG)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    page = selectors.audit_events_page(cursor=request.GET.get("after", ""), action=action)
    next_url = None
    if page.next_cursor:
        params = {"after": page.next_cursor, **({"action": action} if action else {})}
        next_url = "?" + urlencode(params)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "events": page.events,
            "next_url": next_url,
            "is_first_page": not request.GET.get("after"),
            "first_url": "?" + urlencode({"action": action}) if action else "?",
        },
    )


# --- Personal settings (not tenant-scoped) ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def personal_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PersonalSettingsForm(request.POST or None, instance=copy.copy(user))
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(user=user, **form.cleaned_data)
        messages.success(request, _("Your settings were saved."))
        return redirect("personal_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/personal_settings.html", {"form": form}, status=status)
