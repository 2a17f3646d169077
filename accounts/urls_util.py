import functools
from collections.abc import Callable
from typing import Any

from django.urls import get_script_prefix, reverse


def tenant_reverse(view_name: str, tenant: Any, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL under ``/<tenant-slug>/``; ``tenant`` is a Tenant or a slug."""
    slug = tenant if isinstance(tenant, str) else tenant.slug
    if args:
        return reverse(view_name, args=(slug, *args))
    if not kwargs:
        # Navigation links: the same few per tenant on every page, about 0.1 ms each to reverse.
        return _reverse_without_arguments(view_name, slug, get_script_prefix())
    return reverse(view_name, kwargs={"tenant_slug": slug, **kwargs})


@functools.lru_cache(maxsize=4096)
def _reverse_without_arguments(view_name: str, slug: str, _script_prefix: str) -> str:
    return reverse(view_name, kwargs={"tenant_slug": slug})


_ID_SENTINEL = 987654321987


def tenant_url_for_ids(view_name: str, tenant: Any) -> Callable[[int], str]:
    """A function ``pk -> URL`` for a route taking one integer id: one ``reverse`` for a whole
    list page instead of one per row."""
    prefix, suffix = tenant_reverse(view_name, tenant, _ID_SENTINEL).split(str(_ID_SENTINEL))
    return lambda pk: f"{prefix}{int(pk)}{suffix}"
