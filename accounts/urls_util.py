from typing import Any

from django.urls import reverse


def tenant_reverse(view_name: str, tenant: Any, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL under ``/<tenant-slug>/``; ``tenant`` is a Tenant or a slug."""
    slug = tenant if isinstance(tenant, str) else tenant.slug
    if args:
        return reverse(view_name, args=(slug, *args))
    return reverse(view_name, kwargs={"tenant_slug": slug, **kwargs})
