"""Test settings: real PostgreSQL (from DATABASE_URL), eager Celery, in-memory mail and cache."""

import os

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
# Live-server browser tests need plain static storage (no manifest) and sync DB access.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
