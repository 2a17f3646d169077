"""Company writes. Keyword-only and typed, like ``crm.services.contacts``.

``data`` keys: name, domain, industry, size, phone, street, postal_code, city, region, country,
parent (Company or id), owner (User or id), custom (raw ``{key: text}``), tags (names).
``company_update`` returns ``{field: (old, new)}`` and records it in the field history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Company, Entity
from crm.models.core import CompanySize
from crm.services import rights
from crm.services.contacts import resolve_company
from crm.services.custom_fields import apply_custom_values, clean_custom_values
from crm.services.records import (
    bulk_apply,
    record_changes,
    resolve_owner,
    restore,
    set_tags,
    soft_delete,
)
from crm.services.validation import normalize_country, normalize_phone

TEXT_FIELDS = {
    "name": 200,
    "industry": 100,
    "street": 200,
    "postal_code": 20,
    "city": 100,
    "region": 100,
}
ALLOWED = set(TEXT_FIELDS) | {
    "domain",
    "size",
    "phone",
    "country",
    "parent",
    "owner",
    "custom",
    "tags",
}
DOMAIN_RE = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str) -> str:
    """``https://www.Example.com/path`` → ``example.com``."""
    text = str(value or "").strip().lower()
    if not text:
        return ""
    text = (
        re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
        .split("/", 1)[0]
        .split("?", 1)[0]
        .split(":", 1)[0]
    )
    text = text.removeprefix("www.")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(_("Enter a valid domain, such as example.com.")) from None
    if not DOMAIN_RE.match(text):
        raise ValidationError(_("Enter a valid domain, such as example.com."))
    return text


def _clean(
    *, tenant: Any, actor: Any, data: Mapping[str, Any], instance: Company | None
) -> dict[str, Any]:
    unknown = set(data) - ALLOWED
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            value = " ".join(str(data[name] or "").split())
            if len(value) > limit:
                errors[name] = [_("Enter at most %(max)d characters.") % {"max": limit}]
            out[name] = value
    if ("name" in data or instance is None) and not out.get("name"):
        errors["name"] = [_("Enter the company's name.")]
    for name, func in (("domain", normalize_domain), ("country", normalize_country)):
        if name in data:
            try:
                out[name] = func(data[name])
            except ValidationError as error:
                errors[name] = list(error.messages)
    if "size" in data:
        size = data["size"] or ""
        if size and size not in CompanySize.values:
            errors["size"] = [_("Choose a valid size.")]
        out["size"] = size
    if "phone" in data:
        country = out.get("country", instance.country if instance else "") or None
        try:
            out["phone"] = normalize_phone(data["phone"], country)
        except ValidationError as error:
            errors["phone"] = list(error.messages)
    if "parent" in data:
        try:
            parent = resolve_company(data["parent"], field="parent")
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if parent is not None and instance is not None and _would_cycle(instance, parent):
                errors["parent"] = [_("A company cannot be its own parent.")]
            out["parent"] = parent
    if "owner" in data:
        try:
            out["owner"] = resolve_owner(
                tenant=tenant,
                actor=actor,
                value=data["owner"],
                current_id=instance.owner_id if instance else None,
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if "custom" in data:
        values, custom_errors = clean_custom_values(
            tenant, Entity.COMPANY, dict(data["custom"] or {}), partial=instance is not None
        )
        for key, messages in custom_errors.items():
            errors[f"custom.{key}"] = messages
        out["custom"] = values
    if "tags" in data:
        out["tags"] = data["tags"]
    if errors:
        raise ValidationError(errors)
    return out


def _would_cycle(company: Company, parent: Company, depth: int = 20) -> bool:
    current: Company | None = parent
    for _step in range(depth):
        if current is None:
            return False
        if current.pk == company.pk:
            return True
        current = (
            Company.objects.filter(pk=current.parent_id).first() if current.parent_id else None
        )
    return True


def company_create(*, tenant: Any, actor: Any, data: Mapping[str, Any]) -> Company:
    rights.require_create(tenant, actor)
    with transaction.atomic():
        cleaned = _clean(tenant=tenant, actor=actor, data=data, instance=None)
        tags = cleaned.pop("tags", None)
        custom = cleaned.pop("custom", {})
        if "owner" not in cleaned:
            cleaned["owner"] = actor if actor is not None and actor.is_authenticated else None
        now = timezone.now()
        company = Company(
            tenant=tenant,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=now,
            updated_at=now,
            custom=apply_custom_values({}, custom),
            **cleaned,
        )
        company.save()
        if tags:
            set_tags(tenant=tenant, instance=company, names=tags)
    return company


def company_update(
    *, tenant: Any, actor: Any, company: Company, data: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    rights.require_edit(tenant, actor, company)
    with transaction.atomic():
        company = (
            Company.objects.select_for_update(of=("self",))
            .select_related("owner", "parent")
            .get(pk=company.pk)
        )
        rights.require_edit(tenant, actor, company)
        cleaned = _clean(tenant=tenant, actor=actor, data=data, instance=company)
        tags = cleaned.pop("tags", None)
        custom = cleaned.pop("custom", None)
        changes: dict[str, tuple[Any, Any]] = {}
        for name, new in cleaned.items():
            old = getattr(company, name)
            if old != new:
                changes[name] = (old, new)
                setattr(company, name, new)
        if custom is not None:
            merged = apply_custom_values(company.custom, custom)
            for key in sorted(set(company.custom or {}) | set(merged)):
                old, new = (company.custom or {}).get(key), merged.get(key)
                if old != new:
                    changes[f"custom.{key}"] = (old, new)
            company.custom = merged
        if tags is not None:
            old_tags, new_tags = set_tags(tenant=tenant, instance=company, names=tags)
            if old_tags != new_tags:
                changes["tags"] = (old_tags, new_tags)
        if changes:
            company.updated_at = timezone.now()
            company.save()
            record_changes(instance=company, changes=changes, actor=actor)
    return changes


def company_soft_delete(*, tenant: Any, actor: Any, company: Company) -> None:
    soft_delete(tenant=tenant, actor=actor, instance=company)


def company_restore(*, tenant: Any, actor: Any, company: Company) -> None:
    restore(tenant=tenant, actor=actor, instance=company)


def company_bulk_action(
    *, tenant: Any, actor: Any, ids: list[Any], action: str, tag_name: str = "", owner: Any = None
) -> int:
    return bulk_apply(
        tenant=tenant,
        actor=actor,
        model=Company,
        ids=ids,
        action=action,
        tag_name=tag_name,
        owner=owner,
    )
