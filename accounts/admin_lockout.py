"""Lockout for the Django admin login (platform staff), on top of allauth's rate limits.

After ``ADMIN_LOGIN_MAX_FAILURES`` failed attempts for one username, or from one client IP,
further attempts for it are refused without checking the password for
``ADMIN_LOGIN_LOCKOUT_SECONDS``. Counters live in the cache (Redis in production, shared by
all web processes); the username is hashed so the cache holds no addresses.
"""

from __future__ import annotations

import hashlib
import logging

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("kontor.security")
PREFIX = "admin-login"


def _ip(request: HttpRequest | None) -> str:
    if request is None:
        return "unknown"
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def _keys(username: str, ip: str) -> list[str]:
    user_digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    ip_digest = hashlib.sha256(ip.encode()).hexdigest()
    return [f"{PREFIX}:user:{user_digest}", f"{PREFIX}:ip:{ip_digest}"]


def is_locked(username: str, ip: str) -> bool:
    limit = settings.ADMIN_LOGIN_MAX_FAILURES
    counts = cache.get_many(_keys(username, ip))
    return any(count >= limit for count in counts.values())


def record_failure(username: str, ip: str) -> None:
    """Count a failure for the username and the IP. The window starts at the first failure
    and lasts ``ADMIN_LOGIN_LOCKOUT_SECONDS``; reaching the limit locks for that long."""
    timeout = settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    for key in _keys(username, ip):
        cache.add(key, 0, timeout)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)
            count = 1
        if count >= settings.ADMIN_LOGIN_MAX_FAILURES:
            # Restart the clock on the lock itself.
            cache.set(key, count, timeout)
    logger.warning("Failed Django admin login for %r from %s", username[:100], ip)


def reset_user(username: str) -> None:
    cache.delete(_keys(username, "")[0])


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": _(
            "Too many failed login attempts. For your security, logging in is blocked for a "
            "while. Please try again later."
        ),
    }

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        ip = _ip(self.request)
        if is_locked(username, ip):
            logger.warning("Locked-out Django admin login for %r from %s", username[:100], ip)
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(username, ip)
            raise
        reset_user(username)
        return cleaned
