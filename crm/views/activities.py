"""The activity panel of contact and company pages: timeline, log an activity, add a task.

With htmx the forms post in place and the panel is swapped; without it they post normally and
the page reloads (PRG), so everything works with a full reload too.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import require_capability
from accounts.roles import Capability
from crm.forms import ActivityForm, TaskForm
from crm.models import Activity, Company, Contact
from crm.selectors.timeline import timeline_page
from crm.services.activities import activity_delete, activity_log, task_create, task_set_done
from crm.services.records import tenant_members
from crm.views.common import bind, can_edit, deny, safe_next, turl

TIMELINE_SIZE = 20


def _names(subject: Contact | Company) -> dict[str, str]:
    if isinstance(subject, Contact):
        return {
            "detail": "crm:contact_detail",
            "timeline": "crm:contact_timeline",
            "log": "crm:contact_log_activity",
            "task": "crm:contact_add_task",
        }
    return {
        "detail": "crm:company_detail",
        "timeline": "crm:company_timeline",
        "log": "crm:company_log_activity",
        "task": "crm:company_add_task",
    }


def _forms_cache_key(user: Any, members: list[Any]) -> str:
    signature = "|".join(f"{m.pk}:{m.get_full_name()}:{m.email}" for m in members)
    return f"{user.pk}:{hashlib.sha256(signature.encode()).hexdigest()[:16]}"


def panel_context(
    request: HttpRequest,
    subject: Contact | Company,
    *,
    members: list[Any] | None = None,
    activity_form: ActivityForm | None = None,
    task_form: TaskForm | None = None,
    cursor: str | None = None,
) -> dict[str, Any]:
    """What ``crm/partials/activity_panel.html`` needs (timeline page, forms, URLs)."""
    if members is None:
        members = tenant_members(request.tenant)  # type: ignore[attr-defined]
    names = _names(subject)
    page = timeline_page(tenant=request.tenant, subject=subject, cursor=cursor, limit=TIMELINE_SIZE)  # type: ignore[attr-defined]
    return {
        "subject": subject,
        "timeline": page,
        "timeline_cursor": cursor,
        "may_log": can_edit(request, subject),
        "activity_form": activity_form or ActivityForm(),
        # The unbound forms' HTML depends on the language, the user (default assignee) and the
        # members (assignee choices) only: cached as a template fragment under this key.
        "forms_cache_key": _forms_cache_key(request.user, members),
        "task_form": task_form or TaskForm(members=members, user=request.user),
        "detail_url": turl(request, names["detail"], subject.pk),
        "timeline_url": turl(request, names["timeline"], subject.pk),
        "log_url": turl(request, names["log"], subject.pk),
        "task_url": turl(request, names["task"], subject.pk),
    }


def timeline(request: HttpRequest, subject: Contact | Company) -> HttpResponse:
    """More timeline entries (htmx appends them); without htmx, the detail page at that cursor."""
    cursor = request.GET.get("cursor")
    if not getattr(request, "htmx", False):
        url = turl(request, _names(subject)["detail"], subject.pk)
        return redirect(f"{url}?cursor={cursor}" if cursor else url)
    page = timeline_page(tenant=request.tenant, subject=subject, cursor=cursor, limit=TIMELINE_SIZE)  # type: ignore[attr-defined]
    return render(
        request,
        "crm/partials/timeline_entries.html",
        {
            "timeline": page,
            "timeline_url": turl(request, _names(subject)["timeline"], subject.pk),
            "subject": subject,
        },
    )


def _panel_response(request: HttpRequest, subject: Contact | Company, **forms: Any) -> HttpResponse:
    return render(
        request, "crm/partials/activity_panel.html", panel_context(request, subject, **forms)
    )


def log_activity(
    request: HttpRequest, subject: Contact | Company, render_page: Any
) -> HttpResponse:
    """POST: log a call/meeting/email/note on ``subject``."""
    bind(request)
    if not can_edit(request, subject):
        deny(request)
    form = ActivityForm(request.POST)
    if form.is_valid():
        data = {
            **form.cleaned_data,
            "contact" if isinstance(subject, Contact) else "company": subject,
        }
        try:
            activity_log(tenant=request.tenant, actor=request.user, data=data)  # type: ignore[attr-defined]
        except ValidationError as error:
            _add_errors(form, error)
    if form.is_valid() and not form.errors:
        if getattr(request, "htmx", False):
            return _panel_response(request, subject)
        messages.success(request, _("Activity logged."))
        return redirect(turl(request, _names(subject)["detail"], subject.pk))
    if getattr(request, "htmx", False):
        return _panel_response(request, subject, activity_form=form)
    return render_page(request, subject, activity_form=form)


def add_task(request: HttpRequest, subject: Contact | Company, render_page: Any) -> HttpResponse:
    """POST: add a task on ``subject``."""
    bind(request)
    if not can_edit(request, subject):
        deny(request)
    members = tenant_members(request.tenant)  # type: ignore[attr-defined]
    form = TaskForm(request.POST, members=members, user=request.user)
    if form.is_valid():
        data = {
            **form.cleaned_data,
            "contact" if isinstance(subject, Contact) else "company": subject,
        }
        try:
            task_create(tenant=request.tenant, actor=request.user, data=data)  # type: ignore[attr-defined]
        except ValidationError as error:
            _add_errors(form, error)
    if form.is_valid() and not form.errors:
        if getattr(request, "htmx", False):
            return _panel_response(request, subject, members=members)
        messages.success(request, _("Task added."))
        return redirect(turl(request, _names(subject)["detail"], subject.pk))
    if getattr(request, "htmx", False):
        return _panel_response(request, subject, members=members, task_form=form)
    return render_page(request, subject, task_form=form)


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error)


def _activity_or_404(pk: int) -> Activity:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Activity.objects.select_related("contact", "company"), pk=pk)


@require_capability(Capability.READ_CONTACTS)
@require_POST
def task_done(request: HttpRequest, activity_id: int) -> HttpResponse:
    """Complete (``done=1``) or reopen (``done=0``) a task."""
    bind(request)
    task = _activity_or_404(activity_id)
    try:
        task_set_done(
            tenant=request.tenant,
            actor=request.user,
            task=task,
            done=request.POST.get("done", "1") == "1",
        )  # type: ignore[attr-defined]
    except PermissionDenied:
        deny(request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if getattr(request, "htmx", False):
        return render(
            request,
            "crm/partials/task_row.html",
            {"task": task, "now": timezone.now(), "here": safe_next(request, "")},
        )
    messages.success(request, _("Task updated."))
    return redirect(safe_next(request, turl(request, "crm:task_list")))


@require_capability(Capability.READ_CONTACTS)
@require_POST
def activity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    bind(request)
    activity = _activity_or_404(pk)
    try:
        activity_delete(tenant=request.tenant, actor=request.user, activity=activity)  # type: ignore[attr-defined]
    except PermissionDenied:
        deny(request)
    messages.success(request, _("Activity deleted."))
    if activity.contact_id:
        fallback = turl(request, "crm:contact_detail", activity.contact_id)
    elif activity.company_id:
        fallback = turl(request, "crm:company_detail", activity.company_id)
    else:
        fallback = turl(request, "crm:task_list")
    return redirect(safe_next(request, fallback))
