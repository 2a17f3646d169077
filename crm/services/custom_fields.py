"""Custom fields: definitions (admin) and values (validation, display, filters).

Values live in the record's ``custom`` JSON, keyed by ``CustomFieldDefinition.key``:

=============== ========================================= ==========================
type            stored as                                 raw input accepted
=============== ========================================= ==========================
text            ``"str"`` (≤ 1,000 characters)            any text
number          JSON number (int when integral)           ``1234.5``, ``1.234,5``, ``1'234``
date            ``"YYYY-MM-DD"``                          ``2024-03-31``, ``31.03.2024``
choice          the choice's ``value``                    value or label (any language)
multi_choice    list of choice values                     list, or ``a; b`` / ``a, b``
money           ``{"amount": "12.50", "currency": "EUR"}`` ``12.50``, ``12.50 EUR``, ``EUR 12,50``
boolean         ``true`` / ``false``                      yes/no, true/false, 1/0, ja/nein, on/off
url             ``"https://…"``                           with or without ``https://``
=============== ========================================= ==========================

The entry point shared with imports::

    values, errors = clean_custom_values(tenant, "contact", {"segment": "B2B", "budget": "12,5"})

``values`` holds the keys present in ``raw`` (``None`` for an emptied value: remove the key);
``errors`` maps key → list of messages. With ``partial=False`` (forms) a required field that is
missing or empty is an error; imports updating some columns pass ``partial=True``. For many rows
build one ``CustomFieldCleaner(tenant, entity)`` and call ``.clean(raw)`` per row (one query in
total). ``apply_custom_values(current, values)`` merges into a record's ``custom`` dict.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.roles import Capability
from crm.models import CustomFieldChoice, CustomFieldDefinition, CustomFieldType, Entity
from crm.services.rights import require_capability

TEXT_MAX = 1000
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_TRUE = {"1", "true", "yes", "y", "on", "ja", "j", "wahr", "x"}
_FALSE = {"0", "false", "no", "n", "off", "nein", "falsch", ""}
_url_validator = URLValidator(schemes=["http", "https"])


def definitions_for(tenant: Any, entity: str) -> list[CustomFieldDefinition]:
    """The tenant's field definitions for ``entity`` with their choices (two queries)."""
    return list(
        CustomFieldDefinition.objects.filter(tenant=tenant, entity=entity)
        .prefetch_related("choices")
        .order_by("position", "id")
    )


# --- parsing one value ------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    s = re.sub(r"[\s'_\u00a0\u202f]", "", str(text))
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(".") > 1:
        s = s.replace(".", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ValidationError(_("Enter a number."))
    return value


def _json_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_date(text: str) -> datetime.date:
    s = str(text).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("Enter a date as YYYY-MM-DD."))


def parse_bool(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    s = str(text).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValidationError(_("Enter yes or no."))


@dataclass
class _Field:
    definition: CustomFieldDefinition
    by_value: dict[str, str]  # lower(value or any label) → value

    @property
    def key(self) -> str:
        return self.definition.key


def _choice_index(definition: CustomFieldDefinition) -> dict[str, str]:
    index: dict[str, str] = {}
    for choice in definition.choices.all():
        for text in (
            choice.value,
            choice.label,
            *(getattr(choice, f"label_{code}", "") for code, _n in settings.LANGUAGES),
        ):
            if text:
                index.setdefault(str(text).strip().lower(), choice.value)
    return index


def _parse(field: _Field, raw: Any, default_currency: str) -> Any:
    """The stored value for ``raw`` (not empty), or raise ValidationError."""
    kind = field.definition.field_type
    if kind == CustomFieldType.TEXT:
        text = str(raw).strip()
        if len(text) > TEXT_MAX:
            raise ValidationError(_("Enter at most %(max)d characters.") % {"max": TEXT_MAX})
        return text
    if kind == CustomFieldType.NUMBER:
        return _json_number(parse_decimal(raw))
    if kind == CustomFieldType.DATE:
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        return parse_date(raw).isoformat()
    if kind == CustomFieldType.BOOLEAN:
        return parse_bool(raw)
    if kind == CustomFieldType.URL:
        url = str(raw).strip()
        if "://" not in url:
            url = "https://" + url
        try:
            _url_validator(url)
        except ValidationError:
            raise ValidationError(_("Enter a valid web address.")) from None
        return url
    if kind == CustomFieldType.CHOICE:
        value = field.by_value.get(str(raw).strip().lower())
        if value is None:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw})
        return value
    if kind == CustomFieldType.MULTI_CHOICE:
        items = raw if isinstance(raw, (list, tuple)) else re.split(r"[;,|]", str(raw))
        values: list[str] = []
        for item in items:
            if not str(item).strip():
                continue
            value = field.by_value.get(str(item).strip().lower())
            if value is None:
                raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": item})
            if value not in values:
                values.append(value)
        return values or None
    if kind == CustomFieldType.MONEY:
        if isinstance(raw, Mapping):
            amount_text, currency = str(raw.get("amount", "")), str(raw.get("currency", "")).upper()
        else:
            text = str(raw).strip().upper()
            match = re.fullmatch(r"([A-Z]{3})?\s*([^A-Z]*?)\s*([A-Z]{3})?", text)
            if not match or (match.group(1) and match.group(3)):
                raise ValidationError(
                    _("Enter an amount, optionally with a currency code (12.50 EUR).")
                )
            amount_text, currency = match.group(2), match.group(1) or match.group(3) or ""
        currency = currency or field.definition.currency or default_currency
        if field.definition.currency and currency != field.definition.currency:
            raise ValidationError(
                _("Enter the amount in %(currency)s.") % {"currency": field.definition.currency}
            )
        if currency not in settings.CURRENCIES:
            raise ValidationError(
                _("“%(currency)s” is not a supported currency.") % {"currency": currency}
            )
        amount = parse_decimal(amount_text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return {"amount": str(amount), "currency": currency}
    raise ValidationError(_("Unknown field type."))


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, (list, tuple)):
        return not any(str(item).strip() for item in raw)
    return isinstance(raw, str) and not raw.strip()


