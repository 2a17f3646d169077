"""Tags: created on the fly by name (case-insensitive, unique per tenant)."""

from __future__ import annotations

from crm.services.records import parse_tag_names, set_tags, tag_get_or_create

__all__ = ["parse_tag_names", "set_tags", "tag_get_or_create"]
