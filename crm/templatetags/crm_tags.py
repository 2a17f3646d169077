"""Small template helpers for the crm templates (``{% load crm_tags %}``)."""

from __future__ import annotations

from typing import Any

from django import template

from crm.services.validation import format_phone

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
    if user is None:
        return empty
    return user.get_full_name() or user.email or empty
