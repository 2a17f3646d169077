"""Field validators and normalisers shared by the services, forms and imports.

Each raises ``django.core.exceptions.ValidationError`` with a translated message, or returns the
normalised value:

- ``normalize_phone(value, region=None) -> str``: E.164 (``+4930123456``). Without a region
  (the contact's country) the number must start with ``+`` or ``00``.
- ``normalize_email(value) -> str``: lower-cased domain, validated.
- ``normalize_country(value) -> str``: ISO 3166-1 alpha-2, upper case.
- ``normalize_language(value) -> str``: a BCP 47 tag babel knows (``en``, ``de``, ``pt-BR``).
- ``normalize_time_zone(value) -> str``: an IANA zone name.
"""

from __future__ import annotations

import functools
import zoneinfo

import phonenumbers
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

# babel's territories include regions (001, 150), the EU and test codes; keep real countries.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@functools.cache
def country_codes() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@functools.cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    try:
        names = Locale.parse(to_locale(language)).territories
    except (UnknownLocaleError, ValueError):
        names = Locale("en").territories
    return sorted(
        ((code, names.get(code, code)) for code in country_codes()), key=lambda item: item[1]
    )


def country_choices() -> list[tuple[str, str]]:
    """``(code, name)`` pairs in the active language, sorted by name."""
    return _country_choices(get_language() or "en")


def country_name(code: str) -> str:
    return dict(country_choices()).get(code, code)


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def normalize_country(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        return ""
    if code not in country_codes():
        raise ValidationError(
            _("Enter a two-letter ISO country code, such as DE or US."), code="country"
        )
    return code


def normalize_phone(value: str, region: str | None = None) -> str:
    raw = (value or "").strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not raw.startswith("+") and not region:
        raise ValidationError(
            _("Enter the number with its country code (e.g. +49 30 1234567), or set the country."),
            code="phone_region",
        )
    try:
        number = phonenumbers.parse(raw, (region or None) if not raw.startswith("+") else None)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=20_000)
def format_phone(value: str) -> str:
    """An E.164 number for display, internationally formatted (``+49 30 1234567``)."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return value


def normalize_email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Enter a valid email address."), code="email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_language(value: str) -> str:
    tag = (value or "").strip().replace("_", "-")
    if not tag:
        return ""
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValidationError(
            _("Enter a language code such as en, de or pt-BR."), code="language"
        ) from None
    return locale.language + (f"-{locale.territory}" if locale.territory else "")


def normalize_time_zone(value: str) -> str:
    name = (value or "").strip()
    if not name:
        return ""
    if name not in zoneinfo.available_timezones():
        raise ValidationError(_("Enter a time zone such as Europe/Berlin."), code="time_zone")
    return name
