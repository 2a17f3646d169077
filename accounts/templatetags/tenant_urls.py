"""``{% turl 'crm:contact_list' %}``: reverse a tenant URL for the tenant of this request."""

from typing import Any

from django import template

from accounts.urls_util import tenant_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def turl(context: template.Context, view_name: str, *args: Any, **kwargs: Any) -> str:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    return tenant_reverse(view_name, tenant, *args, **kwargs)
