"""Import and export views: upload → map → preview → progress → report, and list exports.

All need the ``IMPORT_EXPORT`` capability (owners, admins, managers, marketers); jobs are
looked up by uuid inside the bound tenant, so another tenant's job answers 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import AuditEvent
from accounts.permissions import require_capability
from accounts.roles import Capability
from accounts.services import audit_record
from accounts.urls_util import tenant_reverse
from crm import exports
from crm.imports import services
from crm.imports.fields import target_choices
from crm.imports.parsing import ImportFileError
from crm.models import Entity, ImportJob
from crm.services.custom_fields import definitions_for

# Multipart framing around the file: boundaries, the CSRF field and part headers.
UPLOAD_SLACK = 64 * 1024


def _xlsx_max_rows() -> int:
    return int(getattr(settings, "EXPORT_XLSX_MAX_ROWS", 100_000))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.ms-excel,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload once it passes the size limit (a lying or missing
    Content-Length cannot fill the disk); the view then reports the file as too large."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _job(request: HttpRequest, uuid: Any) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("created_by"), uuid=uuid)


def _job_url(request: HttpRequest, name: str, job: ImportJob) -> str:
    return tenant_reverse(f"crm_import:{name}", request.tenant, job.uuid)  # type: ignore[attr-defined]


# --- list ---------------------------------------------------------------------------------------


@require_capability(Capability.IMPORT_EXPORT)
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")[:50]
    return render(request, "crm/imports/list.html", {"jobs": jobs})


# --- upload -------------------------------------------------------------------------------------


def _upload_page(
    request: HttpRequest, form: UploadForm, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "upload_error": error,
        "max_size": services.human_size(services.max_upload_bytes()),
        "max_rows": services.max_rows(),
    }
    return render(request, "crm/imports/upload.html", context, status=status)


@csrf_exempt  # checked below, after the size-limiting upload handler is installed
@require_capability(Capability.IMPORT_EXPORT)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    limit = services.max_upload_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + UPLOAD_SLACK:
        # Rejected without reading the body: nothing is parsed, stored or changed.
        return _upload_page(request, UploadForm(), status=413, error=services.too_large_message())
    request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
    return _upload_post(request)


@csrf_protect
def _upload_post(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        return _upload_page(request, UploadForm(), status=413, error=services.too_large_message())
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    try:
        job = services.import_create(
            tenant=request.tenant,  # type: ignore[attr-defined]
            actor=request.user,
            upload=form.cleaned_data["file"],
        )
    except ImportFileError as error:
        form.add_error("file", str(error))
        return _upload_page(request, form, status=400)
    return redirect(_job_url(request, "import_map", job))


# --- mapping ------------------------------------------------------------------------------------


@require_capability(Capability.IMPORT_EXPORT)
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, uuid: Any) -> HttpResponse:
    job = _job(request, uuid)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.MAPPED):
        return redirect(_job_url(request, "import_detail", job))
    definitions = definitions_for(request.tenant, Entity.CONTACT)  # type: ignore[attr-defined]
    errors: list[str] = []
    mapping = {str(k): v for k, v in job.mapping.items()}
    match_key, keep = job.match_key, job.keep_duplicate
    if request.method == "POST":
        mapping = {
            str(i): request.POST.get(f"col-{i}", "")
            for i in range(len(job.headers))
            if request.POST.get(f"col-{i}")
        }
        match_key = request.POST.get("match_key", "email")
        keep = request.POST.get("keep_duplicate", ImportJob.KeepDuplicate.FIRST)
        errors = services.import_set_mapping(
            job=job, mapping=mapping, match_key=match_key, keep_duplicate=keep
        )
        if not errors:
            return redirect(_job_url(request, "import_preview", job))
    samples = services.import_preview(job=job, limit=3) if job.stored_path else []
    columns = [
        {
            "index": index,
            "header": header,
            "target": mapping.get(str(index), ""),
            "samples": [row.cells[index] for row in samples if index < len(row.cells)],
        }
        for index, header in enumerate(job.headers)
    ]
    context = {
        "job": job,
        "columns": columns,
        "choices": target_choices(definitions),
        "match_choices": services.match_key_choices(definitions),
        "match_key": match_key,
        "keep_choices": ImportJob.KeepDuplicate.choices,
        "keep_duplicate": keep,
        "errors": errors,
    }
    return render(request, "crm/imports/map.html", context, status=400 if errors else 200)


# --- preview and start --------------------------------------------------------------------------


@require_capability(Capability.IMPORT_EXPORT)
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, uuid: Any) -> HttpResponse:
    job = _job(request, uuid)
    if job.status == ImportJob.Status.UPLOADED:
        return redirect(_job_url(request, "import_map", job))
    if job.status != ImportJob.Status.MAPPED:
        return redirect(_job_url(request, "import_detail", job))
    if request.method == "POST":
        services.import_start(job=job)
        return redirect(_job_url(request, "import_detail", job))
    rows = services.import_preview(job=job, limit=20)
    mapped = sorted((int(i), t) for i, t in job.mapping.items())
    definitions = definitions_for(request.tenant, Entity.CONTACT)  # type: ignore[attr-defined]
    labels = dict(target_choices(definitions))
    context = {
        "job": job,
        "rows": rows,
        "mapped_headers": [(job.headers[i], labels.get(t, t)) for i, t in mapped],
        "mapped_indexes": [i for i, _t in mapped],
        "preview_rows": [
            {
                "number": row.row_number,
                "cells": [row.cells[i] for i, _t in mapped],
                "errors": row.errors,
            }
            for row in rows
        ],
        "error_count": sum(1 for row in rows if row.errors),
    }
    return render(request, "crm/imports/preview.html", context)


# --- progress and report ------------------------------------------------------------------------


def _status_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "summary": services.summary_line(job),
        "rows_per_second": services.rows_per_second(job),
    }


@require_capability(Capability.IMPORT_EXPORT)
def import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    job = _job(request, uuid)
    if job.status == ImportJob.Status.UPLOADED:
        return redirect(_job_url(request, "import_map", job))
    if job.status == ImportJob.Status.MAPPED:
        return redirect(_job_url(request, "import_preview", job))
    return render(request, "crm/imports/detail.html", _status_context(job))


@require_capability(Capability.IMPORT_EXPORT)
def import_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The status partial htmx polls every second while the job runs."""
    job = _job(request, uuid)
    return render(request, "crm/imports/_status.html", _status_context(job))


