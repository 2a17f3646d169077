"""Production: everything secure by default; secrets and hosts must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MAILERS, SECRET_KEY, env, env_bool

DEBUG = False
if SECRET_KEY.startswith("dev-only") and not env_bool("KONTOR_ALLOW_DEV_SECRET"):
    raise ImproperlyConfigured("Set SECRET_KEY in the environment for production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
X_FRAME_OPTIONS = "DENY"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

# Mail goes out over SMTP unless MAIL_BACKEND names another production backend; the console
# backend that base.py defaults to for development would silently drop every message.
if not env("MAIL_BACKEND"):
    MAILERS = {
        **MAILERS,
        "default": {
            **MAILERS["default"],
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        },
    }