class CustomFieldCleaner:
    """Validates raw custom values of one entity for one tenant (definitions loaded once)."""

    def __init__(
        self, tenant: Any, entity: str, definitions: Iterable[CustomFieldDefinition] | None = None
    ) -> None:
        self.tenant = tenant
        self.entity = entity
        defs = list(definitions) if definitions is not None else definitions_for(tenant, entity)
        self.fields = {d.key: _Field(d, _choice_index(d)) for d in defs}
        self.default_currency = getattr(tenant, "default_currency", "") or "EUR"

    @property
    def definitions(self) -> list[CustomFieldDefinition]:
        return [f.definition for f in self.fields.values()]

    def clean(
        self, raw: Mapping[str, Any], *, partial: bool = False
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for key, value in raw.items():
            field = self.fields.get(key)
            if field is None:
                errors[key] = [_("There is no custom field “%(key)s”.") % {"key": key}]
                continue
            if _is_empty(value):
                if field.definition.required:
                    errors[key] = [_("This field is required.")]
                else:
                    values[key] = None
                continue
            try:
                values[key] = _parse(field, value, self.default_currency)
            except ValidationError as error:
                errors[key] = list(error.messages)
                continue
            if values[key] is None and field.definition.required:
                errors[key] = [_("This field is required.")]
        if not partial:
            for key, field in self.fields.items():
                if field.definition.required and key not in raw and key not in errors:
                    errors[key] = [_("This field is required.")]
        return values, errors


def clean_custom_values(
    tenant: Any, entity: str, raw: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate ``raw`` custom values (strings, or lists for multiple choice) → ``(values, errors)``."""
    return CustomFieldCleaner(tenant, entity).clean(raw, partial=partial)


def apply_custom_values(
    current: Mapping[str, Any] | None, values: Mapping[str, Any]
) -> dict[str, Any]:
    merged = dict(current or {})
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# --- display and filters ------------------------------------------------------------------------


def display_value(definition: CustomFieldDefinition, value: Any) -> str:
    """A stored value as text for people (choice labels in the active language)."""
    if value is None or value == "" or value == []:
        return ""
    kind = definition.field_type
    if kind in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE):
        labels = {c.value: c.label for c in definition.choices.all()}
        items = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(item, item)) for item in items)
    if kind == CustomFieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == CustomFieldType.MONEY and isinstance(value, Mapping):
        from django.utils.formats import number_format

        return f"{number_format(Decimal(value.get('amount', '0')), 2, use_l10n=True)} {value.get('currency', '')}"
    if kind == CustomFieldType.DATE:
        from django.utils.formats import date_format

        try:
            return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def form_initial(definition: CustomFieldDefinition, value: Any) -> Any:
    """A stored value as the initial value of its form field."""
    if value is None:
        return None
    kind = definition.field_type
    if kind == CustomFieldType.MONEY and isinstance(value, Mapping):
        return value.get("amount", "")
    return value


def filter_expression(definition: CustomFieldDefinition, raw: str) -> Q:
    """A filter for records whose value of ``definition`` matches ``raw``; raises ValidationError.

    Equality filters use ``custom @> {...}`` (the GIN index on ``(tenant_id, custom)``); text and
    URL fields match a case-insensitive substring.
    """
    key = definition.key
    kind = definition.field_type
    if kind in (CustomFieldType.TEXT, CustomFieldType.URL):
        return Q(**{f"custom__{key}__icontains": raw})
    field = _Field(definition, _choice_index(definition))
    value = _parse(field, raw, "EUR")
    if kind == CustomFieldType.MULTI_CHOICE:
        return Q(custom__contains={key: value})
    if kind == CustomFieldType.MONEY:
        return Q(custom__contains={key: {"amount": value["amount"]}})
    return Q(custom__contains={key: value})


# --- definitions (tenant admins) ------------------------------------------------------------------


def _validate_definition(data: Mapping[str, Any], *, creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    if creating:
        if not KEY_RE.match(str(data.get("key", ""))):
            errors["key"] = [
                _("Use lowercase letters, digits and single underscores, starting with a letter.")
            ]
        if data.get("entity") not in Entity.values:
            errors["entity"] = [_("Choose a record type.")]
        if data.get("field_type") not in CustomFieldType.values:
            errors["field_type"] = [_("Choose a type.")]
    currency = data.get("currency") or ""
    if currency and currency not in settings.CURRENCIES:
        errors["currency"] = [_("Choose a supported currency.")]
    if errors:
        raise ValidationError(errors)


def _set_choices(definition: CustomFieldDefinition, choices: list[Mapping[str, str]]) -> None:
    """Replace the choices, keeping rows whose value stays (so stored values keep their label)."""
    keep: list[str] = []
    for position, item in enumerate(choices):
        value = str(item.get("value", "")).strip()
        if not value:
            continue
        labels = {
            f"label_{code}": str(item.get(f"label_{code}") or "").strip()
            for code, _n in settings.LANGUAGES
        }
        default_label = labels.get(f"label_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}") or value
        labels[f"label_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"] = default_label
        CustomFieldChoice.objects.update_or_create(
            definition=definition,
            value=value,
            defaults={"position": position, "label": default_label, **labels},
        )
        keep.append(value)
    CustomFieldChoice.objects.filter(definition=definition).exclude(value__in=keep).delete()


def _apply_labels(definition: CustomFieldDefinition, data: Mapping[str, Any]) -> None:
    for code, _name in settings.LANGUAGES:
        if f"label_{code}" in data:
            setattr(definition, f"label_{code}", str(data[f"label_{code}"] or "").strip() or None)
    default = getattr(definition, f"label_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}", None)
    if not default:
        default = str(data.get("label") or definition.key)
        setattr(definition, f"label_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}", default)


def custom_field_create(
    *, tenant: Any, actor: Any, data: Mapping[str, Any]
) -> CustomFieldDefinition:
    """``data``: entity, key, field_type, label_en, label_de, required, position, currency,
    choices (list of ``{"value", "label_en", "label_de"}``). Needs MANAGE_TENANT."""
    require_capability(tenant, actor, Capability.MANAGE_TENANT)
    _validate_definition(data, creating=True)
    with transaction.atomic():
        if CustomFieldDefinition.objects.filter(entity=data["entity"], key=data["key"]).exists():
            raise ValidationError({"key": [_("A field with this key exists already.")]})
        definition = CustomFieldDefinition(
            tenant=tenant,
            entity=data["entity"],
            key=data["key"],
            field_type=data["field_type"],
            required=bool(data.get("required")),
            position=int(data.get("position") or 0),
            currency=data.get("currency") or "",
        )
        _apply_labels(definition, data)
        try:
            with transaction.atomic():
                definition.save()
        except IntegrityError:
            raise ValidationError({"key": [_("A field with this key exists already.")]}) from None
        if definition.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE):
            _set_choices(definition, list(data.get("choices") or []))
    return definition


def custom_field_update(
    *, tenant: Any, actor: Any, definition: CustomFieldDefinition, data: Mapping[str, Any]
) -> CustomFieldDefinition:
    """Labels, required, position, currency and choices may change; key, entity and type may not
    (stored values are keyed and typed by them)."""
    require_capability(tenant, actor, Capability.MANAGE_TENANT)
    _validate_definition(data, creating=False)
    with transaction.atomic():
        definition = CustomFieldDefinition.objects.select_for_update().get(pk=definition.pk)
        _apply_labels(definition, data)
        for name in ("required", "position", "currency"):
            if name in data:
                value = data[name]
                setattr(
                    definition,
                    name,
                    bool(value)
                    if name == "required"
                    else (int(value or 0) if name == "position" else (value or "")),
                )
        definition.save()
        if "choices" in data and definition.field_type in (
            CustomFieldType.CHOICE,
            CustomFieldType.MULTI_CHOICE,
        ):
            _set_choices(definition, list(data["choices"] or []))
    return definition


def custom_field_delete(*, tenant: Any, actor: Any, definition: CustomFieldDefinition) -> None:
    """Delete the definition. Stored values stay in the records' JSON (unseen, unfiltered) so a
    field recreated with the same key gets them back; nothing rewrites a million rows here."""
    require_capability(tenant, actor, Capability.MANAGE_TENANT)
    CustomFieldDefinition.objects.filter(pk=definition.pk).delete()