@require_capability(Capability.IMPORT_EXPORT)
@require_POST
def import_retry(request: HttpRequest, uuid: Any) -> HttpResponse:
    job = _job(request, uuid)
    if services.import_retry(job=job):
        messages.success(request, _("The import runs again."))
    return redirect(_job_url(request, "import_detail", job))


@require_capability(Capability.IMPORT_EXPORT)
def import_rejects(request: HttpRequest, uuid: Any) -> HttpResponse:
    job = _job(request, uuid)
    if not job.rejects_path:
        raise Http404
    response = StreamingHttpResponse(services.rejects_iter(job), content_type="text/csv")
    stem = job.original_filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-rejected.csv")
    return response


# --- exports ------------------------------------------------------------------------------------


def _export(request: HttpRequest, entity: str) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        file_format = "csv"
    queryset, columns, descending, active = exports.export_queryset(
        tenant=tenant, user=request.user, entity=entity, params=request.GET
    )
    list_name = "crm:contact_list" if entity == Entity.CONTACT else "crm:company_list"
    if file_format == "xlsx":
        limit = _xlsx_max_rows()
        if queryset.order_by().values("pk")[: limit + 1].count() > limit:
            messages.error(
                request,
                _(
                    "Excel exports are limited to %(max)s rows. Narrow the list with filters "
                    "or export it as CSV."
                )
                % {"max": f"{limit:,}"},
            )
            query = request.GET.copy()
            query.pop("format", None)
            suffix = "?" + query.urlencode() if query else ""
            return redirect(tenant_reverse(list_name, tenant) + suffix)
    audit_record(
        tenant=tenant,
        action=AuditEvent.Action.EXPORT,
        actor=request.user,  # type: ignore[arg-type]
        target=f"{entity} list ({file_format})",
        ip_address=request.META.get("REMOTE_ADDR"),
        details={"entity": entity, "format": file_format, "filters": active},
    )
    spec = exports.export_spec(entity=entity)
    batches = exports.iter_records(
        tenant_id=tenant.pk, queryset=queryset, columns=columns, descending=descending
    )
    stem = f"{tenant.slug}-{'contacts' if entity == Entity.CONTACT else 'companies'}"
    if file_format == "xlsx":
        handle = exports.xlsx_file(tenant_id=tenant.pk, spec=spec, batches=batches)
        response = StreamingHttpResponse(
            iter(lambda: handle.read(64 * 1024), b""),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response._resource_closers.append(handle.close)
        response["Content-Disposition"] = content_disposition_header(True, f"{stem}.xlsx")
        return response
    response = StreamingHttpResponse(
        exports.csv_stream(tenant_id=tenant.pk, spec=spec, batches=batches),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv")
    return response


@require_capability(Capability.IMPORT_EXPORT)
def export_contacts(request: HttpRequest) -> HttpResponse:
    return _export(request, Entity.CONTACT)


@require_capability(Capability.IMPORT_EXPORT)
def export_companies(request: HttpRequest) -> HttpResponse:
    return _export(request, Entity.COMPANY)
