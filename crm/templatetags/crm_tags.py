"""Small template helpers for the crm templates (``{% load crm_tags %}``)."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from crm import formatting
from crm.formatting import esc, local_date_text
from crm.services.validation import country_choices, format_phone

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ params|get_item:"cf.segment" }}`` — a dict or QueryDict value by key."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def phone(value: str) -> str:
    """An E.164 number, formatted for reading (``+49 30 1234567``)."""
    return format_phone(value)


@register.filter
def person(user: Any, empty: str = "—") -> str:
    """A user's full name, else their email, else ``empty``: ``{{ c.owner|person }}``."""
    return formatting.person(user, empty)


def _options_html(choices: Any, selected: str) -> str:
    return "".join(
        f'<option value="{esc(value)}"{" selected" if str(value) == selected else ""}>'
        f"{esc(label)}</option>"
        for value, label in choices
    )


@register.simple_tag
def options(choices: Any, selected: Any = "") -> SafeString:
    """``<option>``s for ``(value, label)`` pairs, the one whose value is ``selected`` marked:
    ``{% options tag_choices request.GET.tag %}``. A select's options through the template
    engine cost several variable lookups each; this is one tag call."""
    return mark_safe(_options_html(choices, str(selected or "")))  # noqa: S308 - escaped


@functools.lru_cache(maxsize=64)
def _country_options(language: str) -> str:
    return _options_html(country_choices(), selected="")


@register.simple_tag
def country_options(selected: str = "") -> SafeString:
    """The ``<option>``s of every country in the active language, ``selected`` marked: built
    once per language (250 options through the template engine cost milliseconds a page)."""
    options = _country_options(get_language() or "en")
    code = (selected or "").strip().upper()
    if code:
        marker = f'<option value="{esc(code)}">'
        options = options.replace(marker, marker[:-1] + " selected>", 1)
    return mark_safe(options)  # noqa: S308 - built by _options_html, the code is escaped


@register.filter
def short_datetime(value: Any) -> str:
    """``{{ when|short_datetime }}``: ``|date:"SHORT_DATETIME_FORMAT"`` in the user's zone,
    through the compiled formatter of ``crm.formatting`` (a tenth of the cost)."""
    return local_date_text(value, "SHORT_DATETIME_FORMAT")


@register.filter
def short_date(value: Any) -> str:
    """``{{ when|short_date }}``: ``|date:"SHORT_DATE_FORMAT"``, faster."""
    return local_date_text(value, "SHORT_DATE_FORMAT")
