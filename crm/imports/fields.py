"""Import targets: the contact fields a column can be mapped to, and header auto-mapping.

A mapping is ``{column index (str): target}`` where a target is one of ``TARGETS`` or
``custom:<key>`` for a custom field of the tenant. Unmapped columns are ignored.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

from crm.models import CustomFieldDefinition

CUSTOM_PREFIX = "custom:"

# target → label; the order is the order of the mapping form's choices.
TARGETS: dict[str, object] = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "mobile": _("Mobile"),
    "job_title": _("Job title"),
    "company": _("Company name"),
    "city": _("City"),
    "country": _("Country (ISO code)"),
    "lifecycle_stage": _("Lifecycle stage"),
    "tags": _("Tags"),
}

# Normalised header text → target. Headers are compared lower-cased with accents and every
# character that is not a letter or digit removed ("E-Mail Address" → "emailaddress").
SYNONYMS: dict[str, str] = {}
for _target, _names in {
    "first_name": "firstname first givenname forename vorname prenom prénom nombre imie imię",
    "last_name": "lastname last surname familyname nachname familienname nom apellido "
    "apellidos nazwisko soyad soyadi",
    "email": "email emailaddress mail e-mail emailadresse mailadresse courriel correo "
    "correoelectronico eposta",
    "phone": "phone phonenumber telephone tel telefon telefonnummer "
    "workphone businessphone telefono teléfono",
    "mobile": "mobile mobilephone mobilenumber cell cellphone handy mobil mobiltelefon "
    "portable movil móvil komorka",
    "job_title": "jobtitle title position role function funktion beruf poste cargo stanowisko",
    "company": "company companyname organisation organization org account accountname "
    "firma unternehmen societe société entreprise empresa firma sirket şirket",
    "city": "city town ort stadt ville ciudad miasto sehir şehir",
    "country": "country countrycode land pays pais país kraj ulke ülke",
    "lifecycle_stage": "lifecyclestage stage lifecycle status phase",
    "tags": "tags tag labels label schlagwörter schlagworter schlagworte etiketten",
}.items():
    for _name in _names.split():
        SYNONYMS[re.sub(r"[^0-9a-z]", "", _name)] = _target


def normalise_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]", "", decomposed.lower())


def header_signature(headers: Iterable[str]) -> str:
    """Identifies a set of column headers (order and case do not matter)."""
    normalised = sorted(normalise_header(h) for h in headers)
    return hashlib.sha256("\x1f".join(normalised).encode()).hexdigest()


def custom_targets(definitions: Iterable[CustomFieldDefinition]) -> dict[str, str]:
    return {f"{CUSTOM_PREFIX}{d.key}": str(d.label) for d in definitions}


def target_choices(definitions: Iterable[CustomFieldDefinition]) -> list[tuple[str, str]]:
    choices = [("", str(_("— do not import —")))]
    choices += [(key, str(label)) for key, label in TARGETS.items()]
    for key, label in custom_targets(definitions).items():
        choices.append((key, str(_("Custom: %(label)s") % {"label": label})))
    return choices


def suggest_mapping(
    headers: list[str], definitions: Iterable[CustomFieldDefinition]
) -> dict[str, str]:
    """A first guess: headers that name a field (in English, German, French, Spanish, Polish or
    Turkish) or a custom field's key or label. Each target is used at most once."""
    by_name = dict(SYNONYMS)
    for definition in definitions:
        target = f"{CUSTOM_PREFIX}{definition.key}"
        by_name.setdefault(normalise_header(definition.key), target)
        by_name.setdefault(normalise_header(str(definition.label)), target)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        target = by_name.get(normalise_header(header))
        if target and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def clean_mapping(
    mapping: Mapping[str, str], headers: list[str], definitions: Iterable[CustomFieldDefinition]
) -> tuple[dict[str, str], list[str]]:
    """Keep valid entries of ``mapping``; returns (mapping, errors)."""
    valid_targets = set(TARGETS) | set(custom_targets(definitions))
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    seen: dict[str, str] = {}
    for index, target in mapping.items():
        if not target:
            continue
        try:
            position = int(index)
        except (TypeError, ValueError):
            continue
        if not 0 <= position < len(headers) or target not in valid_targets:
            continue
        if target in seen:
            errors.append(
                str(
                    _("“%(a)s” and “%(b)s” are both mapped to the same field.")
                    % {"a": headers[int(seen[target])], "b": headers[position]}
                )
            )
            continue
        seen[target] = str(position)
        cleaned[str(position)] = target
    if not cleaned:
        errors.append(str(_("Map at least one column.")))
    elif not {"email", "first_name", "last_name"} & set(cleaned.values()):
        errors.append(str(_("Map a column to email, first name or last name.")))
    return cleaned, errors


def target_label(target: str, definitions: Iterable[CustomFieldDefinition]) -> str:
    if target in TARGETS:
        return str(TARGETS[target])
    return custom_targets(definitions).get(target, target)
